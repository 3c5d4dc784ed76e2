"""Forward and backward of a training step replayed from CUDA graphs, one graph per batch shape.

Why: at the reference study's batch size (8) an ELECTRA-small step is a few milliseconds of arithmetic but about a
thousand kernel launches from Python; the GPU waits on the host. A graph launches them all at once. Shapes are
few because the training collator pads lengths up to a multiple (`training.pad_to_multiple_of`), so each
(batch size, length) pair is captured once and replayed for the rest of the run.

What stays outside the graph: gradient clipping, the (fused) optimizer step, the scheduler and zeroing the
gradients, so learning rates, checkpoints and resumption work exactly as in the eager loop. The gradients are
allocated before the first capture and accumulated into in place, so every graph writes the same `.grad` tensors
and the loop must zero them with `set_to_none=False`.

Any failure to capture (an operation that cannot be captured, an old driver) turns graphs off for the rest of the
run with one warning: the broken graph is reset, the warm-up's gradients and dropout draws are discarded (the CUDA
generator's state restored), no further shape is captured, graphs already captured are no longer replayed, and
training goes on eagerly: a slower run, never a wrong one. run.json records the root cause (the first error of the
chain, not the secondary one the broken capture raises on exit).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import torch

log = logging.getLogger(__name__)


@dataclass
class _Captured:
    graph: torch.cuda.CUDAGraph
    inputs: dict[str, torch.Tensor]
    loss: torch.Tensor
    logits: torch.Tensor


def root_cause(err: BaseException) -> str:
    """'Type: first line' of the first exception in `err`'s chain (what caused it, or was being handled)."""
    first, seen = err, {id(err)}
    while (earlier := first.__cause__ or first.__context__) is not None and id(earlier) not in seen:
        first = earlier
        seen.add(id(first))
    text = f"{type(first).__name__}: {first}".splitlines()[0]
    return (
        text if first is err else f"{text} (then {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''})"
    )


class GraphedTrainingStep:
    """`step(batch) -> (loss, logits)`: the forward and backward pass of one batch, from a graph when it can.

    The loss and logits returned for a graphed batch are the graph's own tensors: they hold this batch's values
    until the next call, so read or copy them (on the stream) before then.
    """

    def __init__(
        self,
        model: torch.nn.Module,
        compute_loss: Callable,
        bf16: bool,
        max_graphs: int = 64,
        warmup_steps: int = 2,
    ) -> None:
        self.model = model
        self.compute_loss = compute_loss
        self.bf16 = bf16
        self.max_graphs = max_graphs
        self.warmup_steps = warmup_steps
        self.graphs: dict[tuple, _Captured] = {}
        self.pool = None
        self.failure: str | None = None
        self.replays = 0
        self.eager_steps = 0

    def __call__(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        key = tuple(sorted((name, tuple(tensor.shape)) for name, tensor in batch.items()))
        captured = self.graphs.get(key) if self.failure is None else None
        if captured is None and self.failure is None and len(self.graphs) < self.max_graphs:
            captured = self._capture(batch, key)
        if captured is None:
            self.eager_steps += 1
            return self._forward_backward(batch, cache_enabled=True)
        for name, tensor in batch.items():
            captured.inputs[name].copy_(tensor, non_blocking=True)
        captured.graph.replay()
        self.replays += 1
        return captured.loss, captured.logits

    def _forward_backward(self, batch: dict, cache_enabled: bool) -> tuple[torch.Tensor, torch.Tensor]:
        # autocast's weight cache must be off while capturing (the cached casts would not be re-run on replay)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=self.bf16, cache_enabled=cache_enabled):
            loss, outputs = self.compute_loss(self.model, batch, return_outputs=True)
        loss.backward()
        return loss, outputs.logits

    def _capture(self, batch: dict, key: tuple) -> _Captured | None:
        parameters = [p for p in self.model.parameters() if p.requires_grad]
        rng = torch.cuda.get_rng_state()
        graph = None
        try:
            inputs = {name: tensor.clone() for name, tensor in batch.items()}
            # warm-up on a side stream (lazy initialisation, cuBLAS workspaces); it allocates the gradients the
            # graph will accumulate into, outside the graph's memory pool
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):
                for _ in range(self.warmup_steps):
                    self._forward_backward(inputs, cache_enabled=False)
            torch.cuda.current_stream().wait_stream(side)
            self._discard_warmup(parameters, rng)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph, pool=self.pool):
                loss, logits = self._forward_backward(inputs, cache_enabled=False)
            self.pool = graph.pool()
        except Exception as err:  # noqa: BLE001 -- any capture failure: train on, eagerly
            # The error that broke the capture is often not the one raised: an op that cannot be captured
            # invalidates the capture, and ending it then fails too. Record the first one in the chain.
            self.failure = root_cause(err)
            log.warning("CUDA graphs off for the rest of this run (%s); training goes on eagerly", self.failure)
            if graph is not None:
                graph.reset()  # frees what the broken capture held; the generator leaves capture mode with it
            self.graphs.clear()  # they share the broken capture's memory pool: none is replayed again
            torch.cuda.synchronize()
            self._discard_warmup(parameters, rng)
            return None
        captured = _Captured(graph, inputs, loss, logits)
        self.graphs[key] = captured
        log.info("captured a CUDA graph for batch shape %s (%d so far)", dict(key), len(self.graphs))
        return captured

    @staticmethod
    def _discard_warmup(parameters: list[torch.nn.Parameter], rng: torch.Tensor) -> None:
        """The warm-up's gradients and dropout draws must not reach training."""
        for parameter in parameters:
            if parameter.grad is not None:
                parameter.grad.zero_()
        torch.cuda.set_rng_state(rng)
