#!/usr/bin/env python
"""Mask the most salient hypothesis token (or a random one, the control) of every sampled pair for one model."""

import argparse

from _cli import run_main

from nlirobust.names import ATTACKS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True, help="the baseline model directory")
    parser.add_argument("--sample", required=True, help="pairs to attack (from sample_adversarial_pairs.py)")
    parser.add_argument("--method", choices=ATTACKS, default="gradient")
    parser.add_argument("--top-k", type=int, default=1, help="tokens (or words) masked per pair")
    parser.add_argument("--word-level", action="store_true", help="mask every word piece of the chosen word")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0, help="for the random control")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--out-dir", required=True, help="attack.jsonl, train.parquet, heldout.parquet, summary.json")
    args = parser.parse_args()

    import torch

    from nlirobust.adversarial import AttackOptions, run_attack

    if args.threads:
        torch.set_num_threads(args.threads)
    options = AttackOptions(
        method=args.method,
        top_k=args.top_k,
        word_level=args.word_level,
        batch_size=args.batch_size,
        max_length=args.max_length,
        seed=args.seed,
    )
    summary = run_attack(args.model, args.sample, args.out_dir, options)
    print(
        f"{summary['pairs']} pairs attacked ({summary['skipped']} skipped); "
        f"baseline accuracy on the clean pairs {summary['clean_accuracy']:.4f}"
    )


if __name__ == "__main__":
    run_main(main, gpu=True)
