#!/usr/bin/env python
"""Write (or update) the error spreadsheet of one model on one evaluation set, keeping what a person wrote in it."""

import argparse
import json

from _cli import run_main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--predictions", required=True, help="the model's predictions Parquet")
    parser.add_argument("--pairs", required=True, help="the evaluation pairs (for the text)")
    parser.add_argument("--llm", default=None, help="LLM predictions Parquet (adds llm_pred)")
    parser.add_argument("--lexicon", required=True, help="JSON: negation_words, cue_words, long_pair_words, ...")
    parser.add_argument("--rows", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-stratify", action="store_true", help="sample errors without balancing gold labels")
    parser.add_argument("--out", required=True, help="the spreadsheet (CSV); an existing one is merged, not lost")
    args = parser.parse_args()

    import pandas as pd

    from nlirobust.data.io import atomic_path
    from nlirobust.error_analysis import build_spreadsheet, read_spreadsheet

    previous = read_spreadsheet(args.out)
    sheet = build_spreadsheet(
        pd.read_parquet(args.predictions),
        pd.read_parquet(args.pairs),
        json.loads(args.lexicon),
        rows=args.rows,
        seed=args.seed,
        stratify=not args.no_stratify,
        llm=pd.read_parquet(args.llm) if args.llm else None,
        previous=previous,
    )
    with atomic_path(args.out) as tmp:
        sheet.to_csv(tmp, index=False)
    print(f"{len(sheet)} rows, {int((sheet['annotated_by'] == 'person').sum())} annotated by a person")


if __name__ == "__main__":
    run_main(main)
