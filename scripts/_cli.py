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


def run_main(main: Callable[[], object]) -> None:
    """Run `main`; bad data or configuration, or a full disk, ends with one line on stderr and exit status 2."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from nlirobust.data.io import NoSpaceLeft
    from nlirobust.data.schema import DataFormatError

    try:
        main()
    except (DataFormatError, NoSpaceLeft) as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
