#!/usr/bin/env python
"""Read one data set from its raw source and write each split as pair-schema Parquet plus a counts JSON."""

import argparse

from _cli import run_main

from nlirobust.names import CONFLICT_ACTIONS, SPLITS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", required=True, help=f"a built-in set ({', '.join(SPLITS)}) or a declared one")
    parser.add_argument("--raw", required=True, help="generated folder, hub snapshot, download folder or file")
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--counts", required=True, help="JSON file for per-split counts")
    parser.add_argument("--splits", nargs="+", help="splits to write (default: all of the data set's)")
    parser.add_argument(
        "--split-shares", default=None, help='JSON: cut the one file --raw into splits, e.g. {"validation": 0.1}'
    )
    parser.add_argument(
        "--conflicting-duplicates",
        choices=CONFLICT_ACTIONS,
        default="keep",
        help="a pair that appears with two labels in one split: keep (with a warning), drop every copy, or fail",
    )
    parser.add_argument("--declaration", default=None, help="JSON: data.<name> of a declared set (README)")
    args = parser.parse_args()
    if args.declaration is None and args.dataset not in SPLITS:
        parser.error(f"--dataset {args.dataset!r}: not a built-in set; a declared set needs --declaration")

    import json

    from nlirobust.data.io import write_json
    from nlirobust.data.prepare import prepare_dataset

    shares = json.loads(args.split_shares) if args.split_shares else None
    declaration = json.loads(args.declaration) if args.declaration else None
    counts = prepare_dataset(
        args.dataset, args.raw, args.out_dir, args.splits, shares, args.conflicting_duplicates, declaration
    )
    write_json(counts, args.counts)


if __name__ == "__main__":
    run_main(main)
