"""Turning pair frames into tokenised datasets that a `DataCollatorWithPadding` batches (dynamic padding)."""

from __future__ import annotations

import pandas as pd


def encode_pairs(pairs: pd.DataFrame, tokenizer, max_length: int):
    """A `datasets.Dataset` with input_ids, token_type_ids, attention_mask and labels, in the frame's order.

    No padding here: batches are padded to their longest member by the collator.
    """
    import datasets

    encoded = tokenizer(
        pairs["premise"].tolist(),
        pairs["hypothesis"].tolist(),
        truncation=True,
        max_length=max_length,
    )
    columns = {key: encoded[key] for key in ("input_ids", "token_type_ids", "attention_mask") if key in encoded}
    columns["labels"] = pairs["label"].astype("int64").tolist()
    return datasets.Dataset.from_dict(columns)
