#!/usr/bin/env python
"""Assemble results/report.md from the tables on disk."""

import argparse
import json

from _cli import run_main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accuracy-md", required=True)
    parser.add_argument("--epochs-md", required=True)
    parser.add_argument("--accuracy-csv", required=True)
    parser.add_argument("--baseline", required=True)
    parser.add_argument("--counts", nargs="+", required=True)
    parser.add_argument("--mistakes", nargs="*", default=[], help="mistaken-examples tables (Markdown)")
    parser.add_argument("--challenges", nargs="*", default=[], help="Tables 1, 2, 5-7 of each challenge set")
    parser.add_argument("--figures", nargs="*", default=[], help="figures (PNG) of the mistakes study")
    parser.add_argument("--adversarial", nargs="*", default=[], help="adversarial-study tables (Markdown)")
    parser.add_argument("--adversarial-figures", nargs="*", default=[], help="figures (PNG) of that study")
    parser.add_argument("--analysis", nargs="*", default=[], help="run-facts and error-analysis tables (Markdown)")
    parser.add_argument("--curves", nargs="*", default=[], help="learning-curve figures")
    parser.add_argument("--projections", nargs="*", default=[], help="hidden-state maps to show")
    parser.add_argument("--sheets", nargs="*", default=[], help="the error spreadsheets (listed, not shown)")
    parser.add_argument("--llm-facts", nargs="*", default=[], help="the LLM runs' facts JSON")
    parser.add_argument("--overlap", default=None, help="the data-overlap table (Markdown)")
    parser.add_argument("--dynamics", default=None, help="the training-dynamics table (Markdown)")
    parser.add_argument("--dynamics-figure", default=None, help="the data maps (PNG)")
    parser.add_argument("--captions", required=True, help="folder of one-sentence captions, <table name>.rst")
    parser.add_argument("--config", required=True, help="JSON with model, recipes, seeds, learning_rates, training")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    from nlirobust.report import write_report

    write_report(
        args.out,
        args.accuracy_md,
        args.epochs_md,
        args.accuracy_csv,
        args.baseline,
        args.counts,
        json.loads(args.config),
        mistakes=args.mistakes,
        challenges=args.challenges,
        figures=args.figures,
        captions=args.captions,
        adversarial=args.adversarial,
        adversarial_figures=args.adversarial_figures,
        analysis={
            "tables": args.analysis,
            "curves": args.curves,
            "projections": args.projections,
            "sheets": args.sheets,
            "llm_facts": args.llm_facts,
        },
        overlap_md=args.overlap,
        dynamics=(args.dynamics, args.dynamics_figure) if args.dynamics else None,
    )


if __name__ == "__main__":
    run_main(main)
