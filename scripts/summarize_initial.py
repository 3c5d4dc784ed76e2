#!/usr/bin/env python
"""Tables of the initial fine-tuning: accuracy per recipe and evaluation set, and per-epoch training facts."""

import argparse

from _cli import run_main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--metrics", nargs="+", required=True, help="evaluation metrics JSON files")
    parser.add_argument("--epoch-logs", nargs="+", required=True, help="epoch_log.csv of every run")
    parser.add_argument("--runs", nargs="*", default=[], help="run.json of every run (marks overlapping data)")
    parser.add_argument("--recipes", nargs="+", required=True, help="recipe order for the tables")
    parser.add_argument("--accuracy-csv", required=True)
    parser.add_argument("--accuracy-md", required=True)
    parser.add_argument("--epochs-csv", required=True)
    parser.add_argument("--epochs-md", required=True)
    args = parser.parse_args()

    from nlirobust.data.io import atomic_path
    from nlirobust.tables import accuracy_long, accuracy_wide, epoch_long, epoch_view, mark_kept_overlap, to_markdown

    long = mark_kept_overlap(accuracy_long(args.metrics), args.runs)
    epochs = epoch_long(args.epoch_logs)
    epochs_view = epoch_view(epochs)
    for frame, path in ((long, args.accuracy_csv), (epochs, args.epochs_csv)):
        with atomic_path(path) as tmp:
            frame.to_csv(tmp, index=False)
    for text, path in (
        (to_markdown(accuracy_wide(long, args.recipes)), args.accuracy_md),
        (to_markdown(epochs_view), args.epochs_md),
    ):
        with atomic_path(path) as tmp:
            tmp.write_text(text)


if __name__ == "__main__":
    run_main(main)
