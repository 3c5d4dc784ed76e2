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
    parser.add_argument("--retrained-train-logs", nargs="*", default=[], help="the adversarial retrainings'")
    parser.add_argument("--retrained-epoch-logs", nargs="*", default=[], help="the adversarial retrainings'")
    parser.add_argument("--recipes", nargs="+", required=True)
    parser.add_argument("--attacks", nargs="*", default=[], help="the retraining attacks, in --curves order")
    parser.add_argument("--out-dir", required=True)
    parser.add_argument(
        "--curves", nargs="+", required=True, help="one PNG per recipe, in --recipes order, then one per attack"
    )
    args = parser.parse_args()

    from nlirobust.run_facts import write_run_facts

    write_run_facts(
        args.runs,
        args.metrics,
        args.out_dir,
        args.train_logs + args.retrained_train_logs,
        args.epoch_logs + args.retrained_epoch_logs,
        args.recipes,
        args.attacks,
        args.curves,
    )


if __name__ == "__main__":
    run_main(main)
