"""Checks of a model directory that need no heavy import, so the workflow can run them while it plans.

A model folder with a config but no weights, or a `max_length` past the model's position limit, would otherwise
fail inside a GPU job after hours in the queue (or, for the weights, train a randomly initialised encoder).
"""

from __future__ import annotations

import json
from pathlib import Path

WEIGHT_FILES: tuple[str, ...] = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)


def model_dir_problem(path: str | Path, max_length: int | None = None) -> str | None:
    """What is wrong with a local model directory for fine-tuning at `max_length`, or None."""
    path = Path(path)
    config_file = path / "config.json"
    if not config_file.is_file():
        return f"{path}: no config.json (is this a model directory saved with save_pretrained?)"
    if not any((path / name).is_file() for name in WEIGHT_FILES):
        return f"{path}: config.json but no weights ({', '.join(WEIGHT_FILES[::2])}); the download is incomplete"
    try:
        config = json.loads(config_file.read_text())
    except (OSError, json.JSONDecodeError) as err:
        return f"{path}/config.json: not readable JSON ({err})"
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
