#!/usr/bin/env python
"""Fetch a hub data set, a URL or a hub model into resources/ (run where the internet is: the login node)."""

import argparse

from _cli import run_main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    kind = parser.add_mutually_exclusive_group(required=True)
    kind.add_argument("--hub-dataset", help="hub data set id, e.g. stanfordnlp/snli")
    kind.add_argument("--url", help="file or .zip to download")
    kind.add_argument("--hub-model", help="hub model id, e.g. google/electra-small-discriminator")
    parser.add_argument("--hub-config", default=None, help="hub data set configuration, e.g. mnli")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    from nlirobust.download import download_hub_dataset, download_hub_model, download_url

    if args.hub_dataset:
        download_hub_dataset(args.hub_dataset, args.hub_config, args.out)
    elif args.url:
        download_url(args.url, args.out)
    else:
        download_hub_model(args.hub_model, args.out)


if __name__ == "__main__":
    run_main(main)
