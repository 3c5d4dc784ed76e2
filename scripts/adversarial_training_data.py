#!/usr/bin/env python
"""The adversarial retraining's data: SNLI train plus the attack set's training part, and SNLI validation without
the pairs those attacked copies were made from."""

import argparse

from _cli import run_main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", required=True, help="SNLI training pairs (pair schema Parquet)")
    parser.add_argument("--attack-train", required=True, help="attacked pairs to add (train.parquet of an attack)")
    parser.add_argument("--validation", required=True, help="SNLI validation pairs")
    parser.add_argument("--out", required=True, help="the retraining set")
    parser.add_argument("--validation-out", required=True, help="the validation set of the retraining")
    parser.add_argument("--max-train-examples", type=int, default=None, help="SNLI train's first N pairs only")
    args = parser.parse_args()

    import pandas as pd

    from nlirobust.adversarial import retraining_sets
    from nlirobust.data.io import write_parquet
    from nlirobust.data.schema import PAIR_COLUMNS

    train = pd.read_parquet(args.train, columns=list(PAIR_COLUMNS))
    attacked = pd.read_parquet(args.attack_train, columns=list(PAIR_COLUMNS))
    validation = pd.read_parquet(args.validation, columns=list(PAIR_COLUMNS))
    combined, kept = retraining_sets(train, attacked, validation, args.max_train_examples)
    write_parquet(combined, args.out)
    write_parquet(kept, args.validation_out)
    print(
        f"{len(combined) - len(attacked)} training pairs + {len(attacked)} attacked pairs = {len(combined)}; "
        "validation: "
        f"{len(kept)} of {len(validation)} pairs (without the originals of the attacked ones)"
    )


if __name__ == "__main__":
    run_main(main)
