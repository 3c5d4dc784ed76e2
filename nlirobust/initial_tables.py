"""The initial fine-tuning's tables: accuracy per recipe and evaluation set, and per-epoch training facts."""

from __future__ import annotations

from pathlib import Path

from nlirobust.data.io import atomic_path
from nlirobust.run_paths import one_encoder
from nlirobust.tables import (
    accuracy_long,
    accuracy_wide,
    epoch_long,
    epoch_view,
    mark_kept_overlap,
    to_markdown,
    write_csv,
)


def write_initial_tables(
    metric_files: list[str | Path],
    epoch_logs: list[str | Path],
    run_files: list[str | Path],
    recipes: list[str],
    accuracy_csv: str | Path,
    accuracy_md: str | Path,
    epochs_csv: str | Path,
    epochs_md: str | Path,
) -> None:
    """Accuracy (one row per run and set; † where a run trained on pairs of the set) and the epoch logs, each as
    CSV data and a Markdown view (accuracy: mean ± sd over seeds per recipe and learning rate)."""
    one_encoder([*metric_files, *epoch_logs, *run_files])  # a table over seeds never mixes encoders
    long = mark_kept_overlap(accuracy_long(metric_files), run_files)
    epochs = epoch_long(epoch_logs)
    for frame, path in ((long, accuracy_csv), (epochs, epochs_csv)):
        write_csv(frame, path)
    for text, path in (
        (to_markdown(accuracy_wide(long, recipes)), accuracy_md),
        (to_markdown(epoch_view(epochs)), epochs_md),
    ):
        with atomic_path(path) as tmp:
            tmp.write_text(text)
