#!/usr/bin/env python
"""Assemble results/report.md from the tables on disk, as the workflow's report manifest lists them."""

import argparse
import json

from _cli import run_main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--manifest", required=True, help="JSON list of {section, path, caption} (rules/report.smk)")
    parser.add_argument("--captions", required=True, help="folder of one-sentence captions, <caption>.rst")
    parser.add_argument("--config", required=True, help="JSON with model, recipes, seeds, learning_rates, training")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    from nlirobust.report import write_report

    write_report(args.out, json.loads(args.manifest), json.loads(args.config), args.captions)


if __name__ == "__main__":
    run_main(main)
