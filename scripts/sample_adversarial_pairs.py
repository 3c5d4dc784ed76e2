#!/usr/bin/env python
"""Draw the balanced sample of SNLI validation pairs the adversarial study attacks, split into train and held-out."""

import argparse

from _cli import run_main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", required=True, help="SNLI validation pairs (pair schema Parquet)")
    parser.add_argument("--per-class", type=int, required=True, help="at most this many pairs of each label")
    parser.add_argument(
        "--heldout-fraction", type=float, required=True, help="share of each label kept out of training"
    )
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    import pandas as pd

    from nlirobust.adversarial import balanced_sample
    from nlirobust.data.io import write_parquet

    sample = balanced_sample(pd.read_parquet(args.pairs), args.per_class, args.seed, args.heldout_fraction)
    write_parquet(sample, args.out)
    print(sample.groupby(["part", "label"]).size().to_string())


if __name__ == "__main__":
    run_main(main)
