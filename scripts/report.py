#!/usr/bin/env python
"""Assemble results/report.md from the tables on disk, as the workflow's report manifest lists them."""

import argparse
import json
import sys

from _cli import run_main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--manifest",
        required=True,
        help="JSON list of {section, path, caption, encoder} (rules/report.smk), or - to read it from stdin",
    )
    parser.add_argument("--captions", required=True, help="folder of one-sentence captions, <caption>.rst")
    parser.add_argument("--config", required=True, help="JSON with encoders, recipes, seeds, leakage, ...")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    from nlirobust.report import write_report

    manifest = json.loads(sys.stdin.read() if args.manifest == "-" else args.manifest)
    write_report(args.out, manifest, json.loads(args.config), args.captions)


if __name__ == "__main__":
    run_main(main)
