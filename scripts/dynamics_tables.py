#!/usr/bin/env python
"""Data-map region counts and forgetting events of every run (table), and one data map per recipe (figure)."""

import argparse

from _cli import run_main

from nlirobust.names import MISTAKE_RECORDS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dynamics", nargs="+", required=True, help="dynamics.parquet of every run")
    parser.add_argument("--recipes", nargs="+", required=True, help="recipe order")
    parser.add_argument("--mistake-record", required=True, choices=MISTAKE_RECORDS)
    parser.add_argument("--out-dir", required=True, help="results/tables/dynamics")
    parser.add_argument("--figure", required=True, help="the data maps (PNG)")
    args = parser.parse_args()

    from pathlib import Path

    import pandas as pd

    from nlirobust.dynamics import region_counts
    from nlirobust.plots import data_maps
    from nlirobust.run_paths import parse_run
    from nlirobust.tables import mean_sd, to_markdown, write_table

    frames = {path: pd.read_parquet(path) for path in args.dynamics}
    counts = pd.DataFrame([parse_run(path).key() | region_counts(frame) for path, frame in frames.items()])
    counts.insert(3, "mistake_record", args.mistake_record)
    shown = counts.groupby(["recipe", "lr"], sort=False).agg(
        **{
            column: (column, lambda v: mean_sd(v, digits=0, scale=1.0))
            for column in counts.columns
            if column not in ("recipe", "seed", "lr", "mistake_record")
        }
    )
    shown = shown.reindex([r for r in args.recipes if r in shown.index.get_level_values(0)], level=0).reset_index()
    write_table(counts, to_markdown(shown), Path(args.out_dir), "regions")
    runs = pd.concat([frame.assign(**parse_run(path).key()) for path, frame in frames.items()])
    data_maps(runs, args.recipes, args.figure)


if __name__ == "__main__":
    run_main(main)
