"""One prediction pass and the one prediction schema every model and evaluation set shares.

Schema: `id`, `gold`, `pred`, `prob_e`, `prob_n`, `prob_c`, `loss`, `category` (missing where the set has none).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd

PREDICTION_COLUMNS: tuple[str, ...] = ("id", "gold", "pred", "prob_e", "prob_n", "prob_c", "loss", "category")


@dataclass
class PredictionPass:
    probs: np.ndarray  # (n, 3) softmax probabilities, float32
    losses: np.ndarray  # (n,) per-example cross-entropy against gold
    seconds: float


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
    cuda = torch.device(device).type == "cuda"
    loader = DataLoader(
        dataset.select(order), batch_size=batch_size, shuffle=False, collate_fn=collator, pin_memory=cuda
    )
    probs, losses = [], []
    start = time.perf_counter()
    with torch.inference_mode(), autocast(device, bf16):
        for batch in tqdm(loader, desc=desc, leave=False, mininterval=1 if sys.stderr.isatty() else 30):
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


def prediction_frame(pairs: pd.DataFrame, result: PredictionPass) -> pd.DataFrame:
    """The prediction schema for `pairs` (same order as the pass)."""
    category = pairs["category"] if "category" in pairs.columns else pd.Series([None] * len(pairs))
    return pd.DataFrame(
        {
            "id": pairs["id"].astype(str).to_numpy(),
            "gold": pairs["label"].astype("int64").to_numpy(),
            "pred": result.probs.argmax(axis=1).astype("int64"),
            "prob_e": result.probs[:, 0],
            "prob_n": result.probs[:, 1],
            "prob_c": result.probs[:, 2],
            "loss": result.losses,
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
