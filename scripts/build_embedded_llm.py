#!/usr/bin/env python
"""Build the tiny chat LM of the embedded default (Qwen2 architecture, random weights, BPE trained on the pairs)."""

import argparse

from _cli import run_main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", nargs="+", required=True, help="pairs whose text trains the tokenizer")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out-dir", required=True)
    args = parser.parse_args()

    import pandas as pd

    from nlirobust.embedded.llm import build_tiny_chat_lm

    texts = []
    for path in args.train:
        pairs = pd.read_parquet(path, columns=["premise", "hypothesis"])
        texts += (pairs["premise"] + " " + pairs["hypothesis"]).tolist()
    print(build_tiny_chat_lm(texts, args.out_dir, seed=args.seed))


if __name__ == "__main__":
    run_main(main)
