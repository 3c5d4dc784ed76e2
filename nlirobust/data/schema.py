"""The pair schema every loader returns and every later step reads.

Columns: `id` (str, unique), `premise` (str), `hypothesis` (str), `label` (int: 0 entailment, 1 neutral,
2 contradiction), `category` (str or missing), `source` (str). Loaders may add extra columns after these
(ChaosNLI label counts, for instance); nothing downstream depends on their presence.
"""

from __future__ import annotations

import pandas as pd

PAIR_COLUMNS: tuple[str, ...] = ("id", "premise", "hypothesis", "label", "category", "source")


class DataFormatError(ValueError):
    """Input data that does not have the expected shape; the message names file, line or field."""


def check_pairs(df: pd.DataFrame, origin: str) -> pd.DataFrame:
    """Validate a frame against the pair schema and return it with the schema columns first."""
    missing = [c for c in PAIR_COLUMNS if c not in df.columns]
    if missing:
        raise DataFormatError(f"{origin}: missing column(s) {', '.join(missing)}")
    if df.empty:
        raise DataFormatError(f"{origin}: no pairs left to use")
    duplicated = df["id"][df["id"].duplicated()]
    if not duplicated.empty:
        raise DataFormatError(f"{origin}: duplicate id {duplicated.iloc[0]!r} ({duplicated.size} duplicates)")
    for field in ("premise", "hypothesis"):
        blank = df[field].isna() | (df[field].astype(str).str.strip() == "")
        if blank.any():
            first = df.loc[blank, "id"].iloc[0]
            raise DataFormatError(f"{origin}: id {first!r}: field '{field}' is empty")
    bad_label = ~df["label"].isin([0, 1, 2])
    if bad_label.any():
        first = df.loc[bad_label].iloc[0]
        raise DataFormatError(f"{origin}: id {first['id']!r}: label {first['label']!r} is not 0, 1 or 2")
    extras = [c for c in df.columns if c not in PAIR_COLUMNS]
    out = df[list(PAIR_COLUMNS) + extras].reset_index(drop=True)
    out["id"] = out["id"].astype(str)
    out["label"] = out["label"].astype("int64")
    return out
