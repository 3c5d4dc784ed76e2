"""Epoch (and SIGTERM) checkpoints of the training loop: written atomically, loaded weights-only, tied to a run.

A checkpoint is a folder `checkpoint-{global_step:09d}` holding `state.pt` (model, optimizer, scheduler, RNG states,
loop position and logs: tensors and plain containers only, so `torch.load(weights_only=True)` reads it and a planted
file runs no code) and, once the mistakes study has recorded an epoch, `train_predictions.parquet`.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import random
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import torch

from nlirobust.data.io import no_space_left_as_one_line
from nlirobust.failpoints import failpoint

if TYPE_CHECKING:
    from nlirobust.training.trainer import NLITrainer

log = logging.getLogger(__name__)

STATE_FILE = "state.pt"
PREDICTIONS_FILE = "train_predictions.parquet"
LOCK_FILE = ".lock"


@contextlib.contextmanager
def checkpoint_lock(checkpoint_dir: Path) -> Iterator[None]:
    """Hold the run's checkpoint folder alone for as long as the loop trains.

    A requeued SLURM job can start while the process it replaces is still writing its SIGTERM checkpoint (the job
    script's shell dies first, and some process trackers then lose the orphan). Two processes resuming, writing and
    pruning one folder would mix two runs into one result; the second waits here until the first has exited.
    """
    checkpoint_dir.mkdir(parents=True, exist_ok=True)
    with open(checkpoint_dir / LOCK_FILE, "a") as handle:
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                log.warning("another process is training into %s; waiting for it to exit", checkpoint_dir)
                fcntl.flock(handle, fcntl.LOCK_EX)
        except OSError as err:
            if err.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS):
                raise
            # a file system without flock (some NFS mounts): train unguarded, as before, and say so
            log.warning("cannot lock %s (%s); two jobs of one run must not overlap", checkpoint_dir, err)
        yield


def rng_state() -> dict:
    """Every RNG the loop draws from, in types `torch.load(weights_only=True)` accepts (tensors, ints, tuples)."""
    kind, keys, position, has_gauss, cached_gauss = np.random.get_state()
    return {
        "python": random.getstate(),
        "numpy": (kind, torch.from_numpy(keys.astype(np.int64)), int(position), int(has_gauss), float(cached_gauss)),
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
    }


def set_rng_state(state: dict) -> None:
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    kind, keys, position, has_gauss, cached_gauss = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), position, has_gauss, cached_gauss))
    torch.set_rng_state(state["torch"])
    if state["cuda"] is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(
    checkpoint_dir: Path, global_step: int, state: dict, predictions: list[pd.DataFrame], keep: int
) -> Path:
    """Write checkpoint-{global_step} atomically (a temporary folder, then a rename) and keep the newest `keep`."""
    name = f"checkpoint-{global_step:09d}"
    final = checkpoint_dir / name
    tmp = checkpoint_dir / f".{name}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        with no_space_left_as_one_line(tmp / STATE_FILE):
            torch.save(state, tmp / STATE_FILE)
            failpoint("checkpoint_write")
            if predictions:
                pd.concat(predictions).to_parquet(tmp / PREDICTIONS_FILE, index=False)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # the older checkpoints stay: a rerun resumes from them
        raise
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    for old in sorted(checkpoint_dir.glob("checkpoint-*"))[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def load_newest_checkpoint(checkpoint_dir: Path, fingerprint: str) -> tuple[Path, dict, pd.DataFrame | None] | None:
    """(path, state, predictions so far) of the newest readable checkpoint made by this run, or None.

    An unreadable checkpoint (half written, corrupt, or not weights-only) is skipped for an older one with a
    warning; one made from other inputs or settings voids them all: they are deleted, with one warning line.
    """
    for path in sorted(checkpoint_dir.glob("checkpoint-*"), reverse=True):
        try:
            # weights_only: tensors and plain containers only, so a file planted here cannot run code
            state = torch.load(path / STATE_FILE, map_location="cpu", weights_only=True)
            predictions = pd.read_parquet(path / PREDICTIONS_FILE) if (path / PREDICTIONS_FILE).exists() else None
        except Exception as err:  # a half-written or corrupt file: try the previous checkpoint
            log.warning("checkpoint %s is unreadable (%s); trying an older one", path, err)
            continue
        if state.get("fingerprint") != fingerprint:
            # another model, other data or other settings: resuming would mix two runs into one result
            log.warning("checkpoint %s was made from other inputs or settings; discarded, starting over", path.name)
            for stale in checkpoint_dir.glob("checkpoint-*"):
                shutil.rmtree(stale, ignore_errors=True)
            return None
        return path, state, predictions
    return None


def save_loop_checkpoint(
    trainer: NLITrainer,
    epoch: int,
    step_in_epoch: int,
    global_step: int,
    optimizer,
    scheduler,
    epoch_loss_sum: float,
    progress: dict | None = None,
) -> Path:
    """The loop's checkpoint: its position, the trainer's model, optimizer, scheduler, RNG states and logs.

    `progress` (a stop mid-epoch): the epoch's training seconds so far and where the logging interval began,
    so the resumed job times the whole epoch and averages the whole interval."""
    state = {
        "fingerprint": trainer.fingerprint,
        "epoch": epoch,
        "step_in_epoch": step_in_epoch,
        "global_step": global_step,
        "epoch_loss_sum": epoch_loss_sum,
        "progress": progress or {},
        "resumes": trainer.resumes,
        # CPU kernels split sums by thread: another count rounds the last bits differently, so a resumed job
        # takes the count the run started with (the result is then bit-identical to an uninterrupted run)
        "threads": torch.get_num_threads(),
        "model": trainer.model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "rng": rng_state(),
        "step_log": trainer.record.step_log,
        "epoch_log": trainer.record.epoch_log,
        "forward_probs": trainer.mistake_record.state(),
    }
    return save_checkpoint(
        trainer.checkpoint_dir, global_step, state, trainer.record.train_predictions, trainer.keep_checkpoints
    )


def load_loop_checkpoint(trainer: NLITrainer, optimizer, scheduler) -> dict | None:
    """Restore the newest readable checkpoint of this run, if there is one; return its state."""
    found = load_newest_checkpoint(trainer.checkpoint_dir, trainer.fingerprint)
    if found is None:
        return None
    path, state, predictions = found
    trainer.model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    set_rng_state(state["rng"])
    trainer.record.step_log = state["step_log"]
    trainer.record.epoch_log = state["epoch_log"]
    trainer.mistake_record.load_state(state.get("forward_probs"))
    trainer.resumes = state.get("resumes", 0) + 1
    threads = state.get("threads")
    if threads and threads != torch.get_num_threads() and trainer.args.device.type == "cpu":
        log.warning(
            "resuming with %d CPU threads, as the run started (this job was given %d): the same result bit for bit",
            threads,
            torch.get_num_threads(),
        )
        torch.set_num_threads(threads)
    trainer.record.train_predictions = (
        [g for _, g in predictions.groupby("epoch", sort=True)] if predictions is not None else []
    )
    log.info("resumed from %s (epoch %d, step %d)", path, state["epoch"], state["global_step"])
    return state
