#!/usr/bin/env python
"""Figures of the mistaken-examples study, drawn from its CSV tables."""

import argparse

from _cli import run_main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipes", nargs="+", required=True)
    parser.add_argument("--categories", required=True, help="table5_categories.csv")
    parser.add_argument("--accuracy", required=True, help="table7_accuracy.csv")
    parser.add_argument("--combinations", required=True, help="table3_combinations.csv")
    parser.add_argument("--out-categories", required=True)
    parser.add_argument("--out-accuracy", required=True)
    parser.add_argument("--out-overlap", required=True)
    args = parser.parse_args()

    import pandas as pd

    from nlirobust.plots import accuracy_before_after, epoch_overlap, mistakes_by_category

    mistakes_by_category(pd.read_csv(args.categories), args.recipes, args.out_categories)
    accuracy_before_after(pd.read_csv(args.accuracy), args.recipes, args.out_accuracy)
    epoch_overlap(pd.read_csv(args.combinations), args.recipes, args.out_overlap)


if __name__ == "__main__":
    run_main(main)
