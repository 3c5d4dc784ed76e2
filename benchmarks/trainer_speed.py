#!/usr/bin/env python
"""Our training loop against the stock transformers.Trainer, in one process, on the same model, data and batch size.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/trainer_speed.py            # ~15 minutes on 2 CPU cores
    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/trainer_speed.py --quick    # one repeat, smaller sets

Prints Markdown tables: training and evaluation pairs/s (median [min-max] over repeats) of
  stock (run_glue)   transformers.Trainer as run_glue.py runs it by default: every pair padded to max_length
  stock (dynamic)    transformers.Trainer with DataCollatorWithPadding (what a careful user writes)
  ours               NLITrainer: dynamic padding; evaluation in length-sorted batches under inference_mode
  ours + grouped     the same with length-grouped training batches (training.group_by_length)
with the ratio ours / stock for the tiny embedded ELECTRA and an ELECTRA-small-sized model (random weights),
then the cost of the mistake pass (eval_pass vs train_forward) as a share of a training epoch and how many
mistakes the two definitions disagree on, the tokenisation cache, `snakemake -n` on the full paper grid, and, with
CUDA, ELECTRA-small with bf16 and the projected wall time of an SNLI epoch and of the paper grid.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
REPO = Path(__file__).resolve().parents[1]

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from benchmarks_support import training_args  # noqa: E402
from transformers import DataCollatorWithPadding, Trainer, default_data_collator  # noqa: E402

from nlirobust.encoding import encode_pairs  # noqa: E402
from nlirobust.predict import predict_dataset  # noqa: E402
from nlirobust.training.trainer import NLITrainer  # noqa: E402

transformers.utils.logging.set_verbosity_error()
MODELS = {
    "tiny (embedded)": dict(hidden_size=128, num_layers=2, num_heads=4, intermediate_size=512),
    "ELECTRA-small-sized": dict(hidden_size=256, num_layers=12, num_heads=4, intermediate_size=1024),
}
SNLI_TRAIN_PAIRS = 549_367
MNLI_TRAIN_PAIRS = 392_702


def make_data(work: Path, train: int, evaluation: int) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    from nlirobust.data.prepare import prepare_dataset
    from nlirobust.embedded.data import EmbeddedSizes, write_embedded_data

    sizes = EmbeddedSizes(snli_train=train, snli_validation=evaluation, snli_test=100, mnli_train=100,
                          mnli_validation=100, chaosnli=20, breaking_nli_scale=0.01)  # fmt: skip
    write_embedded_data(work / "raw", seed=0, sizes=sizes)
    prepare_dataset("snli", work / "raw" / "snli", work / "snli")
    train_pairs = pd.read_parquet(work / "snli" / "train.parquet")
    eval_pairs = pd.read_parquet(work / "snli" / "validation.parquet")
    return train_pairs, eval_pairs, (train_pairs["premise"] + " " + train_pairs["hypothesis"]).tolist()


def build_model(texts: list[str], shape: dict, work: Path) -> Path:
    from nlirobust.embedded.model import save_embedded_model

    out = work / f"model_{shape['hidden_size']}_{shape['num_layers']}"
    if not out.exists():
        save_embedded_model(out, texts, vocab_size=2000, max_length=128, **shape)
    return out


def run_stock(model_dir, train_pairs, eval_pairs, batch, eval_batch, pad_to_max: bool, work) -> tuple[float, float]:
    from nlirobust.modeling import load_classifier

    model, tokenizer = load_classifier(model_dir)

    def encode(pairs):
        if not pad_to_max:
            return encode_pairs(pairs, tokenizer, 128)
        import datasets

        encoded = tokenizer(pairs["premise"].tolist(), pairs["hypothesis"].tolist(), truncation=True,
                            max_length=128, padding="max_length")  # fmt: skip
        return datasets.Dataset.from_dict(dict(encoded) | {"labels": pairs["label"].tolist()})

    trainer = Trainer(
        model=model,
        args=training_args(work / "stock", batch, eval_batch),
        train_dataset=encode(train_pairs),
        data_collator=default_data_collator if pad_to_max else DataCollatorWithPadding(tokenizer),
    )
    start = time.perf_counter()
    trainer.train()
    train_rate = len(train_pairs) / (time.perf_counter() - start)
    eval_set = encode(eval_pairs)
    start = time.perf_counter()
    trainer.predict(eval_set)
    return train_rate, len(eval_pairs) / (time.perf_counter() - start)


def run_ours(
    model_dir,
    train_pairs,
    eval_pairs,
    batch,
    eval_batch,
    grouped: bool,
    work,
    record=None,
    lr=5e-5,
    gpu_switches=True,
    keep_trainer=False,
):
    """Our loop; `gpu_switches` (on a GPU): CUDA graphs, fused AdamW and lengths padded to multiples of 16, as
    `training:` defaults to; off, the plain eager loop."""
    from nlirobust.modeling import load_classifier

    model, tokenizer = load_classifier(model_dir)
    strategy = "group_by_length" if grouped else "random"
    fast = gpu_switches and torch.cuda.is_available()
    trainer = NLITrainer(
        model=model,
        args=training_args(work / "ours", batch, eval_batch, train_sampling_strategy=strategy, learning_rate=lr),
        train_dataset=encode_pairs(train_pairs, tokenizer, 128),
        data_collator=DataCollatorWithPadding(tokenizer, pad_to_multiple_of=16 if fast else None),
        cuda_graphs=fast,
        fused_optimizer=fast,
        train_ids=train_pairs["id"].to_numpy(),
        checkpoint_dir=work / f"ckpt_{time.perf_counter_ns()}",
        fingerprint="benchmark",
        eval_batch_size=eval_batch,
        record_train_predictions=record is not None,
        mistake_record=record or "eval_pass",
    )
    start = time.perf_counter()
    trainer.train()
    train_seconds = time.perf_counter() - start
    device = trainer.args.device
    eval_set = encode_pairs(eval_pairs, tokenizer, 128)
    collator = DataCollatorWithPadding(tokenizer, pad_to_multiple_of=16 if fast else None)
    result = predict_dataset(trainer.model, eval_set, collator, eval_batch, device, bf16=torch.cuda.is_available())
    rates = (len(train_pairs) / train_seconds, len(eval_pairs) / result.seconds)
    return (rates, trainer) if record is not None or keep_trainer else rates


def markdown(rows: list[dict]) -> str:
    return pd.DataFrame(rows).to_markdown(index=False)


def cell(values: list[float]) -> str:
    return f"{statistics.median(values):,.0f} [{min(values):,.0f}-{max(values):,.0f}]"


def speed_table(work, data, repeats: int, batch: int, eval_batch: int, sizes: dict) -> None:
    train_pairs, eval_pairs, texts = data
    print(f"\n## Training and evaluation, pairs/s: median [min-max] of {repeats}; batch {batch}, eval {eval_batch}\n")
    rows = []
    for name, shape in MODELS.items():
        model_dir = build_model(texts, shape, work)
        n_train, n_eval = sizes[name]
        runs = {"stock (run_glue)": [], "stock (dynamic)": [], "ours": [], "ours + grouped": []}
        for _ in range(repeats):  # interleaved, so drift in the machine's speed hits every loop alike
            subset, evaluation = train_pairs.iloc[:n_train], eval_pairs.iloc[:n_eval]
            runs["stock (run_glue)"].append(run_stock(model_dir, subset, evaluation, batch, eval_batch, True, work))
            runs["stock (dynamic)"].append(run_stock(model_dir, subset, evaluation, batch, eval_batch, False, work))
            runs["ours"].append(run_ours(model_dir, subset, evaluation, batch, eval_batch, False, work))
            runs["ours + grouped"].append(run_ours(model_dir, subset, evaluation, batch, eval_batch, True, work))
        base_glue = [statistics.median(r[k] for r in runs["stock (run_glue)"]) for k in (0, 1)]
        base_dyn = [statistics.median(r[k] for r in runs["stock (dynamic)"]) for k in (0, 1)]
        for loop, results in runs.items():
            train, evaluation = [r[0] for r in results], [r[1] for r in results]
            med = (statistics.median(train), statistics.median(evaluation))
            rows.append(
                {
                    "model": name,
                    "loop": loop,
                    "train pairs/s": cell(train),
                    "eval pairs/s": cell(evaluation),
                    "train x stock (run_glue)": f"{med[0] / base_glue[0]:.2f}",
                    "eval x stock (run_glue)": f"{med[1] / base_glue[1]:.2f}",
                    "train x stock (dynamic)": f"{med[0] / base_dyn[0]:.2f}",
                    "eval x stock (dynamic)": f"{med[1] / base_dyn[1]:.2f}",
                }
            )
    print(markdown(rows), flush=True)


def mistake_pass_table(work, data, batch: int, eval_batch: int) -> None:
    train_pairs, eval_pairs, texts = data
    model_dir = build_model(texts, MODELS["tiny (embedded)"], work)
    print("\n## The mistake pass (tiny model, one epoch at the demo's learning rate)\n")
    rows, records = [], {}
    for mode in ("eval_pass", "train_forward"):
        _, trainer = run_ours(model_dir, train_pairs, eval_pairs, batch, eval_batch, False, work, mode, lr=1.5e-3)
        row = trainer.record.epoch_log[-1]
        records[mode] = trainer.record.train_predictions[-1]
        rows.append(
            {
                "mistake_record": mode,
                "epoch training s": f"{row['train_seconds']:.1f}",
                "record s": f"{row['mistake_pass_seconds']:.1f}",
                "record / epoch": f"{row['mistake_pass_seconds'] / row['train_seconds']:.0%}",
                "mistakes": row["train_mistakes"],
            }
        )
    print(markdown(rows))
    a, b = records["eval_pass"], records["train_forward"]
    differ = int(((a["pred"] != a["gold"]) != (b["pred"] != b["gold"])).sum())
    print(
        f"\nThe two definitions disagree on {differ} of {len(a)} training pairs ({differ / len(a):.1%}): "
        "train_forward records each pair when it was trained on (dropout on, weights mid-epoch)."
    )


def tokenization_table(work, data) -> None:
    from nlirobust.modeling import load_classifier

    train_pairs, _, texts = data
    _, tokenizer = load_classifier(build_model(texts, MODELS["tiny (embedded)"], work))
    cache = work / "token_cache"
    start = time.perf_counter()
    encode_pairs(train_pairs, tokenizer, 128)
    plain = time.perf_counter() - start
    encode_pairs(train_pairs, tokenizer, 128, cache)
    start = time.perf_counter()
    encode_pairs(train_pairs, tokenizer, 128, cache)
    cached = time.perf_counter() - start
    print(f"\n## Tokenisation of {len(train_pairs):,} pairs\n\n| | seconds |\n|---|---|\n| tokenise | {plain:.2f} |\n"
          f"| from the cache | {cached:.2f} |\n\nratio: {plain / cached:.1f}x")  # fmt: skip


def plan_time() -> None:
    import yaml

    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    config |= {"seeds": [1, 2, 3, 4, 5], "learning_rates": [5e-5, 3e-5, 2e-5]}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "grid.yaml"
        path.write_text(yaml.safe_dump(config))
        command = [str(Path(sys.executable).parent / "snakemake"), "-s", str(REPO / "Snakefile"), "-n", "-q",
                   "--configfile", str(path), "--directory", tmp]  # fmt: skip
        times, out = [], ""
        for _ in range(3):
            start = time.perf_counter()
            out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
            times.append(time.perf_counter() - start)
        jobs = next((line.split()[-1] for line in out.splitlines() if line.startswith("total")), "?")
    print(f"\n## `snakemake -n` on the paper grid (4 recipes x 5 seeds x 3 learning rates, every study on)\n\n"
          f"{jobs} jobs planned in {statistics.median(times):.1f} s (median of 3; min {min(times):.1f} s)")  # fmt: skip


def gpu_section(work, data, batch: int) -> None:
    train_pairs, eval_pairs, texts = data
    if not torch.cuda.is_available():
        print("\n## GPU\n\nno CUDA device here: skipped")
        return
    model_dir = build_model(texts, MODELS["ELECTRA-small-sized"], work)
    train_rate, eval_rate = run_ours(model_dir, train_pairs, eval_pairs, batch, 256, True, work)
    epoch_hours = SNLI_TRAIN_PAIRS / train_rate / 3600
    # per seed and learning rate: snli and mnli_snli train on SNLI, mnli and snli_mnli on MNLI, 3 epochs each,
    # plus one eval-mode pass over the training set per epoch, plus the adversarial retraining on SNLI
    pairs = 3 * (3 * SNLI_TRAIN_PAIRS + 2 * MNLI_TRAIN_PAIRS)
    grid_hours = 15 * (pairs / train_rate + pairs / eval_rate) / 3600
    print(f"\n## GPU: {torch.cuda.get_device_name(0)}, ELECTRA-small-sized, bf16, batch {batch}\n\n"
          f"train {train_rate:,.0f} pairs/s, eval {eval_rate:,.0f} pairs/s; one SNLI epoch {epoch_hours:.2f} h; "
          f"paper grid (4 recipes x 5 seeds x 3 lrs, with mistake passes and adversarial retraining) "
          f"{grid_hours:.0f} GPU-hours")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one repeat, small sets (a smoke run)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    repeats = 1 if args.quick else args.repeats
    train_n, eval_n = (600, 400) if args.quick else (4000, 2000)
    # (training pairs, evaluation pairs) per model: the small model is ~40x slower on a CPU
    sizes = {"tiny (embedded)": (train_n, eval_n), "ELECTRA-small-sized": (train_n // 16, eval_n // 4)}
    print(f"# Benchmark: {platform_line()}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data = make_data(work, train_n, eval_n)
        speed_table(work, data, repeats, args.batch_size, 256, sizes)
        mistake_pass_table(work, data, args.batch_size, 256)
        tokenization_table(work, data)
        plan_time()
        gpu_section(work, data, args.batch_size)


def platform_line() -> str:
    from nlirobust.provenance import cpu_model

    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return (
        f"{cpu_model()}, {os.cpu_count()} CPUs, torch {torch.__version__} ({torch.get_num_threads()} threads), {device}"
    )


if __name__ == "__main__":
    np.random.seed(0)
    main()
