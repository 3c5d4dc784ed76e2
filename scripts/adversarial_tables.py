#!/usr/bin/env python
"""Tables of the adversarial study from prediction files: attack effect, overall, subset metrics, error flow."""

import argparse
import json

from _cli import run_main

from nlirobust.names import LEAKAGE_ACTIONS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--summaries", nargs="+", required=True, help="summary.json of every attack set")
    parser.add_argument("--metrics", nargs="+", required=True, help="metrics JSON of baseline and retrained models")
    parser.add_argument("--predictions", nargs="+", required=True, help="the matching prediction Parquet files")
    parser.add_argument("--test-pairs", required=True, help="SNLI test pairs (their text defines the subsets)")
    parser.add_argument("--words", required=True, help="JSON: negation_words, ambiguity_words, long_words")
    parser.add_argument("--min-pairs", type=int, default=30, help="fewer pairs a seed: counts only, no percentages")
    parser.add_argument("--leakage", choices=LEAKAGE_ACTIONS, default="exclude")
    parser.add_argument("--out-dir", required=True)
    args = parser.parse_args()

    from nlirobust.adversarial_tables import write_adversarial_tables

    write_adversarial_tables(
        args.summaries,
        args.metrics,
        args.predictions,
        args.test_pairs,
        json.loads(args.words),
        args.out_dir,
        min_pairs=args.min_pairs,
        leakage=args.leakage,
    )


if __name__ == "__main__":
    run_main(main)
