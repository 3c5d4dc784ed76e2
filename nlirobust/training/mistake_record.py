"""How the per-epoch training-set predictions of the mistakes study are taken (`training.mistake_record`):

  eval_pass      after the epoch, an eval-mode pass over every training example with the epoch's final weights
                 (the reference study's definition; costs a forward pass over the training set)
  train_forward  from the epoch's own training forward passes (train mode: dropout on, weights still moving),
                 as dataset cartography and forgetting-events code do; free, but a different quantity

One small class per value; the training loop calls the same four methods on either.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from nlirobust.predict import predict_dataset


class EvalPassRecord:
    """An eval-mode pass over the training set after each epoch."""

    name = "eval_pass"

    def prepare(self, dataset):
        """The training dataset as the loop should load it."""
        return dataset

    def start_epoch(self, dataset_size: int, resuming_mid_epoch: bool) -> None:
        pass

    def observe(self, batch: dict, logits: torch.Tensor) -> None:
        """Called with every training batch's logits (the batch already lost its bookkeeping columns)."""

    def epoch_probs(self, trainer) -> tuple[np.ndarray, float]:
        """(softmax per training example, seconds the recording took) at the end of an epoch."""
        result = predict_dataset(
            trainer.model,
            trainer.train_dataset,
            trainer.data_collator,
            trainer.eval_batch_size,
            trainer.args.device,
            desc="training-set pass",
            bf16=trainer.args.bf16,
        )
        return result.probs, result.seconds

    def state(self) -> torch.Tensor | None:
        """What a mid-epoch checkpoint must carry (a tensor or None: loadable weights-only)."""
        return None

    def load_state(self, state: torch.Tensor | None) -> None:
        pass


class TrainForwardRecord(EvalPassRecord):
    """The softmax of each example's own training forward pass in the epoch."""

    name = "train_forward"

    def __init__(self) -> None:
        self.probs: np.ndarray | None = None

    def prepare(self, dataset):
        # the loader shuffles: each batch must say which examples it holds
        return dataset.add_column("example_index", list(range(len(dataset))))

    def start_epoch(self, dataset_size: int, resuming_mid_epoch: bool) -> None:
        if not resuming_mid_epoch or self.probs is None:
            self.probs = np.full((dataset_size, 3), np.nan, dtype=np.float32)

    def observe(self, batch: dict, logits: torch.Tensor) -> None:
        index = batch["example_index"]
        self.probs[index.cpu().numpy()] = torch.softmax(logits.detach().float(), dim=-1).cpu().numpy()

    def epoch_probs(self, trainer) -> tuple[np.ndarray, float]:
        return self.probs, 0.0

    def state(self) -> torch.Tensor | None:
        return None if self.probs is None else torch.from_numpy(self.probs)

    def load_state(self, state: torch.Tensor | None) -> None:
        self.probs = None if state is None else state.numpy()


MISTAKE_RECORDS = {record.name: record for record in (EvalPassRecord, TrainForwardRecord)}


def mistake_record(name: str) -> EvalPassRecord:
    if name not in MISTAKE_RECORDS:
        raise ValueError(f"mistake_record: '{name}' is not one of {', '.join(MISTAKE_RECORDS)}")
    return MISTAKE_RECORDS[name]()


def epoch_predictions(ids: np.ndarray, gold: np.ndarray, probs: np.ndarray, epoch: int) -> pd.DataFrame:
    """One epoch's rows of train_predictions.parquet: id, epoch, gold, pred, prob_e, prob_n, prob_c."""
    return pd.DataFrame(
        {
            "id": ids,
            "epoch": epoch,
            "gold": gold,
            "pred": probs.argmax(1),
            "prob_e": probs[:, 0],
            "prob_n": probs[:, 1],
            "prob_c": probs[:, 2],
        }
    )
