#!/usr/bin/env python
"""Fine-tune one stage of a recipe (see nlirobust.training.stage for what it writes)."""

from _cli import run_main


def main() -> None:
    from transformers import HfArgumentParser

    from nlirobust.training.stage import StageArguments, train_stage

    (args,) = HfArgumentParser(StageArguments).parse_args_into_dataclasses()
    train_stage(args)


if __name__ == "__main__":
    run_main(main, gpu=True)
