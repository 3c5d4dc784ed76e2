#!/usr/bin/env python
"""Choose the pairs a final fine-tuning epoch trains on: a run's mistakes, or ambiguous ChaosNLI pairs."""

import argparse

from _cli import run_main

from nlirobust.names import LEAKAGE_ACTIONS, SELECTIONS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--rule",
        required=True,
        choices=SELECTIONS,
        help="what to train on (config: mistakes.selections)",
    )
    parser.add_argument("--pairs", required=True, help="pairs to choose from (pair schema Parquet)")
    parser.add_argument("--train-predictions", help="per-epoch training predictions (for mistake rules)")
    parser.add_argument("--seed", type=int, default=0, help="for class balancing")
    parser.add_argument("--balanced", action="store_true", help="down-sample every label to the rarest")
    parser.add_argument(
        "--max-agreeing", type=int, default=3, help="snli_low_agreement: at most this many of 5 annotators agree"
    )
    parser.add_argument("--dynamics", default="{}", help="JSON: data-map thresholds (config: training_dynamics)")
    parser.add_argument(
        "--leakage-list",
        default=None,
        help="the source's leakage list (data_overlap): checked now, so a selection that "
        "leakage would empty stops here (a CPU job), not in the GPU job that tunes on it",
    )
    parser.add_argument("--leakage", choices=LEAKAGE_ACTIONS, default="exclude")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    import json

    import pandas as pd

    from nlirobust.data.io import write_parquet
    from nlirobust.data.schema import DataFormatError
    from nlirobust.dynamics import DynamicsSettings
    from nlirobust.mistakes import AMBIGUITY_SELECTIONS, balance_classes, select_ambiguous, select_mistakes

    pairs = pd.read_parquet(args.pairs)
    if args.rule in AMBIGUITY_SELECTIONS:
        try:
            chosen = select_ambiguous(pairs, args.rule, args.max_agreeing)
        except ValueError as err:
            raise DataFormatError(f"{args.pairs}: {err}") from None
    else:
        if not args.train_predictions:
            raise SystemExit("error: --train-predictions is needed for a mistake selection")
        settings = DynamicsSettings(**json.loads(args.dynamics))
        ids = select_mistakes(pd.read_parquet(args.train_predictions), args.rule, settings)
        chosen = pairs[pairs["id"].isin(ids)]
    if args.balanced and not chosen.empty:
        chosen = balance_classes(chosen, args.seed)
    if chosen.empty:
        raise DataFormatError(f"{args.pairs}: selection '{args.rule}' chose no pairs; nothing to fine-tune on")
    if args.leakage_list:  # the tuning job drops (or refuses) these again and counts them; here only fail early
        from nlirobust.overlap import apply_leakage_list, read_leakage_list

        listing = read_leakage_list(args.leakage_list)
        apply_leakage_list(chosen, listing, args.leakage, f"{args.out} (selection '{args.rule}')")
    write_parquet(chosen.reset_index(drop=True), args.out)
    print(f"{args.rule}: {len(chosen)} of {len(pairs)} pairs; labels {chosen['label'].value_counts().to_dict()}")


if __name__ == "__main__":
    run_main(main)
