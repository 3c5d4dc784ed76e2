#!/usr/bin/env python
"""Zero-shot predictions of an instruction LLM on (a seeded sample of) one evaluation set."""

import argparse

from _cli import run_main

from nlirobust.names import LLM_BACKENDS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True, help="causal LM directory with a chat template")
    parser.add_argument("--pairs", required=True, help="evaluation pairs (pair schema Parquet)")
    parser.add_argument("--backend", choices=LLM_BACKENDS, default="transformers")
    parser.add_argument("--max-examples", type=int, default=None, help="score a seeded sample of this many pairs")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--max-prompt-tokens", type=int, default=None, help="cut longer prompts' pair text (default 1024)"
    )
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--out", required=True, help="predictions Parquet; the facts go beside it as .json")
    args = parser.parse_args()

    from pathlib import Path

    import pandas as pd
    import torch

    from nlirobust.data.io import write_json, write_parquet
    from nlirobust.llm import llm_predictions, sample_pairs

    if args.threads:
        torch.set_num_threads(args.threads)
    pairs = sample_pairs(pd.read_parquet(args.pairs), args.max_examples, args.seed)
    frame, facts = llm_predictions(args.model, pairs, args.backend, args.batch_size, args.max_prompt_tokens)
    write_parquet(frame, args.out)
    write_json(facts | {"pairs": args.pairs}, Path(args.out).with_suffix(".json"))
    print(f"{facts['examples']} pairs, accuracy {facts['accuracy']:.4f}, {facts['examples_per_second']:.1f} pairs/s")


if __name__ == "__main__":
    run_main(main, gpu=True)
