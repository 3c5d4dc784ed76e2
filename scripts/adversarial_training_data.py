#!/usr/bin/env python
"""The retraining set of the adversarial study: the SNLI training pairs plus the attack set's training part."""

import argparse

from _cli import run_main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", required=True, help="SNLI training pairs (pair schema Parquet)")
    parser.add_argument("--attack-train", required=True, help="attacked pairs to add (train.parquet of an attack)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    import pandas as pd

    from nlirobust.data.io import write_parquet
    from nlirobust.data.schema import PAIR_COLUMNS, check_pairs

    train = pd.read_parquet(args.train, columns=list(PAIR_COLUMNS))
    attacked = pd.read_parquet(args.attack_train, columns=list(PAIR_COLUMNS))
    combined = check_pairs(pd.concat([train, attacked], ignore_index=True), args.out)
    write_parquet(combined, args.out)
    print(f"{len(train)} training pairs + {len(attacked)} attacked pairs = {len(combined)}")


if __name__ == "__main__":
    run_main(main)
