#!/usr/bin/env python
"""GPU smoke check of the training loop: the tiny embedded model and an ELECTRA-small-sized one on CUDA.

Runs: generate a small embedded data set, build the tiny model, train two epochs through `train_stage` on the GPU,
stop it after one epoch and resume, evaluate; then time training and evaluation of an ELECTRA-small-sized model
(random weights, 13.5 M parameters) built from a config. Prints a Markdown table and writes JSON to --out.
Usage: python benchmarks/gpu_smoke.py --work /tmp/gpu_smoke --out gpu_smoke.json
"""

import argparse
import json
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--work", default="/tmp/gpu_smoke")
    parser.add_argument("--out", default="gpu_smoke.json")
    parser.add_argument("--train-pairs", type=int, default=20000)
    args = parser.parse_args()

    import pandas as pd
    import torch

    from nlirobust.data.prepare import prepare_dataset
    from nlirobust.embedded.data import EmbeddedSizes, write_embedded_data
    from nlirobust.embedded.model import save_embedded_model
    from nlirobust.evaluate import evaluate_model
    from nlirobust.provenance import hardware_facts
    from nlirobust.training.stage import StageArguments, train_stage
    from nlirobust.training.trainer import NLITrainer

    if not torch.cuda.is_available():
        print("warning: no CUDA device; running on CPU (a check of the script, not of a GPU)")
    work = Path(args.work)
    sizes = EmbeddedSizes(snli_train=args.train_pairs, mnli_train=100, mnli_validation=50, chaosnli=20)
    write_embedded_data(work / "raw", seed=0, sizes=sizes)
    for dataset in ("snli", "breaking_nli"):
        prepare_dataset(dataset, work / "raw" / dataset, work / "data" / dataset)
    train = pd.read_parquet(work / "data/snli/train.parquet")
    texts = train["premise"].tolist() + train["hypothesis"].tolist()
    save_embedded_model(work / "tiny", texts, max_length=64)
    common = dict(
        train_file=str(work / "data/snli/train.parquet"),
        validation_file=str(work / "data/snli/validation.parquet"),
        seed=1,
        learning_rate=1.5e-3,
        epochs=2,
        batch_size=32,
        eval_batch_size=256,
        max_length=64,
        warmup_ratio=0.06,
        weight_decay=0.01,
    )
    results = {"hardware": hardware_facts()}

    start = time.perf_counter()
    facts = train_stage(
        StageArguments(
            model_in=str(work / "tiny"), output_dir=str(work / "run"), checkpoint_dir=str(work / "ckpt"), **common
        )
    )
    results["tiny_uninterrupted_seconds"] = time.perf_counter() - start
    results["tiny_final_epoch"] = facts["final_epoch"]

    original = NLITrainer._end_of_epoch

    def crash(self, epoch, *rest):
        if epoch == 1:
            raise RuntimeError("stop")
        return original(self, epoch, *rest)

    NLITrainer._end_of_epoch = crash
    try:
        train_stage(
            StageArguments(
                model_in=str(work / "tiny"),
                output_dir=str(work / "resumed"),
                checkpoint_dir=str(work / "ckpt2"),
                **common,
            )
        )
    except RuntimeError:
        pass
    NLITrainer._end_of_epoch = original
    resumed = train_stage(
        StageArguments(
            model_in=str(work / "tiny"), output_dir=str(work / "resumed"), checkpoint_dir=str(work / "ckpt2"), **common
        )
    )
    a = pd.read_parquet(work / "run/train_predictions.parquet")
    b = pd.read_parquet(work / "resumed/train_predictions.parquet")
    results["resume_same_predictions_fraction"] = float((a["pred"] == b["pred"]).mean())
    results["resume_final_epoch"] = resumed["final_epoch"]
    metrics = evaluate_model(
        work / "run/model",
        {"breaking": work / "data/breaking_nli/test.parquet", "snli": work / "data/snli/validation.parquet"},
        {"breaking": work / "eval_breaking", "snli": work / "eval_snli"},
        max_length=64,
    )
    results["tiny_eval"] = {k: {m: v[m] for m in ("accuracy", "examples_per_second")} for k, v in metrics.items()}

    # ELECTRA-small-sized (random weights): training and evaluation speed of our loop on this GPU.
    from transformers import ElectraConfig, ElectraForSequenceClassification, ElectraTokenizerFast

    tokenizer = ElectraTokenizerFast.from_pretrained(str(work / "tiny"))
    config = ElectraConfig(
        vocab_size=len(tokenizer),
        embedding_size=128,
        hidden_size=256,
        num_hidden_layers=12,
        num_attention_heads=4,
        intermediate_size=1024,
        max_position_embeddings=512,
        pad_token_id=tokenizer.pad_token_id,
        num_labels=3,
    )
    small = work / "electra_small_sized"
    ElectraForSequenceClassification(config).save_pretrained(small)
    tokenizer.save_pretrained(small)
    start = time.perf_counter()
    facts = train_stage(
        StageArguments(
            model_in=str(small),
            output_dir=str(work / "small_run"),
            checkpoint_dir=str(work / "ckpt3"),
            **(common | {"epochs": 1, "learning_rate": 5e-5, "batch_size": 32}),
        )
    )
    results["small_train_examples_per_second"] = facts["final_epoch"]["examples_per_second"]
    results["small_mistake_pass_seconds"] = facts["final_epoch"]["mistake_pass_seconds"]
    results["small_train_seconds"] = facts["final_epoch"]["train_seconds"]
    results["small_wall_seconds"] = time.perf_counter() - start

    Path(args.out).write_text(json.dumps(results, indent=2, default=str))
    print("| check | value |\n|---|---|")
    for key, value in results.items():
        if key != "hardware":
            print(f"| {key} | {value} |")
    print(f"| gpu | {results['hardware']['gpu']} |")


if __name__ == "__main__":
    main()
