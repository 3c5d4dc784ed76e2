#!/usr/bin/env python
"""Figure of the adversarial study: errors fixed, introduced and remaining per subset, drawn from its CSV table."""

import argparse

from _cli import run_main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--error-flow", required=True, help="error_flow.csv")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    import pandas as pd

    from nlirobust.plots import error_flow_bars

    error_flow_bars(pd.read_csv(args.error_flow), args.out)


if __name__ == "__main__":
    run_main(main)
