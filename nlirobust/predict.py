"""One prediction pass and the one prediction schema every model and evaluation set shares.

Schema: `id`, `gold`, `pred`, `prob_e`, `prob_n`, `prob_c`, `loss`, `category` (missing where the set has none).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

PREDICTION_COLUMNS: tuple[str, ...] = ("id", "gold", "pred", "prob_e", "prob_n", "prob_c", "loss", "category")


@dataclass
class PredictionPass:
    probs: np.ndarray  # (n, 3) softmax probabilities, float32
    losses: np.ndarray  # (n,) per-example cross-entropy against gold
    seconds: float


def bf16_supported(bf16: bool, device) -> bool:
    """bf16 as asked, where the GPU computes it natively (Ampere and later); False on a CPU, and False with one
    warning on a GPU without it (V100, T4: unsupported or emulated), which then runs in fp32."""
    import logging

    import torch

    if not bf16 or torch.device(device).type != "cuda":
        return False
    if torch.cuda.is_bf16_supported(including_emulation=False):
        return True
    logging.getLogger(__name__).warning(
        "%s has no native bf16: running in fp32 (training.bf16 asked for bf16)", torch.cuda.get_device_name(device)
    )
    return False


def precision_name(bf16: bool, device) -> str:
    """What a pass computed in, as run.json and the tables say it: bf16 (autocast on a GPU) or fp32."""
    return "bf16" if bf16 and str(device).startswith("cuda") else "fp32"


def autocast(device, bf16: bool):
    """bf16 autocast on a GPU when asked; a no-op context elsewhere (CPU runs stay in float32, bit-reproducible)."""
    import torch

    return torch.autocast(
        device_type="cuda", dtype=torch.bfloat16, enabled=bool(bf16) and torch.device(device).type == "cuda"
    )


def predict_dataset(
    model, dataset, collator, batch_size: int, device, desc: str = "predict", bf16: bool = False
) -> PredictionPass:
    """Softmax probabilities and per-example losses over an encoded dataset, in its order, in eval mode."""
    import time

    import torch
    from torch.utils.data import DataLoader
    from tqdm.auto import tqdm

    from nlirobust.failpoints import failpoint

    was_training = model.training
    model.eval()
    # Length-sorted batches pad far less; results are put back in the dataset's order below.
    order = np.argsort([len(ids) for ids in dataset["input_ids"]], kind="stable")
    batches = padded_batches(dataset, order, batch_size, collator)
    if batches is None:  # a collator this fast path does not know: use it as it is
        loader = DataLoader(dataset.select(order), batch_size=batch_size, shuffle=False, collate_fn=collator)
        batches = iter(loader)
    probs, losses = [], []
    start = time.perf_counter()
    total = -(-len(order) // batch_size)
    with torch.inference_mode(), autocast(device, bf16):
        for batch in tqdm(batches, desc=desc, total=total, leave=False, mininterval=1 if sys.stderr.isatty() else 30):
            failpoint(f"predict_batch:{desc}")
            batch = {k: v.to(device, non_blocking=True) for k, v in batch.items() if k != "example_index"}
            labels = batch.pop("labels")
            logits = model(**batch).logits.float()
            # kept on the device until the end: a copy per batch would make the host wait for every batch
            losses.append(torch.nn.functional.cross_entropy(logits, labels, reduction="none"))
            probs.append(torch.softmax(logits, dim=-1))
        all_probs, all_losses = torch.cat(probs).cpu().numpy(), torch.cat(losses).cpu().numpy()
    seconds = time.perf_counter() - start
    model.train(was_training)
    restore = np.empty_like(order)
    restore[order] = np.arange(len(order))
    return PredictionPass(all_probs[restore], all_losses[restore], seconds)


def padded_batches(dataset, order: np.ndarray, batch_size: int, collator) -> Iterator[dict] | None:
    """The batches `collator` would make of `dataset` taken in `order`, built from whole columns with numpy.

    Only for a `DataCollatorWithPadding` that pads on the right to each batch's longest member (or up to its
    pad_to_multiple_of): the same int64 tensors, without a Python dict per example, which on a GPU made the
    collator, not the model, the bottleneck of evaluation. None for any other collator.
    """
    import torch
    from transformers import DataCollatorWithPadding

    tokenizer = getattr(collator, "tokenizer", None)
    if (
        type(collator) is not DataCollatorWithPadding
        or collator.padding not in (True, "longest")
        or collator.max_length is not None
        or getattr(tokenizer, "padding_side", "right") != "right"
    ):
        return None
    pad_values = {
        "input_ids": tokenizer.pad_token_id,
        "token_type_ids": tokenizer.pad_token_type_id,
        "attention_mask": 0,
    }
    names = [name for name in pad_values if name in dataset.column_names]
    table = dataset.select_columns([*names, "labels"]).with_format("arrow")[:]  # honours a selection's indices
    columns = {}
    for name in names:
        lists = table.column(name).combine_chunks()
        offsets = lists.offsets.to_numpy()
        columns[name] = (lists.flatten().to_numpy(zero_copy_only=False), offsets - offsets[0])
    lengths = np.diff(columns["input_ids"][1])
    labels = table.column("labels").to_numpy()
    multiple = collator.pad_to_multiple_of or 1

    def batches() -> Iterator[dict]:
        for begin in range(0, len(order), batch_size):
            rows = order[begin : begin + batch_size]
            row_lengths = lengths[rows]
            width = -(-int(row_lengths.max()) // multiple) * multiple
            row = np.repeat(np.arange(len(rows)), row_lengths)
            position = np.arange(row_lengths.sum()) - np.repeat(np.cumsum(row_lengths) - row_lengths, row_lengths)
            batch = {}
            for name in names:
                flat, offsets = columns[name]
                padded = np.full((len(rows), width), pad_values[name], dtype=np.int64)
                padded[row, position] = flat[np.repeat(offsets[rows], row_lengths) + position]
                batch[name] = torch.from_numpy(padded)
            batch["labels"] = torch.from_numpy(labels[rows].astype(np.int64))
            yield batch

    return batches()


def prediction_frame(pairs: pd.DataFrame, result: PredictionPass, two_way: bool = False) -> pd.DataFrame:
    """The prediction schema for `pairs` (same order as the pass).

    `two_way` (a set labelled entailment / non-entailment, names.TWO_WAY_DATASETS): `pred` is 0 where the model
    answers entailment and 1 where it answers neutral or contradiction, and `loss` is the cross-entropy of that
    two-way answer (-log p(entailment) or -log(p(neutral) + p(contradiction))), so that `gold == pred` and every
    table built on it score the set as its authors do. The three probabilities stay as the model gave them.
    """
    category = pairs["category"] if "category" in pairs.columns else pd.Series([None] * len(pairs))
    pred = result.probs.argmax(axis=1).astype("int64")
    loss = result.losses
    if two_way:
        pred = (pred != 0).astype("int64")
        gold = pairs["label"].to_numpy()
        answer = np.where(gold == 0, result.probs[:, 0], result.probs[:, 1] + result.probs[:, 2])
        loss = -np.log(np.clip(answer, np.finfo(np.float32).tiny, None)).astype(np.float32)
    return pd.DataFrame(
        {
            "id": pairs["id"].astype(str).to_numpy(),
            "gold": pairs["label"].astype("int64").to_numpy(),
            "pred": pred,
            "prob_e": result.probs[:, 0],
            "prob_n": result.probs[:, 1],
            "prob_c": result.probs[:, 2],
            "loss": loss,
            "category": category.astype("string").to_numpy(),
        }
    )


def summary_metrics(frame: pd.DataFrame) -> dict:
    """Accuracy, mean loss and counts for a prediction frame, and the shares of its most predicted and most
    frequent gold label (a model that answers one label everywhere has collapsed: tables say so)."""
    correct = frame["gold"] == frame["pred"]
    return {
        "examples": int(len(frame)),
        "accuracy": float(correct.mean()),
        "loss": float(frame["loss"].mean()),
        "mistakes": int((~correct).sum()),
        "most_predicted_share": float(frame["pred"].value_counts(normalize=True).max()) if len(frame) else 0.0,
        "most_frequent_gold_share": float(frame["gold"].value_counts(normalize=True).max()) if len(frame) else 0.0,
    }
