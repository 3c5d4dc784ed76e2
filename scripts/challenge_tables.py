#!/usr/bin/env python
"""Tables 1, 2 and 5-7 of the mistaken-examples study for one challenge set: CSV (per seed) and Markdown."""

import argparse

from _cli import run_main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipes", nargs="+", required=True)
    parser.add_argument("--set", required=True, help="the challenge set, e.g. breaking_nli/test or hans/test")
    parser.add_argument("--before", nargs="+", required=True, help="initial models' predictions on it")
    parser.add_argument("--after", nargs="+", required=True, help="final models' predictions on it")
    parser.add_argument("--initial-runs", nargs="*", default=[], help="run.json of every initial run")
    parser.add_argument("--pairs", required=True, help="the set's prepared pairs (its category columns)")
    parser.add_argument("--category-fields", nargs="*", default=[], help="category columns past `category`")
    parser.add_argument("--two-way", action="store_true", help="labelled entailment / non-entailment")
    parser.add_argument("--out-dir", required=True)
    args = parser.parse_args()

    from nlirobust.mistake_tables import write_challenge_tables

    write_challenge_tables(
        args.out_dir,
        args.recipes,
        args.set,
        args.before,
        args.after,
        args.initial_runs,
        pairs_file=args.pairs,
        category_fields=tuple(args.category_fields),
        two_way=args.two_way,
    )


if __name__ == "__main__":
    run_main(main)
