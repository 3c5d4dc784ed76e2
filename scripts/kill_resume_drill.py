#!/usr/bin/env python
"""Kill a training job with SIGKILL at chosen points, restart it, and check it ends exactly as an uninterrupted run.

Example (the tiny model; any train_stage flags work, so the same drill runs on real data on a GPU node):
  python scripts/kill_resume_drill.py --work-dir /tmp/drill --points train_step:120 checkpoint_write:1 \
      "predict_batch:training-set pass:30" after:20 -- --model_in resources/models/embedded \
      --train_file results/data/snli/train.parquet --max_train_examples 1500 --epochs 2 --batch_size 16
"""

import argparse
import sys
from pathlib import Path

from _cli import run_main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work-dir", required=True, help="one folder per point, plus the uninterrupted run")
    parser.add_argument("--points", nargs="+", required=True, help="NAME:N failpoints or after:SECONDS")
    parser.add_argument("stage_flags", nargs=argparse.REMAINDER, help="-- then train_stage.py flags")
    args = parser.parse_args()

    from nlirobust.training.drill import kill_resume_drill

    flags = {}
    rest = [a for a in args.stage_flags if a != "--"]
    for key, value in zip(rest[::2], rest[1::2], strict=True):
        flags[key.lstrip("-")] = value
    script = Path(__file__).with_name("train_stage.py")
    outcomes = kill_resume_drill(script, flags, args.points, args.work_dir)
    print("| point | killed | resumed from | identical | seconds |\n|---|---|---|---|---|")
    for o in outcomes:
        print(f"| {o.point} | {o.killed} | {o.resumed_from or '(start)'} | {o.identical} | {o.seconds:.0f} |")
    if not all(o.killed and o.identical for o in outcomes):
        sys.exit(1)


if __name__ == "__main__":
    run_main(main)
