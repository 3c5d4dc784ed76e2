#!/usr/bin/env python
"""Hypothesis-only baseline (logistic regression on hypothesis words): how far artifacts alone get."""

import argparse

from _cli import run_main

from nlirobust.names import LEAKAGE_ACTIONS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", required=True)
    parser.add_argument("--eval", required=True)
    parser.add_argument("--out", required=True, help="metrics JSON")
    parser.add_argument("--leakage", choices=LEAKAGE_ACTIONS, default="exclude")
    args = parser.parse_args()

    import pandas as pd

    from nlirobust.baselines import hypothesis_only_accuracy
    from nlirobust.data.io import write_json
    from nlirobust.overlap import apply_leakage

    evaluation = pd.read_parquet(args.eval)
    # the baseline follows the same leakage rule as every model it is set beside
    train, overlap = apply_leakage(pd.read_parquet(args.train), {args.eval: evaluation}, args.leakage, args.train)
    metrics = hypothesis_only_accuracy(train, evaluation)
    write_json(metrics | {"train": args.train, "eval": args.eval, "overlap": overlap}, args.out)
    print(f"hypothesis-only accuracy {metrics['accuracy']:.4f}")


if __name__ == "__main__":
    run_main(main)
