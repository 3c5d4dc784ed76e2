#!/usr/bin/env python
"""Tables of the initial fine-tuning: accuracy per recipe and evaluation set, and per-epoch training facts."""

import argparse

from _cli import run_main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--metrics", nargs="+", required=True, help="evaluation metrics JSON files")
    parser.add_argument("--epoch-logs", nargs="+", required=True, help="epoch_log.csv of every run")
    parser.add_argument("--runs", nargs="*", default=[], help="run.json of every run (marks overlapping data)")
    parser.add_argument("--recipes", nargs="+", required=True, help="recipe order for the tables")
    parser.add_argument("--accuracy-csv", required=True)
    parser.add_argument("--accuracy-md", required=True)
    parser.add_argument("--epochs-csv", required=True)
    parser.add_argument("--epochs-md", required=True)
    args = parser.parse_args()

    from nlirobust.initial_tables import write_initial_tables

    write_initial_tables(
        args.metrics,
        args.epoch_logs,
        args.runs,
        args.recipes,
        args.accuracy_csv,
        args.accuracy_md,
        args.epochs_csv,
        args.epochs_md,
    )


if __name__ == "__main__":
    run_main(main)
