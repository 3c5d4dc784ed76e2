"""Shared fixtures: a small embedded data set and a tiny model, built once per test session, offline."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))


@pytest.fixture(scope="session")
def small_data(tmp_path_factory) -> dict[str, Path]:
    """Embedded data at test size, prepared into pair-schema Parquet: {'snli_train': path, ...}."""
    from nlirobust.data.prepare import prepare_dataset
    from nlirobust.embedded.data import EmbeddedSizes, write_embedded_data

    root = tmp_path_factory.mktemp("small_data")
    sizes = EmbeddedSizes(
        snli_train=1500,
        snli_validation=200,
        snli_test=200,
        mnli_train=300,
        mnli_validation=100,
        chaosnli=50,
        breaking_nli_scale=0.05,
    )
    write_embedded_data(root / "raw", seed=3, sizes=sizes)
    paths = {}
    for dataset in ("snli", "mnli", "breaking_nli", "chaosnli"):
        prepare_dataset(dataset, root / "raw" / dataset, root / "data" / dataset)
        for split_file in (root / "data" / dataset).glob("*.parquet"):
            paths[f"{dataset}_{split_file.stem}"] = split_file
    return paths


@pytest.fixture(scope="session")
def tiny_model(small_data, tmp_path_factory) -> Path:
    """A freshly built tiny ELECTRA (tokenizer trained on the small SNLI-shaped training set)."""
    import pandas as pd

    from nlirobust.embedded.model import save_embedded_model

    train = pd.read_parquet(small_data["snli_train"])
    out = tmp_path_factory.mktemp("tiny_model") / "model"
    save_embedded_model(out, train["premise"].tolist() + train["hypothesis"].tolist(), vocab_size=500, max_length=64)
    return out
