"""Finished training runs kept under their fingerprint, so that work already done survives someone else's failure.

Snakemake removes the outputs of every job of a failed group, the finished ones included, and a retry (or a SLURM
requeue) runs the whole group again: every final tune of an initial model would train again because one of them
failed. A run that finished is therefore also linked into `{cache}/{fingerprint}/` (hard links: no second copy on
disk), and a later job with the same fingerprint (the content of every input and every result-changing argument,
as for checkpoints) restores it instead of training. Delete the cache folder to train such runs again.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

log = logging.getLogger(__name__)

COMPLETE = "complete"
# What a finished stage leaves in its output folder, besides model/ (train_predictions only where recorded).
RUN_FILES: tuple[str, ...] = ("train_log.csv", "epoch_log.csv", "run.json", "train_predictions.parquet")


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system, or one without hard links
        shutil.copy2(source, target)


def _link_tree(source: Path, target: Path) -> None:
    shutil.copytree(source, target, copy_function=lambda s, t: _link_or_copy(Path(s), Path(t)))


def keep_finished_run(output_dir: Path, cache_root: Path, fingerprint: str) -> Path:
    """Link a finished run's model/ and files into the cache (atomically: a temporary folder, then a rename)."""
    entry = cache_root / fingerprint
    tmp = cache_root / f".{fingerprint}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    _link_tree(output_dir / "model", tmp / "model")
    for name in RUN_FILES:
        if (output_dir / name).exists():
            _link_or_copy(output_dir / name, tmp / name)
    (tmp / COMPLETE).write_text(str(output_dir) + "\n")
    shutil.rmtree(entry, ignore_errors=True)
    tmp.rename(entry)
    return entry


def restore_finished_run(cache_root: Path, fingerprint: str, output_dir: Path) -> Path | None:
    """Put a cached finished run with this fingerprint into `output_dir`; its cache entry, or None if none."""
    entry = cache_root / fingerprint
    if not (entry / COMPLETE).exists():
        return None
    output_dir.mkdir(parents=True, exist_ok=True)
    tmp = output_dir / ".model.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    _link_tree(entry / "model", tmp)
    shutil.rmtree(output_dir / "model", ignore_errors=True)
    tmp.rename(output_dir / "model")
    for name in RUN_FILES:
        if (entry / name).exists():
            (output_dir / name).unlink(missing_ok=True)
            _link_or_copy(entry / name, output_dir / name)
    log.info("reused the finished run %s: not trained again (delete it to train again)", entry)
    return entry
