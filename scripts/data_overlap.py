#!/usr/bin/env python
"""Count the pairs every training or tuning source shares with every scored set; stop here under leakage: fail."""

import argparse

from _cli import run_main

from nlirobust.names import LEAKAGE_ACTIONS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train-names", nargs="+", required=True, help="names of the training sources (snli/train)")
    parser.add_argument("--train", nargs="+", required=True, help="their prepared Parquet files, in that order")
    parser.add_argument("--scored-names", nargs="+", required=True, help="names of the scored sets")
    parser.add_argument("--scored", nargs="+", required=True, help="their prepared Parquet files, in that order")
    parser.add_argument("--leakage", choices=LEAKAGE_ACTIONS, default="exclude")
    parser.add_argument(
        "--adversarial-retraining", action="store_true", help="the adversarial study retrains on SNLI validation pairs"
    )
    parser.add_argument(
        "--leakage-lists", nargs="+", required=True, help="per training source, in --train order: its shared pairs"
    )
    parser.add_argument("--csv", required=True)
    parser.add_argument("--md", required=True)
    args = parser.parse_args()

    from nlirobust.data.io import atomic_path
    from nlirobust.data.schema import DataFormatError
    from nlirobust.overlap import write_leakage_lists
    from nlirobust.tables import to_markdown

    table = write_leakage_lists(
        dict(zip(args.train_names, args.train, strict=True)),
        dict(zip(args.scored_names, args.scored, strict=True)),
        args.leakage,
        args.leakage_lists,
    )
    leaks = table[table["overlapping"] > 0]
    if args.leakage == "fail" and (not leaks.empty or args.adversarial_retraining):
        what = "; ".join(f"{r.train_set} shares {r.overlapping} pairs with {r.scored_set}" for r in leaks.itertuples())
        if args.adversarial_retraining:
            what = "; ".join(filter(None, [what, "the adversarial study retrains on masked SNLI validation pairs"]))
        raise DataFormatError(f"leakage: fail: {what} (use exclude to drop them, or report to keep and mark them)")
    with atomic_path(args.csv) as tmp:
        table.to_csv(tmp, index=False)
    with atomic_path(args.md) as tmp:
        tmp.write_text(to_markdown(table))
    print(to_markdown(table))


if __name__ == "__main__":
    run_main(main)
