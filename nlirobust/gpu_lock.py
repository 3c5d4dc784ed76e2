"""One GPU job at a time inside one SLURM allocation.

The SLURM profile sends the GPU work after each model as one group job that asks for one GPU. Snakemake runs the
members inside it with `--cores` of the allocation and no `--resources`, so members that do not depend on each
other could start side by side on the one GPU (two models, two CUDA contexts: out of memory, or both slowed down).
Every GPU job takes this lock first; members of one allocation share the SLURM job id, so they run one after
another by design, not by accident of the scheduler's defaults. Outside SLURM nothing is locked.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)


def gpu_lock_file(job_id: str) -> Path:
    return Path(tempfile.gettempdir()) / f"nlirobust-gpu-job-{job_id}.lock"


@contextlib.contextmanager
def one_gpu_job_at_a_time() -> Iterator[None]:
    job_id = os.environ.get("SLURM_JOB_ID")
    if not job_id:
        yield
        return
    with open(gpu_lock_file(job_id), "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("another job of SLURM job %s holds its GPU: waiting for it to finish", job_id)
            fcntl.flock(handle, fcntl.LOCK_EX)
        log.info("holding the GPU of SLURM job %s", job_id)
        yield
