#!/usr/bin/env python
"""Train a WordPiece tokenizer on the embedded training pairs and save a tiny encoder classifier beside it."""

import argparse
import json

from _cli import run_main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", nargs="+", required=True, help="prepared training Parquet files (pair schema)")
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--variant", default="embedded", help="embedded (a tiny ELECTRA) or embedded-bert")
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default="{}", help="JSON: hidden_size, num_layers, num_heads, ...")
    args = parser.parse_args()

    import pandas as pd

    from nlirobust.embedded.model import save_embedded_model

    texts = []
    for path in args.train:
        pairs = pd.read_parquet(path, columns=["premise", "hypothesis"])
        texts += pairs["premise"].tolist() + pairs["hypothesis"].tolist()
    options = json.loads(args.model)
    save_embedded_model(args.out_dir, texts, args.variant, seed=args.seed, max_length=args.max_length, **options)


if __name__ == "__main__":
    run_main(main)
