"""How long `snakemake -n` takes to plan the paper grid swept over encoders: 4 recipes x 5 seeds x 3 learning rates
for each of three hub encoders (target: under 10 s on the 2-core development machine). Nothing is downloaded or
run: the plan only.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/plan_speed.py [--encoders 3] [--repeats 3]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
ENCODERS = [
    {"name": "electra-small", "name_or_path": "google/electra-small-discriminator"},
    {"name": "bert-base", "name_or_path": "google-bert/bert-base-uncased"},
    {"name": "roberta-base", "name_or_path": "FacebookAI/roberta-base", "learning_rates": [1.0e-5, 2.0e-5, 3.0e-5]},
    {"name": "deberta-v3-base", "name_or_path": "microsoft/deberta-v3-base"},
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--encoders", type=int, default=3, choices=range(1, len(ENCODERS) + 1))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    config["models"] = ENCODERS[: args.encoders]
    config["seeds"] = [1, 2, 3, 4, 5]
    config["learning_rates"] = [2.0e-5, 5.0e-5, 1.0e-4]
    snakemake = str(Path(sys.executable).parent / "snakemake")
    seconds, jobs = [], None
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "grid.yaml"
        path.write_text(yaml.safe_dump(config))
        for _ in range(args.repeats):
            start = time.perf_counter()
            out = subprocess.run(
                [snakemake, "-s", str(REPO / "Snakefile"), "-n", "--configfile", str(path)],
                cwd=work, capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip
            seconds.append(time.perf_counter() - start)
            jobs = int(re.search(r"^total\s+(\d+)", out, re.M)[1])
    print(
        f"{args.encoders} encoder(s) x 4 recipes x 5 seeds x 3 rates: {jobs} jobs planned in "
        f"{statistics.median(seconds):.1f} s (median of {args.repeats}; min {min(seconds):.1f}, max {max(seconds):.1f})"
    )


if __name__ == "__main__":
    main()
