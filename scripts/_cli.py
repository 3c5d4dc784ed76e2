"""What every command line here shares: logging setup and one clear line for bad input."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

# The package from the checkout this script belongs to: a cluster job's conda environment (envs/nlirobust.yaml)
# holds the dependencies only, so the code that runs is always the workflow's own.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def run_main(main: Callable[[], object], gpu: bool = False) -> None:
    """Run `main`; bad data or configuration, or a full disk, ends with one line on stderr and exit status 2.

    `gpu`: the job uses the GPU; inside one SLURM allocation (a group job, whose members share the job id) one such
    job runs at a time, whatever Snakemake's inner scheduler would start side by side (nlirobust.gpu_lock).
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from contextlib import nullcontext

    from nlirobust.data.io import NoSpaceLeft
    from nlirobust.data.schema import DataFormatError
    from nlirobust.gpu_lock import one_gpu_job_at_a_time

    try:
        with one_gpu_job_at_a_time() if gpu else nullcontext():
            main()
    except (DataFormatError, NoSpaceLeft) as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
