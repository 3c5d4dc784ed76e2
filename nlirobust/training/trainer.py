"""`NLITrainer`: a `transformers.Trainer` whose training loop is ours, written out step by step.

Why our own `_inner_training_loop`: the mistaken-examples study needs a prediction pass over the whole training
set after every epoch, and cluster jobs need checkpoints that resume to the identical result (model, optimizer,
scheduler, RNG states and the per-epoch predictions so far). The stock loop offers neither directly.

Resumption is exact on CPU because each epoch's data order comes from its own generator seeded by
(seed, epoch), and the global RNG state (dropout) is saved with every checkpoint.
"""

from __future__ import annotations

import logging
import math
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm
from transformers import PrinterCallback, ProgressCallback, Trainer
from transformers.trainer_utils import TrainOutput

from nlirobust.failpoints import failpoint
from nlirobust.predict import autocast, predict_dataset
from nlirobust.training.checkpoints import load_loop_checkpoint, save_loop_checkpoint
from nlirobust.training.cuda_graphs import GraphedTrainingStep
from nlirobust.training.mistake_record import epoch_predictions
from nlirobust.training.mistake_record import mistake_record as mistake_record_of
from nlirobust.training.optimization import epoch_loader, optimizer_and_scheduler

log = logging.getLogger(__name__)


@dataclass
class LoopRecord:
    """Everything the loop accumulates that a resumed job must get back."""

    step_log: list[dict] = field(default_factory=list)
    epoch_log: list[dict] = field(default_factory=list)
    train_predictions: list[pd.DataFrame] = field(default_factory=list)


