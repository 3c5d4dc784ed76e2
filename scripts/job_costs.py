#!/usr/bin/env python
"""What each rule's jobs cost, from the benchmark files the workflow writes (logs/benchmarks/<rule>/...): jobs,
median and max wall minutes and peak memory, as Markdown (and CSV with --csv), to size the next grid's resources."""

import argparse

from _cli import run_main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--benchmarks", default="logs/benchmarks", help="the workflow's benchmark folder")
    parser.add_argument("--csv", default=None, help="also write the table here")
    args = parser.parse_args()

    from nlirobust.run_facts import job_costs

    costs = job_costs(args.benchmarks)
    if args.csv:
        costs.to_csv(args.csv, index=False)
    print(costs.to_markdown(index=False) if len(costs) else f"no benchmark files under {args.benchmarks}")


if __name__ == "__main__":
    run_main(main)
