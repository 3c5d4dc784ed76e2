#!/usr/bin/env python
"""Tables 3, 4 and in-distribution of the mistaken-examples study: CSV (data, per seed) and Markdown (rendered)."""

import argparse

from _cli import run_main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipes", nargs="+", required=True)
    parser.add_argument("--combinations", nargs="+", required=True, help="combinations.csv of every initial run")
    parser.add_argument("--metrics-before", nargs="+", required=True, help="initial models' in-distribution metrics")
    parser.add_argument("--metrics-after", nargs="+", required=True, help="final models' in-distribution metrics")
    parser.add_argument("--final-runs", nargs="+", required=True, help="run.json of every final fine-tuning")
    parser.add_argument("--initial-runs", nargs="+", default=[], help="run.json of every initial run (leakage marks)")
    parser.add_argument("--out-dir", required=True)
    args = parser.parse_args()

    from nlirobust.mistake_tables import write_mistake_tables

    write_mistake_tables(
        args.out_dir,
        args.recipes,
        args.combinations,
        args.metrics_before,
        args.metrics_after,
        args.final_runs,
        args.initial_runs,
    )


if __name__ == "__main__":
    run_main(main)
