"""What the benchmark scripts share: TrainingArguments for a timed run (no saving, logging or evaluation)."""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import TrainingArguments


def training_args(out: Path, batch: int, eval_batch: int, learning_rate: float = 5e-5, **extra) -> TrainingArguments:
    return TrainingArguments(
        output_dir=str(out), per_device_train_batch_size=batch, per_device_eval_batch_size=eval_batch,
        num_train_epochs=1, learning_rate=learning_rate, save_strategy="no", eval_strategy="no", report_to="none",
        logging_strategy="no", disable_tqdm=True, seed=1, bf16=torch.cuda.is_available(), **extra,
    )  # fmt: skip
