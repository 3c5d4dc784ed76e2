#!/usr/bin/env python
"""Per-epoch mistake sets of one run and the sizes of their Boolean combinations (the reference's Table 3)."""

import argparse

from _cli import run_main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train-predictions", required=True, help="train_predictions.parquet of a run")
    parser.add_argument("--sets", required=True, help="Parquet of the wrong examples: id, epoch, gold, pred")
    parser.add_argument("--combinations", required=True, help="CSV: combination, kind, epochs, count")
    args = parser.parse_args()

    import pandas as pd

    from nlirobust.data.io import atomic_path, write_parquet
    from nlirobust.mistakes import combination_counts

    predictions = pd.read_parquet(args.train_predictions)
    wrong = predictions.loc[predictions["gold"] != predictions["pred"], ["id", "epoch", "gold", "pred"]]
    write_parquet(wrong.reset_index(drop=True), args.sets)
    with atomic_path(args.combinations) as tmp:
        combination_counts(predictions).to_csv(tmp, index=False)


if __name__ == "__main__":
    run_main(main)
