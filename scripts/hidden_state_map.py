#!/usr/bin/env python
"""Project one model's [CLS] hidden states (errors + some correct pairs) to 2-D with PCA and t-SNE, and plot both."""

import argparse

from _cli import run_main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True)
    parser.add_argument("--predictions", required=True)
    parser.add_argument("--pairs", required=True)
    parser.add_argument("--max-errors", type=int, default=1500)
    parser.add_argument("--max-correct", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--title", required=True)
    parser.add_argument("--out", required=True, help="coordinates Parquet")
    parser.add_argument("--out-pca", required=True)
    parser.add_argument("--out-tsne", required=True)
    args = parser.parse_args()

    import pandas as pd
    import torch

    from nlirobust.data.io import write_parquet
    from nlirobust.plots import projection_scatter
    from nlirobust.projection import hidden_state_map

    if args.threads:
        torch.set_num_threads(args.threads)
    points = hidden_state_map(
        args.model,
        pd.read_parquet(args.predictions),
        pd.read_parquet(args.pairs),
        args.max_errors,
        args.max_correct,
        args.batch_size,
        args.max_length,
    )
    write_parquet(points, args.out)
    projection_scatter(points, "pca", args.title, args.out_pca)
    projection_scatter(points, "tsne", args.title, args.out_tsne)


if __name__ == "__main__":
    run_main(main, gpu=True)
