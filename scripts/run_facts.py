#!/usr/bin/env python
"""Run facts: every training job's hyperparameters, time and machine; inference timing; learning curves."""

import argparse

from _cli import run_main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", nargs="+", required=True, help="run.json of every training job")
    parser.add_argument("--metrics", nargs="+", required=True, help="evaluation metrics JSON files")
    parser.add_argument("--train-logs", nargs="+", required=True, help="train_log.csv of the initial runs")
    parser.add_argument("--epoch-logs", nargs="+", required=True, help="epoch_log.csv of the initial runs")
    parser.add_argument("--recipes", nargs="+", required=True)
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--curves", nargs="+", required=True, help="one PNG per recipe, in --recipes order")
    args = parser.parse_args()

    from nlirobust.analysis_report import write_run_facts
    from nlirobust.plots import learning_curves
    from nlirobust.run_facts import learning_curve_frames

    write_run_facts(args.runs, args.metrics, args.out_dir)
    steps, epochs = learning_curve_frames(args.train_logs, args.epoch_logs)
    for recipe, out in zip(args.recipes, args.curves, strict=True):
        learning_curves(steps, epochs, recipe, out)


if __name__ == "__main__":
    run_main(main)
