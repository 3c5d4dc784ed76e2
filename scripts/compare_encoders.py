#!/usr/bin/env python
"""Every encoder side by side (results/tables/encoders_compared.*): each at its validation-chosen learning rate."""

import argparse
import json

from _cli import run_main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--encoders", required=True, help="JSON list of the encoders (name, name_or_path)")
    parser.add_argument("--metrics", nargs="+", required=True, help="every initial model's metrics JSON files")
    parser.add_argument("--challenge", nargs="+", required=True, help="initial models' challenge-set predictions")
    parser.add_argument("--final-metrics", nargs="*", default=[], help="Breaking NLI metrics of one final tuning each")
    parser.add_argument("--attack-summaries", nargs="*", default=[], help="attack sets' summary.json files")
    parser.add_argument(
        "--attack-predictions", nargs="*", default=[], help="baselines' SNLI validation and attack sets"
    )
    parser.add_argument("--two-way-sets", nargs="*", default=[], help="data sets labelled entailment / non-entailment")
    parser.add_argument("--csv", required=True)
    parser.add_argument("--md", required=True)
    parser.add_argument("--figure", required=True)
    args = parser.parse_args()

    from nlirobust.encoder_comparison import attack_drops, per_run_cells, write_comparison

    drops = attack_drops(args.attack_summaries, args.attack_predictions)
    cells = per_run_cells(args.metrics, args.challenge, args.final_metrics, drops, args.two_way_sets)
    write_comparison(cells, json.loads(args.encoders), args.csv, args.md, args.figure)


if __name__ == "__main__":
    run_main(main)
