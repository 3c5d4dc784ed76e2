"""The contenders of benchmarks/gpu_throughput.py and the pairs they train on: real SNLI / MNLI lengths.

Pairs: words of the model's own vocabulary (one token each), as many as a length drawn from the real data's
length distribution asks for (shared/README.md: BERT-uncased WordPiece, specials included; SNLI dev p10 18, median
26, p90 38, p99 53, max 113; MNLI dev matched p10 18, median 36, p90 63, p99 98, max 237, cut at 128 as the workflow
cuts). Random weights and random labels: throughput depends on the shapes, not on the words.

Contenders (the same model, pairs, batch size and pair count; `repeats` timed runs after one cold run):
  stock (run_glue)        transformers.Trainer as run_glue.py runs it: every pair padded to 128
  stock (tuned)           dynamic padding to a multiple of 16, group_by_length, 4 dataloader workers, fused AdamW
  stock (tuned, compile)  the same with torch_compile=True
  stock (tuned, compile reduce-overhead)   torch_compile_mode="reduce-overhead" (CUDA graphs by the compiler)
  ours (eager, fused)     NLITrainer without CUDA graphs, fused AdamW, dynamic padding to a multiple of 16
  ours                    NLITrainer with every switch (CUDA graphs, fused AdamW, pad_to_multiple_of 16)
  ours (deterministic)    the same with training.deterministic (the workflow's default; the others leave
                          deterministic algorithms off; CUBLAS_WORKSPACE_CONFIG is set for the whole process, as it
                          must be before the first cuBLAS call, so the difference is the algorithms alone)
The cold run's extra time over the steady rate is the start-up (compilation, graph capture, workers, cuBLAS).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

# (quantile, tokens) of each data set's length distribution; the 0-quantile is a short pair's floor
LENGTH_QUANTILES: dict[str, list[tuple[float, int]]] = {
    "snli": [(0.0, 8), (0.1, 18), (0.5, 26), (0.9, 38), (0.99, 53), (1.0, 113)],
    "mnli": [(0.0, 8), (0.1, 18), (0.5, 36), (0.9, 63), (0.99, 98), (1.0, 237)],
}
MAX_LENGTH = 128
CONTENDERS: tuple[str, ...] = (
    "stock (run_glue)",
    "stock (tuned)",
    "stock (tuned, compile)",
    "stock (tuned, compile reduce-overhead)",
    "ours (eager, fused)",
    "ours",
    "ours (deterministic)",
)


def sample_lengths(name: str, n: int, seed: int) -> np.ndarray:
    """Token counts drawn from a piecewise-linear inverse of the distribution's quantiles."""
    quantiles, tokens = zip(*LENGTH_QUANTILES[name], strict=True)
    draws = np.interp(np.random.default_rng(seed).uniform(size=n), quantiles, tokens)
    return np.round(draws).astype(int)


def length_matched_pairs(tokenizer, name: str, n: int, seed: int = 0) -> pd.DataFrame:
    """`n` pairs in the pair schema whose encoded length ([CLS] p [SEP] h [SEP]) follows `name`'s distribution."""
    rng = np.random.default_rng(seed + 1)
    words = sorted(w for w in tokenizer.get_vocab() if w.isalpha() and w.islower() and len(w) > 1)
    premises, hypotheses = [], []
    for length in sample_lengths(name, n, seed):
        body = max(2, int(length) - 3)
        premise = max(1, round(0.6 * body))
        premises.append(" ".join(rng.choice(words, premise)))
        hypotheses.append(" ".join(rng.choice(words, body - premise)))
    return pd.DataFrame(
        {
            "id": [f"{name}-{i}" for i in range(n)],
            "premise": premises,
            "hypothesis": hypotheses,
            "label": rng.integers(0, 3, n),
            "category": None,
            "source": name,
        }
    )


def _stock_trainer(model, tokenizer, pairs: pd.DataFrame, batch: int, contender: str, work: Path):
    from benchmarks_support import training_args
    from transformers import DataCollatorWithPadding, Trainer, default_data_collator

    from nlirobust.encoding import encode_pairs

    cuda = torch.cuda.is_available()
    if contender == "stock (run_glue)":
        import datasets

        encoded = tokenizer(pairs["premise"].tolist(), pairs["hypothesis"].tolist(), truncation=True,
                            max_length=MAX_LENGTH, padding="max_length")  # fmt: skip
        dataset = datasets.Dataset.from_dict(dict(encoded) | {"labels": pairs["label"].tolist()})
        return Trainer(model=model, args=training_args(work / "stock", batch, 256), train_dataset=dataset,
                       data_collator=default_data_collator)  # fmt: skip
    extra = {
        "train_sampling_strategy": "group_by_length",
        "dataloader_num_workers": 4,
        "optim": "adamw_torch_fused" if cuda else "adamw_torch",
    }
    if "compile" in contender:
        extra["torch_compile"] = True
        if "reduce-overhead" in contender:
            extra["torch_compile_mode"] = "reduce-overhead"
    return Trainer(
        model=model,
        args=training_args(work / "stock", batch, 256, **extra),
        train_dataset=encode_pairs(pairs, tokenizer, MAX_LENGTH),
        data_collator=DataCollatorWithPadding(tokenizer, pad_to_multiple_of=16),
    )


def _ours_trainer(model, tokenizer, pairs: pd.DataFrame, batch: int, contender: str, work: Path):
    from benchmarks_support import training_args
    from transformers import DataCollatorWithPadding

    from nlirobust.encoding import encode_pairs
    from nlirobust.training.trainer import NLITrainer

    cuda = torch.cuda.is_available()
    return NLITrainer(
        model=model,
        args=training_args(work / "ours", batch, 256),
        train_dataset=encode_pairs(pairs, tokenizer, MAX_LENGTH),
        data_collator=DataCollatorWithPadding(tokenizer, pad_to_multiple_of=16),
        cuda_graphs=contender.startswith("ours") and "eager" not in contender and cuda,
        fused_optimizer=cuda,
        train_ids=pairs["id"].to_numpy(),
        checkpoint_dir=work / f"ckpt_{time.perf_counter_ns()}",  # a fresh run every time, as every job is
        fingerprint="benchmark",
        record_train_predictions=False,
    )


def time_training(model_dir: Path, pairs: pd.DataFrame, batch: int, contender: str, work: Path, repeats: int) -> dict:
    """One cold run, then `repeats` warm ones on the same model object (compiled code and cuBLAS stay warm; ours
    builds a fresh trainer, and so captures its graphs again, as every job of the workflow does)."""
    from nlirobust.modeling import load_classifier
    from nlirobust.training.stage import set_determinism

    model, tokenizer = load_classifier(model_dir)
    stock = contender.startswith("stock")
    set_determinism(contender == "ours (deterministic)")
    trainer = None
    seconds = []
    for _ in range(repeats + 1):
        if trainer is None or not stock:
            trainer = (_stock_trainer if stock else _ours_trainer)(model, tokenizer, pairs, batch, contender, work)
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        start = time.perf_counter()
        trainer.train()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        seconds.append(time.perf_counter() - start)
    set_determinism(False)
    warm = [len(pairs) / s for s in seconds[1:]]
    steady = statistics.median(warm)
    return {
        "contender": contender,
        "pairs": len(pairs),
        "steady pairs/s": steady,
        "runs": warm,
        "cold pairs/s": len(pairs) / seconds[0],
        "start-up s": max(0.0, seconds[0] - len(pairs) / steady),
    }
