"""One training stage of a recipe: load a model, fine-tune it on one data set, write everything the studies read.

Writes into `output_dir`: `model/` (save_pretrained, tokenizer included), `train_predictions.parquet` (one row per
training example per epoch: id, epoch, gold, pred, prob_e, prob_n, prob_c), `train_log.csv` (per logged step),
`epoch_log.csv` (per epoch: losses, validation accuracy, mistakes, timings) and `run.json` (arguments, hardware,
timings). Epoch checkpoints go to `checkpoint_dir` and are removed after success unless asked to keep them.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import time
from pathlib import Path

from nlirobust.training.arguments import StageArguments, run_fingerprint

log = logging.getLogger(__name__)


def padding_multiple(max_length: int, multiple: int | None, position_limit: int | None) -> int | None:
    """`multiple`, unless padding a `max_length` batch up to it would pass the model's position limit (a max_length
    of 130 with 16 pads to 144): then None, plain dynamic padding, rather than an index error on the GPU."""
    if not multiple or multiple <= 1:
        return None
    padded = -(-max_length // multiple) * multiple
    if position_limit is not None and padded > position_limit:
        log.warning(
            "pad_to_multiple_of %d would pad to %d > %d positions: padding dynamically",
            multiple,
            padded,
            position_limit,
        )
        return None
    return multiple


def set_determinism(deterministic: bool) -> None:
    """Deterministic kernels on or off. On: cuBLAS needs a fixed workspace (set before its first call, or every
    call warns and results vary), and ops without a deterministic version warn once instead of failing. CPU runs
    are deterministic either way."""
    import torch

    if deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(deterministic, warn_only=True)


def learning_rate_at_end(train_log: str | Path) -> float:
    """The learning rate of the last optimizer step a run took (its step log's last row)."""
    import pandas as pd

    steps = pd.read_csv(train_log)
    if steps.empty:
        raise ValueError(f"{train_log}: no steps logged")
    return float(steps["learning_rate"].iloc[-1])


def prepare_process(args: StageArguments) -> None:
    """Seeds, determinism, threads, quiet transformers logs and where a tracker writes (compute nodes: offline)."""
    import torch
    import transformers
    from transformers import set_seed

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.report_to == "wandb":
        os.environ.setdefault("WANDB_MODE", "offline")  # compute nodes have no internet; `wandb sync` later
        os.environ.setdefault("WANDB_DIR", str(Path(args.output_dir)))
    if args.report_to == "tensorboard":  # beside the run's outputs: the checkpoint folder is removed at the end
        os.environ.setdefault("TENSORBOARD_LOGGING_DIR", str(Path(args.output_dir) / "tensorboard"))
    set_seed(args.seed)
    set_determinism(args.deterministic)


def training_pairs(args: StageArguments):
    """The training pairs (the first `max_train_examples`), after the `leakage` setting dealt with those the scored
    sets share; and the overlap counts run.json records."""
    import pandas as pd

    from nlirobust.overlap import apply_leakage_list, read_leakage_list

    train_pairs = pd.read_parquet(args.train_file)
    if args.max_train_examples:
        train_pairs = train_pairs.iloc[: args.max_train_examples]
    listing = read_leakage_list(args.leakage_list) if args.leakage_list else pd.DataFrame(columns=["key", "sets"])
    train_pairs, overlap = apply_leakage_list(train_pairs, listing, args.leakage, args.train_file)
    if overlap["overlapping"]:
        log.warning(
            "%s: %d training pair(s) also in scored sets %s: %s",
            args.train_file,
            overlap["overlapping"],
            {k: v for k, v in overlap["by_set"].items() if v},
            "dropped" if overlap["dropped"] else "kept (leakage: report)",
        )
    return train_pairs, overlap


def training_arguments(args: StageArguments, bf16: bool):
    """The `transformers.TrainingArguments` our loop reads (saving, evaluation and progress bars are ours)."""
    from transformers import TrainingArguments

    return TrainingArguments(
        output_dir=str(Path(args.checkpoint_dir) / "hf"),
        per_device_train_batch_size=args.batch_size,
        per_device_eval_batch_size=args.eval_batch_size,
        learning_rate=args.learning_rate,
        num_train_epochs=args.epochs,
        weight_decay=args.weight_decay,
        warmup_steps=args.warmup_ratio,  # < 1 means a fraction of all steps in transformers 5
        max_grad_norm=args.max_grad_norm,
        logging_steps=args.logging_steps,
        seed=args.seed,
        save_strategy="no",
        eval_strategy="no",
        report_to=args.report_to,
        train_sampling_strategy="group_by_length" if args.group_by_length else "random",
        bf16=bf16,
        disable_tqdm=True,
    )


def write_stage_outputs(trainer, tokenizer, out: Path, record_train_predictions: bool) -> None:
    """train_predictions.parquet, train_log.csv, epoch_log.csv and model/ (written aside, then renamed)."""
    import pandas as pd

    from nlirobust.data.io import atomic_path, no_space_left_as_one_line, write_parquet

    record = trainer.record
    if record_train_predictions:
        write_parquet(pd.concat(record.train_predictions, ignore_index=True), out / "train_predictions.parquet")
    with atomic_path(out / "train_log.csv") as tmp:
        pd.DataFrame(record.step_log).to_csv(tmp, index=False)
    with atomic_path(out / "epoch_log.csv") as tmp:
        pd.DataFrame(record.epoch_log).to_csv(tmp, index=False)
    model_dir = out / "model"
    tmp_dir = out / ".model.tmp"
    shutil.rmtree(tmp_dir, ignore_errors=True)
    try:
        with no_space_left_as_one_line(model_dir):
            trainer.model.save_pretrained(tmp_dir)
            tokenizer.save_pretrained(tmp_dir)
    except BaseException:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        raise
    shutil.rmtree(model_dir, ignore_errors=True)
    tmp_dir.rename(model_dir)


def train_stage(args: StageArguments) -> dict:
    """Fine-tune `args.model_in` on `args.train_file`; return the run facts also written to run.json."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import pandas as pd
    import torch
    from transformers import DataCollatorWithPadding

    from nlirobust.data.io import write_json
    from nlirobust.data.schema import DataFormatError
    from nlirobust.encoding import encode_pairs
    from nlirobust.failpoints import failpoint
    from nlirobust.modeling import load_classifier
    from nlirobust.predict import bf16_supported, precision_name
    from nlirobust.provenance import file_digest, hardware_facts
    from nlirobust.training.checkpoints import checkpoint_lock
    from nlirobust.training.trainer import NLITrainer

    if args.learning_rate_from:
        args.learning_rate = learning_rate_at_end(args.learning_rate_from)
        log.info("learning rate %.3g: where %s ended", args.learning_rate, args.learning_rate_from)
    prepare_process(args)
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    fingerprint = run_fingerprint(args)
    if args.run_cache:
        from nlirobust.training.run_cache import restore_finished_run

        reused = restore_finished_run(Path(args.run_cache), fingerprint, out)
        if reused is not None:
            facts = json.loads((out / "run.json").read_text())
            facts |= {"arguments": dataclasses.asdict(args), "reused": str(reused)}
            write_json(facts, out / "run.json")
            return facts
    failpoint(f"train_start:{out.as_posix()}")
    train_pairs, overlap = training_pairs(args)
    model, tokenizer = load_classifier(args.model_in)
    limit = getattr(model.config, "max_position_embeddings", None)
    if limit is not None and args.max_length > limit:
        raise DataFormatError(f"max_length {args.max_length} is above {args.model_in}'s position limit {limit}")
    cuda = torch.cuda.is_available()
    bf16 = bf16_supported(args.bf16, torch.device("cuda" if cuda else "cpu"))
    if cuda and args.tf32:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    cache = args.tokenization_cache
    train_dataset = encode_pairs(train_pairs, tokenizer, args.max_length, cache)
    eval_dataset = None
    if args.validation_file:
        eval_dataset = encode_pairs(pd.read_parquet(args.validation_file), tokenizer, args.max_length, cache)

    training_args = training_arguments(args, bf16)
    visible_gpus = training_args.n_gpu  # 0 on a CPU
    if visible_gpus > 1:
        log.warning(
            "%d GPUs visible: training on %s alone at batch size %d (one process, one device; ask the scheduler "
            "for one GPU, or set CUDA_VISIBLE_DEVICES)",
            visible_gpus,
            training_args.device,
            args.batch_size,
        )
    trainer = NLITrainer(
        model=model,
        args=training_args,
        train_dataset=train_dataset,
        eval_dataset=eval_dataset,
        # on a GPU, lengths padded up to a multiple: few batch shapes, each captured once as a CUDA graph
        data_collator=DataCollatorWithPadding(
            tokenizer,
            pad_to_multiple_of=padding_multiple(
                args.max_length, args.pad_to_multiple_of, getattr(model.config, "max_position_embeddings", None)
            )
            if cuda
            else None,
        ),
        processing_class=tokenizer,
        train_ids=train_pairs["id"].astype(str).to_numpy(),
        checkpoint_dir=args.checkpoint_dir,
        fingerprint=fingerprint,
        eval_batch_size=args.eval_batch_size,
        record_train_predictions=args.record_train_predictions,
        mistake_record=args.mistake_record,
        cuda_graphs=args.cuda_graphs,
        fused_optimizer=args.fused_optimizer,
    )
    # one process per run at a time: a requeued job waits for the one it replaces (see checkpoint_lock)
    with checkpoint_lock(Path(args.checkpoint_dir)):
        start = time.perf_counter()
        result = trainer.train()
        wall = time.perf_counter() - start

        write_stage_outputs(trainer, tokenizer, out, args.record_train_predictions)
        record = trainer.record
        facts = {
            "encoder": {"name": args.encoder, "name_or_path": args.encoder_name_or_path},
            "arguments": dataclasses.asdict(args),
            "learning_rate_used": args.learning_rate,
            "train_examples": len(train_pairs),
            "overlap": overlap,
            # what planning compares with the source's list now: a changed list retrains this run (rules/common.smk)
            "leakage_list_digest": file_digest(args.leakage_list) if args.leakage_list else None,
            "global_steps": result.global_step,
            "train_loss": result.training_loss,
            "wall_seconds": wall,  # this process only: a resumed run's earlier part ran in another job
            # training seconds of every epoch, the parts before a stop included (what pairs/s divides by)
            "train_seconds": float(sum(row["train_seconds"] for row in record.epoch_log)),
            "resumes": trainer.resumes,
            "device": str(training_args.device),
            "visible_gpus": visible_gpus,
            # a head trained on the NLI labels in another order, reordered to ours when loaded (else None)
            "head_permuted_from": getattr(model, "nlirobust_head_permuted_from", None),
            "threads": torch.get_num_threads(),
            "precision": precision_name(bf16, training_args.device),  # what it computed in, not what was asked
            "deterministic": args.deterministic,
            "final_epoch": record.epoch_log[-1],
            "hardware": hardware_facts(),
            # on a GPU: batch shapes captured as CUDA graphs, steps replayed / run eagerly, and why capture failed
            "cuda_graphs": None
            if trainer.graphed_step is None
            else {
                "graphs": len(trainer.graphed_step.graphs),
                "replays": trainer.graphed_step.replays,
                "eager_steps": trainer.graphed_step.eager_steps,
                "failure": trainer.graphed_step.failure,
            },
        }
        write_json(facts, out / "run.json")
        if args.run_cache:  # kept before the checkpoints go: from here on a rerun never trains this run again
            from nlirobust.training.run_cache import keep_finished_run

            keep_finished_run(out, Path(args.run_cache), fingerprint)
        if not args.keep_checkpoints:
            shutil.rmtree(args.checkpoint_dir, ignore_errors=True)
    return facts
