"""The arguments of one training stage (scripts/train_stage.py's flags) and the fingerprint that ties a checkpoint
or a finished run to them: the content of every input and every argument that changes the result."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field

from nlirobust.names import SPEED_ONLY_SETTINGS


@dataclass
class StageArguments:
    model_in: str = field(metadata={"help": "pretrained model directory or hub id, or the previous stage's model/"})
    train_file: str = field(metadata={"help": "training pairs (Parquet in the pair schema)"})
    output_dir: str = field(metadata={"help": "where model/, logs and per-epoch predictions go"})
    checkpoint_dir: str = field(metadata={"help": "epoch checkpoints; a rerun resumes from the newest"})
    validation_file: str | None = field(default=None, metadata={"help": "validation pairs, evaluated per epoch"})
    encoder: str | None = field(default=None, metadata={"help": "the encoder's name (`models[].name`): in run.json"})
    encoder_name_or_path: str | None = field(
        default=None, metadata={"help": "what the encoder was loaded from first (hub id, directory, embedded)"}
    )
    seed: int = 42
    learning_rate: float = 5e-5
    learning_rate_from: str | None = field(
        default=None,
        metadata={"help": "a previous run's train_log.csv: use the rate of its last step instead of learning_rate"},
    )
    epochs: int = 3
    batch_size: int = 8
    eval_batch_size: int = 128
    max_length: int = 128
    weight_decay: float = 0.0
    warmup_ratio: float = 0.0
    max_grad_norm: float = 1.0
    logging_steps: int = 50
    max_train_examples: int | None = field(default=None, metadata={"help": "use only the first N pairs"})
    record_train_predictions: bool = True
    threads: int | None = field(default=None, metadata={"help": "CPU threads for torch (default: all)"})
    keep_checkpoints: bool = False
    run_cache: str | None = field(
        default=None,
        metadata={"help": "folder: keep a finished run under its fingerprint and reuse it instead of training again"},
    )
    report_to: str = field(default="none", metadata={"help": "none, tensorboard or wandb (offline unless configured)"})
    group_by_length: bool = field(default=False, metadata={"help": "batch similar lengths together (less padding)"})
    mistake_record: str = field(
        default="eval_pass", metadata={"help": "eval_pass (after each epoch) or train_forward (free, train mode)"}
    )
    bf16: bool = field(
        default=False, metadata={"help": "bf16 autocast on a GPU that has it (else fp32, one warning; ignored on CPU)"}
    )
    deterministic: bool = field(
        default=True,
        metadata={"help": "deterministic GPU kernels (cuBLAS workspace set): reproducible GPU runs, somewhat slower"},
    )
    tf32: bool = field(default=True, metadata={"help": "TF32 matmuls on Ampere+ GPUs (ignored on CPU)"})
    cuda_graphs: bool = field(
        default=True, metadata={"help": "replay forward and backward from CUDA graphs (GPU only; ignored on CPU)"}
    )
    fused_optimizer: bool = field(default=True, metadata={"help": "one-kernel AdamW (GPU only; ignored on CPU)"})
    pad_to_multiple_of: int = field(
        default=16, metadata={"help": "pad batch lengths up to a multiple: few shapes for CUDA graphs (GPU only)"}
    )
    tokenization_cache: str | None = field(
        default=None, metadata={"help": "directory: tokenise each data set once per tokenizer, reuse it after"}
    )
    leakage_list: str | None = field(
        default=None,
        metadata={"help": "the training source's pairs that scored sets share (data_overlap): they follow --leakage"},
    )
    leakage: str = field(
        default="exclude", metadata={"help": "exclude (drop overlapping training pairs), fail, or report (keep)"}
    )


# Arguments that name where things go or how fast they run: the result does not depend on them.
_NOT_IN_FINGERPRINT = ("output_dir", "checkpoint_dir", "keep_checkpoints", "run_cache", *SPEED_ONLY_SETTINGS)
# Arguments that name inputs: the fingerprint takes what is there, not the name.
_INPUT_PATHS = ("model_in", "train_file", "validation_file", "learning_rate_from", "leakage_list")


def run_fingerprint(args: StageArguments) -> str:
    """What a checkpoint must match to be resumed: the content of every input (the starting model's weights, config
    and tokenizer; training and validation data; the pairs scored sets share with the training source) and every
    argument that changes the result.

    Paths are replaced by digests of what they point to, so a retrained first stage or an edited model at the same
    path voids the checkpoint, and moving a folder does not.
    """
    from nlirobust.provenance import path_digest

    relevant = {k: v for k, v in dataclasses.asdict(args).items() if k not in _NOT_IN_FINGERPRINT}
    for key in _INPUT_PATHS:
        if relevant[key] is not None:
            relevant[key] = path_digest(relevant[key])
    return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()
