"""Checks of a model directory that need no heavy import, so the workflow can run them while it plans.

A model folder with a config but no weights, or a `max_length` past the model's position limit, would otherwise
fail inside a GPU job after hours in the queue (or, for the weights, train a randomly initialised encoder).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

WEIGHT_FILES: tuple[str, ...] = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)


# Any one of these is a tokenizer transformers can load (fast, WordPiece, BPE, SentencePiece).
TOKENIZER_FILES: tuple[str, ...] = (
    "tokenizer.json",
    "vocab.txt",
    "vocab.json",
    "spiece.model",
    "spm.model",  # DeBERTa-v3
    "sentencepiece.bpe.model",
    "tokenizer.model",
)
NLI_LABELS: frozenset[str] = frozenset({"entailment", "neutral", "contradiction"})


def safetensors_problem(path: Path) -> str | None:
    """A safetensors file whose size is not what its header says (a download or copy cut short), or None."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        head = handle.read(8)
        if len(head) < 8:
            return f"{path}: {size} bytes, not a safetensors file (cut short?)"
        header_size = int.from_bytes(head, "little")
        if header_size <= 0 or 8 + header_size > size:
            return f"{path}: its header says {header_size} bytes but the file has {size}: cut short; download again"
        try:
            header = json.loads(handle.read(header_size))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return f"{path}: unreadable safetensors header (cut short or corrupt); download again"
    ends = [t["data_offsets"][1] for k, t in header.items() if k != "__metadata__" and isinstance(t, dict)]
    expected = 8 + header_size + max(ends, default=0)
    if size != expected:
        return f"{path}: {size} bytes but its header needs {expected}: cut short or corrupt; download again"
    return None


def weights_problem(path: Path) -> str | None:
    """A weights file present but unusable: a safetensors or zip (.bin) file cut short, a missing shard."""
    import zipfile

    for name in ("model.safetensors", "pytorch_model.bin"):
        weights = path / name
        if not weights.is_file():
            continue
        if name.endswith(".safetensors"):
            return safetensors_problem(weights)
        if zipfile.is_zipfile(weights):
            return None
        return f"{weights}: not a complete PyTorch archive (cut short?); download again"
    for name in ("model.safetensors.index.json", "pytorch_model.bin.index.json"):
        index = path / name
        if index.is_file():
            try:
                shards = sorted(set(json.loads(index.read_text())["weight_map"].values()))
            except (OSError, json.JSONDecodeError, KeyError, AttributeError) as err:
                return f"{index}: not a readable shard index ({err})"
            missing = [shard for shard in shards if not (path / shard).is_file()]
            if missing:
                return f"{index}: shard(s) missing: {', '.join(missing)}; the download is incomplete"
    return None


def label_problem(config: dict, where: str) -> str | None:
    """A classifier head the project cannot read: label names other than the three NLI labels (in any order, any
    case), or another count of them. Generic names (LABEL_0, ...) mean an untrained head, which gets ours."""
    id2label = config.get("id2label") or {}
    names = [str(v) for _, v in sorted(id2label.items(), key=lambda kv: int(kv[0]))]
    if not names or all(re.fullmatch(r"LABEL_\d+", n) for n in names):
        return None
    if len(names) == 3 and {n.lower() for n in names} == NLI_LABELS:
        return None
    return (
        f"{where}: its classifier head has {len(names)} label(s) {names}, not entailment, neutral and "
        "contradiction; use an encoder without an NLI head, or a 3-way NLI checkpoint"
    )


def model_dir_problem(path: str | Path, max_length: int | None = None) -> str | None:
    """What is wrong with a local model directory for fine-tuning at `max_length`, or None: no config, no or cut
    weights, no tokenizer files, a head with other labels, or a max_length past the position limit."""
    path = Path(path)
    config_file = path / "config.json"
    if not config_file.is_file():
        return f"{path}: no config.json (is this a model directory saved with save_pretrained?)"
    if not any((path / name).is_file() for name in WEIGHT_FILES):
        return f"{path}: config.json but no weights ({', '.join(WEIGHT_FILES[::2])}); the download is incomplete"
    if not any((path / name).is_file() for name in TOKENIZER_FILES):
        return (
            f"{path}: no tokenizer files ({', '.join(TOKENIZER_FILES[:2])}, ...); transformers would build an empty "
            "tokenizer and every word would be [UNK]. Copy the tokenizer files beside the weights"
        )
    problem = weights_problem(path)
    if problem:
        return problem
    try:
        config = json.loads(config_file.read_text())
    except (OSError, json.JSONDecodeError) as err:
        return f"{path}/config.json: not readable JSON ({err})"
    problem = label_problem(config, str(path))
    if problem:
        return problem
    limit = config.get("max_position_embeddings")
    if max_length is not None and isinstance(limit, int) and max_length > limit:
        return f"model.max_length {max_length} is above {path}'s position limit {limit} (max_position_embeddings)"
    return None


def looks_like_a_path(name: str) -> bool:
    """A model name the user meant as a local path: absolute, ./ or ../, ~, deeper than owner/name, or whose first
    part is a folder here (`models/electra` beside a `models/` folder is a missing path, not a hub id)."""
    return (
        name.startswith(("/", "./", "../", "~"))
        or name.count("/") > 1
        or ("/" in name and Path(name.split("/")[0]).is_dir())
    )


HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")


def model_name_problem(name: str, key: str, max_length: int | None = None) -> str | None:
    """A configured model (`key`: model.name_or_path, analysis.llm.model) that cannot be used, as one config line:
    an existing directory that fails `model_dir_problem`, a path that does not exist, or neither a path nor a hub
    id. `embedded` and hub ids pass (a hub model is checked once downloaded, in its job)."""
    from nlirobust.names import EMBEDDED_ENCODERS

    name = str(name)
    if name in EMBEDDED_ENCODERS:
        return None
    if Path(name).exists():
        problem = model_dir_problem(name, max_length)
        return f"config: {key}: {problem}" if problem else None
    if looks_like_a_path(name):
        return f"config: {key}: '{name}' is no directory here (a local path that does not exist yet?)"
    if not HUB_ID.fullmatch(name):
        return f"config: {key}: '{name}' is neither an existing directory nor a hub id (owner/name)"
    return None
