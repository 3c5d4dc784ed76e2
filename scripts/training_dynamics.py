#!/usr/bin/env python
"""Training dynamics of one run: confidence, variability, correctness, forgetting events and data-map region of
every training example of its last stage."""

import argparse

from _cli import run_main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train-predictions", required=True, help="train_predictions.parquet of a run")
    parser.add_argument("--settings", default="{}", help="JSON: data-map thresholds (config: training_dynamics)")
    parser.add_argument("--out", required=True, help="Parquet: one row per training example")
    args = parser.parse_args()

    import json

    import pandas as pd

    from nlirobust.data.io import write_parquet
    from nlirobust.dynamics import DynamicsSettings, region_counts, training_dynamics

    table = training_dynamics(pd.read_parquet(args.train_predictions), DynamicsSettings(**json.loads(args.settings)))
    write_parquet(table, args.out)
    print(region_counts(table))


if __name__ == "__main__":
    run_main(main)
