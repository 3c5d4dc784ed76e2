#!/usr/bin/env python
"""Predict with one model on evaluation sets: per-example predictions (Parquet) and metrics (JSON) for each."""

import argparse

from _cli import run_main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True, help="model directory (save_pretrained)")
    parser.add_argument(
        "--set",
        nargs=3,
        action="append",
        required=True,
        metavar=("NAME", "PAIRS", "OUT_PREFIX"),
        help="evaluation set name, its pairs Parquet, and the output path without extension",
    )
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--bf16", action="store_true", help="bf16 autocast on GPU (ignored on CPU)")
    parser.add_argument("--tokenization-cache", default=None, help="directory of tokenised data sets to reuse")
    parser.add_argument("--two-way-sets", nargs="*", default=[], help="declared two-way data sets (HANS is known)")
    args = parser.parse_args()

    from nlirobust.evaluate import evaluate_model

    metrics = evaluate_model(
        args.model,
        sets={name: pairs for name, pairs, _ in args.set},
        outputs={name: out for name, _, out in args.set},
        batch_size=args.batch_size,
        max_length=args.max_length,
        threads=args.threads,
        bf16=args.bf16,
        tokenization_cache=args.tokenization_cache,
        two_way_sets=tuple(args.two_way_sets),
    )
    for name, m in metrics.items():
        print(f"{name}: accuracy {m['accuracy']:.4f} loss {m['loss']:.4f} ({m['examples']} pairs)")


if __name__ == "__main__":
    run_main(main, gpu=True)
