"""Turning pair frames into tokenised datasets that a `DataCollatorWithPadding` batches (dynamic padding)."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from pathlib import Path

import pandas as pd

log = logging.getLogger(__name__)


def encode_pairs(pairs: pd.DataFrame, tokenizer, max_length: int, cache_dir: str | Path | None = None):
    """A `datasets.Dataset` with input_ids, token_type_ids, attention_mask and labels, in the frame's order.

    No padding here: batches are padded to their longest member by the collator. With `cache_dir`, the result is
    stored under a key of (the pairs, the tokenizer, max_length) and later calls with the same three load it
    instead of tokenising again: one tokenisation per data set and tokenizer, whichever job asks first.
    """
    import datasets

    if cache_dir is not None:
        key = tokenization_key(pairs, tokenizer, max_length)
        cached = Path(cache_dir) / key
        if cached.exists():
            log.info("tokenised pairs from the cache: %s", cached)
            return datasets.load_from_disk(str(cached))
    encoded = tokenizer(
        pairs["premise"].tolist(),
        pairs["hypothesis"].tolist(),
        truncation=True,
        max_length=max_length,
    )
    columns = {key: encoded[key] for key in ("input_ids", "token_type_ids", "attention_mask") if key in encoded}
    columns["labels"] = pairs["label"].astype("int64").tolist()
    dataset = datasets.Dataset.from_dict(columns)
    if cache_dir is not None:
        # written beside, then renamed: a job reading the cache never sees half of it
        tmp = cached.with_name(f".{key}.{id(dataset)}.tmp")
        dataset.save_to_disk(str(tmp))
        try:
            tmp.rename(cached)
        except OSError:  # another job stored the same key first
            shutil.rmtree(tmp, ignore_errors=True)
        dataset = datasets.load_from_disk(str(cached))
    return dataset


def tokenization_key(pairs: pd.DataFrame, tokenizer, max_length: int) -> str:
    """A digest of the texts and labels, the tokenizer's full definition and max_length."""
    digest = hashlib.sha256()
    for column in ("premise", "hypothesis", "label"):
        digest.update(pd.util.hash_pandas_object(pairs[column], index=False).to_numpy().tobytes())
    # the definition without its truncation/padding state, which the last call to the tokenizer left there
    definition = json.loads(tokenizer.backend_tokenizer.to_str())
    definition.pop("truncation", None)
    definition.pop("padding", None)
    digest.update(json.dumps(definition, sort_keys=True).encode())
    digest.update(f"{max_length}".encode())
    return digest.hexdigest()[:32]
