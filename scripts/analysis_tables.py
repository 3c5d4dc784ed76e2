#!/usr/bin/env python
"""Error types and fixes ranked by frequency (from the spreadsheets) and the fine-tuned model vs the LLM."""

import argparse

from _cli import run_main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sheets", nargs="+", required=True, help="results/analysis/{model}/{set}/errors.csv files")
    parser.add_argument("--predictions", nargs="+", required=True, help="the same models' predictions Parquet")
    parser.add_argument("--llm", nargs="*", default=[], help="results/analysis/llm/{set}.parquet files")
    parser.add_argument("--out-dir", required=True)
    args = parser.parse_args()

    from nlirobust.analysis_tables import write_analysis_tables

    write_analysis_tables(args.sheets, args.predictions, args.llm, args.out_dir)


if __name__ == "__main__":
    run_main(main)
