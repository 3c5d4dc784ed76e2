#!/usr/bin/env python
"""Write the embedded SNLI/MNLI/Breaking-NLI/ChaosNLI-shaped files (deterministic per seed)."""

import argparse
import json

from _cli import run_main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out-dir", required=True, help="folder that receives snli/, mnli/, breaking_nli/, chaosnli/")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--sizes", default="{}", help="JSON object of EmbeddedSizes fields, e.g. '{\"snli_train\": 5000}'"
    )
    args = parser.parse_args()

    from nlirobust.embedded.data import EmbeddedSizes, write_embedded_data

    paths = write_embedded_data(args.out_dir, seed=args.seed, sizes=EmbeddedSizes(**json.loads(args.sizes)))
    for name, path in paths.items():
        print(f"{name}: {path}")


if __name__ == "__main__":
    run_main(main)