class NLITrainer(Trainer):
    """Trainer for one stage of a recipe.

    Extra arguments: `train_ids`/`train_labels` (to label the per-epoch training predictions), `eval_batch_size`,
    `checkpoint_dir` (epoch checkpoints; resumed from if present and `fingerprint` matches), `fingerprint`
    (what makes a checkpoint belong to this run), `record_train_predictions`; on a GPU only, `cuda_graphs`
    (forward and backward replayed from CUDA graphs, see cuda_graphs.py) and `fused_optimizer` (one-kernel AdamW).
    """

    def __init__(
        self,
        *args,
        train_ids,
        checkpoint_dir,
        fingerprint: str,
        eval_batch_size: int = 64,
        record_train_predictions: bool = True,
        mistake_record: str = "eval_pass",
        keep_checkpoints: int = 2,
        cuda_graphs: bool = False,
        fused_optimizer: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        # the loop draws its own progress bar and logs; the stock printer would echo every logged row to stdout
        self.remove_callback(PrinterCallback)
        self.remove_callback(ProgressCallback)
        self.train_ids = np.asarray(train_ids, dtype=object)
        self.checkpoint_dir = Path(checkpoint_dir)
        self.fingerprint = fingerprint
        self.eval_batch_size = eval_batch_size
        self.record_train_predictions = record_train_predictions
        self.mistake_record = mistake_record_of(mistake_record)
        if record_train_predictions:
            self.train_dataset = self.mistake_record.prepare(self.train_dataset)
        self.keep_checkpoints = keep_checkpoints
        self.cuda_graphs = cuda_graphs
        self.fused_optimizer = fused_optimizer
        self.graphed_step: GraphedTrainingStep | None = None
        self.record = LoopRecord()
        self.resumes = 0  # how many times this run was started again from a checkpoint
        self._stop_requested = False

    def _report(self, global_step: int, logs: dict) -> None:
        """Hand a logged row to the tracking callbacks `report_to` installed (TensorBoard, W&B); none by default."""
        self.state.global_step = global_step
        self.state.epoch = logs["epoch"]
        self.control = self.callback_handler.on_log(self.args, self.state, self.control, dict(logs))

    def _request_stop(self, signum, frame) -> None:
        # SLURM sends SIGTERM before a time limit or preemption: finish the step, checkpoint, exit.
        log.warning("signal %d received: checkpointing at the next step boundary", signum)
        self._stop_requested = True

    # ---- the loop ---------------------------------------------------------------------------------------------
    def _inner_training_loop(
        self, batch_size=None, args=None, resume_from_checkpoint=None, trial=None, ignore_keys_for_eval=None
    ) -> TrainOutput:
        args = args or self.args
        # One process trains on one device at the configured batch size. Trainer.train passes per-device x n_gpu
        # (the stock loop's DataParallel); this loop never wraps the model, so that would only multiply the batch.
        batch_size = args.per_device_train_batch_size
        model = self.model
        device = args.device
        num_epochs = int(math.ceil(args.num_train_epochs))
        steps_per_epoch = math.ceil(len(self.train_dataset) / batch_size)
        total_steps = steps_per_epoch * num_epochs
        optimizer, scheduler = optimizer_and_scheduler(self, total_steps)
        self.optimizer, self.lr_scheduler = optimizer, scheduler

        start_epoch, skip_steps, global_step, epoch_loss_sum = 0, 0, 0, 0.0
        progress_before: dict = {}  # of the epoch a stop interrupted: seconds trained, logging interval start
        state = load_loop_checkpoint(self, optimizer, scheduler)
        if state is not None:
            start_epoch, skip_steps = state["epoch"], state["step_in_epoch"]
            global_step, epoch_loss_sum = state["global_step"], state["epoch_loss_sum"]
            progress_before = state.get("progress", {})
            if skip_steps >= steps_per_epoch:  # the checkpoint closed its epoch
                start_epoch, skip_steps, epoch_loss_sum, progress_before = start_epoch + 1, 0, 0.0, {}

        previous_handler = signal.signal(signal.SIGTERM, self._request_stop)
        log.info(
            "training %d examples for %d epoch(s): %d steps of %d (from step %d) on %s",
            len(self.train_dataset),
            num_epochs,
            total_steps,
            batch_size,
            global_step,
            device,
        )
        progress = tqdm(
            total=total_steps,
            initial=global_step,
            desc="train",
            unit="step",
            mininterval=1 if sys.stderr.isatty() else 30,
        )
        start_time = time.perf_counter()
        step_lr = scheduler.get_last_lr()[0]
        graphed = self.cuda_graphs and device.type == "cuda"
        if graphed:
            self.graphed_step = GraphedTrainingStep(model, self.compute_loss, bool(args.bf16))
        # the epoch's loss is summed on the device (float64, the same sums as Python floats on a CPU) and read
        # only at logging steps and epoch ends: a read every step would make the host wait for the GPU
        loss_sum = torch.tensor(epoch_loss_sum, dtype=torch.float64, device=device)
        model.train()
        try:
            for epoch in range(start_epoch, num_epochs):
                # a resumed epoch counts the seconds its first part took in the job that was stopped
                epoch_start = time.perf_counter() - progress_before.get("epoch_seconds", 0.0)
                # the logged training loss is the mean over the steps since the last logged one
                interval_step = progress_before.get("interval_step", global_step)
                interval_sum = progress_before.get("interval_loss_sum", float(loss_sum))
                progress_before = {}
                self.mistake_record.start_epoch(len(self.train_dataset), resuming_mid_epoch=skip_steps > 0)
                for step_in_epoch, batch in enumerate(epoch_loader(self, epoch, batch_size)):
                    if step_in_epoch < skip_steps:  # already done before the job was stopped
                        continue
                    batch = {k: v.to(device, non_blocking=True) for k, v in batch.items()}
                    bookkeeping = {"example_index": batch.pop("example_index")} if "example_index" in batch else {}
                    step_lr = scheduler.get_last_lr()[0]  # the rate this step uses
                    if graphed:
                        loss, logits = self.graphed_step(batch)
                    else:
                        with autocast(device, args.bf16):
                            loss, outputs = self.compute_loss(model, batch, return_outputs=True)
                        logits = outputs.logits
                        loss.backward()
                    if self.record_train_predictions:
                        self.mistake_record.observe(bookkeeping, logits)
                    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), args.max_grad_norm)
                    optimizer.step()
                    scheduler.step()
                    # graphs accumulate into the same gradient tensors every step: zero them, keep them
                    optimizer.zero_grad(set_to_none=not graphed)
                    global_step += 1
                    failpoint("train_step")
                    loss_sum += loss.detach().double()
                    if global_step % args.logging_steps == 0 or step_in_epoch + 1 == steps_per_epoch:
                        summed = float(loss_sum)
                        loss_value = (summed - interval_sum) / (global_step - interval_step)
                        row = {
                            "step": global_step,
                            "epoch": epoch + (step_in_epoch + 1) / steps_per_epoch,
                            "loss": loss_value,  # mean training loss over the logging interval
                            "loss_steps": global_step - interval_step,
                            "learning_rate": step_lr,
                            "grad_norm": float(grad_norm),
                        }
                        interval_step, interval_sum = global_step, summed
                        self.record.step_log.append(row)
                        self._report(global_step, row)
                        progress.set_postfix(epoch=epoch + 1, loss=f"{loss_value:.3f}", refresh=False)
                    progress.update(1)
                    if self._stop_requested and step_in_epoch + 1 < steps_per_epoch:
                        progress_now = {
                            "epoch_seconds": time.perf_counter() - epoch_start,
                            "interval_step": interval_step,
                            "interval_loss_sum": interval_sum,
                        }
                        path = save_loop_checkpoint(
                            self,
                            epoch,
                            step_in_epoch + 1,
                            global_step,
                            optimizer,
                            scheduler,
                            float(loss_sum),
                            progress_now,
                        )
                        log.warning("stopped at step %d; checkpoint %s", global_step, path)
                        raise SystemExit(143)
                skip_steps = 0
                train_seconds = time.perf_counter() - epoch_start
                epoch_loss_sum = float(loss_sum)
                self._end_of_epoch(
                    epoch,
                    global_step,
                    epoch_loss_sum / steps_per_epoch,
                    train_seconds,
                    step_lr,
                )
                save_loop_checkpoint(self, epoch, steps_per_epoch, global_step, optimizer, scheduler, epoch_loss_sum)
                loss_sum.zero_()
                if self._stop_requested and epoch + 1 < num_epochs:
                    log.warning("stopped after epoch %d", epoch + 1)
                    raise SystemExit(143)
        finally:
            progress.close()
            signal.signal(signal.SIGTERM, previous_handler)
        self.control = self.callback_handler.on_train_end(args, self.state, self.control)

        train_loss = float(np.mean([row["train_loss"] for row in self.record.epoch_log]))
        runtime = time.perf_counter() - start_time
        metrics = {"train_loss": train_loss, "train_runtime": runtime, "epoch": float(num_epochs)}
        return TrainOutput(global_step, train_loss, metrics)

    def _end_of_epoch(
        self, epoch: int, global_step: int, train_loss: float, train_seconds: float, last_lr: float
    ) -> None:
        """Validation metrics and, for the mistakes study, predictions on every training example."""
        row = {
            "epoch": epoch + 1,
            "step": global_step,
            "train_loss": train_loss,
            "train_seconds": train_seconds,
            "examples_per_second": len(self.train_dataset) / train_seconds,
            "last_learning_rate": last_lr,
        }
        if self.eval_dataset is not None:
            result = predict_dataset(
                self.model,
                self.eval_dataset,
                self.data_collator,
                self.eval_batch_size,
                self.args.device,
                desc="validation",
                bf16=self.args.bf16,
            )
            gold = np.asarray(self.eval_dataset["labels"])
            row |= {
                "eval_loss": float(result.losses.mean()),
                "eval_accuracy": float((result.probs.argmax(1) == gold).mean()),
                "eval_seconds": result.seconds,
            }
        if self.record_train_predictions:
            probs, seconds = self.mistake_record.epoch_probs(self)
            predictions = epoch_predictions(self.train_ids, np.asarray(self.train_dataset["labels"]), probs, epoch + 1)
            self.record.train_predictions.append(predictions)
            row |= {
                "train_mistakes": int((predictions["pred"] != predictions["gold"]).sum()),
                "mistake_pass_seconds": seconds,
            }
        self.record.epoch_log.append(row)
        self._report(global_step, {k: v for k, v in row.items() if k != "epoch"} | {"epoch": float(epoch + 1)})
        log.info("epoch %d: %s", epoch + 1, {k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()})
