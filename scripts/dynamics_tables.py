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

    from nlirobust.dynamics_tables import write_dynamics_tables

    write_dynamics_tables(args.dynamics, args.recipes, args.mistake_record, args.out_dir, args.figure)


if __name__ == "__main__":
    run_main(main)
