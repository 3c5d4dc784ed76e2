"""Loaders for every data set the studies read, each returning the pair schema (`nlirobust.data.schema`).

Real sources: SNLI (`stanfordnlp/snli`) and MNLI (`nyu-mll/glue`, `mnli`) from the hub, saved with
`save_to_disk` by the download rule; ChaosNLI's `chaosNLI_*.jsonl`; and any local JSONL/CSV/TSV/Parquet file with
premise/hypothesis/label columns. Breaking NLI and HANS are declared sets (nlirobust/data/built_in_sets.py). The
embedded generator writes the same shapes.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import pandas as pd

from nlirobust.data.io import read_jsonl, read_table
from nlirobust.data.schema import DataFormatError, check_pairs
from nlirobust.labels import label_to_id

log = logging.getLogger(__name__)

# Column spellings of the real files, first match wins.
_ALIASES: dict[str, tuple[str, ...]] = {
    "premise": ("premise", "sentence1"),
    "hypothesis": ("hypothesis", "sentence2"),
    "label": ("label", "gold_label"),
    "id": ("id", "pairID", "uid", "idx"),
    "category": ("category", "genre"),
}
# SNLI marks pairs without a gold label as -1 (hub) or "-" (original jsonl): dropped and counted, not errors.
_NO_GOLD_LABEL = {-1, "-1", "-"}


def annotator_agreement(labels: object, where: str, field: str = "annotator_labels") -> tuple[int, int]:
    """(annotators, the votes of the most chosen label) from a list of label spellings ('neutral', 'n', 1).

    Empty strings (SNLI leaves unused annotator slots blank in some releases) are not votes.
    """
    if labels is None or (isinstance(labels, float) and math.isnan(labels)):
        return 0, 0
    if isinstance(labels, str) or not hasattr(labels, "__iter__"):
        raise DataFormatError(f"{where}: field '{field}' must be a list of labels, got {labels!r}")
    votes = []
    for label in labels:
        if isinstance(label, str) and not label.strip():
            continue
        try:
            votes.append(label_to_id(label))
        except ValueError as err:
            raise DataFormatError(f"{where}: field '{field}': {err}") from None
    return len(votes), (max(votes.count(k) for k in set(votes)) if votes else 0)


def _line_of(raw: pd.DataFrame, row_index: int) -> str:
    if "__line__" in raw.columns:
        return f":{raw['__line__'].iloc[row_index]}"
    return f" (row {row_index})"


def normalize_pairs(raw: pd.DataFrame, source: str, origin: str, id_prefix: str | None = None) -> pd.DataFrame:
    """Map a raw frame with real-file column names onto the pair schema.

    Rows without a gold label are dropped and counted (in `df.attrs["dropped_no_gold"]`); every other problem
    raises DataFormatError naming `origin` and the line.
    """
    columns: dict[str, str] = {}
    for field, spellings in _ALIASES.items():
        found = next((s for s in spellings if s in raw.columns), None)
        if found is not None:
            columns[field] = found
        elif field in ("premise", "hypothesis", "label"):
            raise DataFormatError(f"{origin}: missing field '{field}' (looked for: {', '.join(spellings)})")

    if raw.empty:
        raise DataFormatError(f"{origin}: file has a header but no pairs")
    # errors name the field as the file spells it (gold_label, sentence1), not as the schema does
    for field in ("premise", "hypothesis"):
        values = raw[columns[field]]
        missing = values.isna() | values.map(lambda v: not isinstance(v, str) or not v.strip())
        if missing.any():
            i = int(missing.to_numpy().nonzero()[0][0])
            what = "missing" if pd.isna(values.iloc[i]) else "empty"
            raise DataFormatError(f"{origin}{_line_of(raw, i)}: field '{columns[field]}' is {what}")

    raw_labels = raw[columns["label"]]
    if raw_labels.isna().any():
        i = int(raw_labels.isna().to_numpy().nonzero()[0][0])
        raise DataFormatError(f"{origin}{_line_of(raw, i)}: field '{columns['label']}' is missing")
    keep = ~raw_labels.map(lambda v: v in _NO_GOLD_LABEL or (isinstance(v, str) and v.strip() in _NO_GOLD_LABEL))
    labels: list[int] = []
    for i, value in enumerate(raw_labels):
        if not keep.iloc[i]:
            continue
        try:
            labels.append(label_to_id(value))
        except ValueError as err:
            raise DataFormatError(f"{origin}{_line_of(raw, i)}: field '{columns['label']}': {err}") from None
    if not labels:
        raise DataFormatError(f"{origin}: no pairs with a gold label ({len(raw)} without one)")

    if "id" in columns:
        ids = raw[columns["id"]].astype(str)
    else:
        prefix = id_prefix or source
        ids = pd.Series([f"{prefix}-{i}" for i in range(len(raw))], index=raw.index)
    df = pd.DataFrame(
        {
            "id": ids[keep].to_numpy(),
            "premise": raw.loc[keep, columns["premise"]].to_numpy(),
            "hypothesis": raw.loc[keep, columns["hypothesis"]].to_numpy(),
            "label": labels,
            "category": raw.loc[keep, columns["category"]].to_numpy() if "category" in columns else None,
            "source": source,
        }
    )
    if "annotator_labels" in raw.columns:  # SNLI/MNLI jsonl: 5 labels for validated pairs, 1 for the others
        agreement = [
            annotator_agreement(labels, f"{origin}{_line_of(raw, i)}")
            for i, labels in enumerate(raw["annotator_labels"])
            if keep.iloc[i]
        ]
        df["annotators"] = [a for a, _ in agreement]
        df["max_agreeing"] = [m for _, m in agreement]
    duplicated = df["id"].duplicated()
    if duplicated.any():
        i = int(keep.to_numpy().nonzero()[0][duplicated.to_numpy().nonzero()[0][0]])
        raise DataFormatError(f"{origin}{_line_of(raw, i)}: duplicate id {df['id'][duplicated].iloc[0]!r}")
    dropped = int((~keep).sum())
    if dropped:
        log.info("%s: dropped %d pair(s) without a gold label", origin, dropped)
    df = check_pairs(df, origin)
    df.attrs["dropped_no_gold"] = dropped
    return df


def load_pairs_file(path: str | Path, source: str, id_prefix: str | None = None) -> pd.DataFrame:
    """Any local JSONL/CSV/TSV/Parquet file with premise/hypothesis/label (or sentence1/sentence2/gold_label)."""
    return normalize_pairs(read_table(path), source=source, origin=str(path), id_prefix=id_prefix)


def load_hub_split(saved_dir: str | Path, split: str, source: str) -> pd.DataFrame:
    """One split of a hub data set saved by the download rule (`DatasetDict.save_to_disk`)."""
    import datasets  # heavy import, only where needed

    dataset_dict = datasets.load_from_disk(str(saved_dir))
    if split not in dataset_dict:
        raise DataFormatError(f"{saved_dir}: no split '{split}' (has: {', '.join(dataset_dict.keys())})")
    raw = dataset_dict[split].to_pandas()
    # Hub SNLI/MNLI carry no stable id: the row index in the published split is one.
    return normalize_pairs(raw, source=source, origin=f"{saved_dir}[{split}]", id_prefix=f"{source}-{split}")


def load_chaosnli(path: str | Path, source: str = "chaosnli") -> pd.DataFrame:
    """ChaosNLI `chaosNLI_{snli,mnli_m}.jsonl`: 100 annotations per pair, label lists ordered [e, n, c].

    Extra columns: `count_e`, `count_n`, `count_c` (annotations per label), `max_share` (percent of annotators
    behind the most chosen label), `annotators` and `max_agreeing` (of the original SNLI/MNLI annotators, from
    `old_labels`, which the real files spell as full words while `old_label` is a letter), `entropy`.
    """
    rows = read_jsonl(path)
    flat = []
    for row in rows:
        where = f"{path}:{row['__line__']}"
        for field in ("uid", "label_count", "majority_label", "example"):
            if field not in row:
                raise DataFormatError(f"{where}: missing field '{field}'")
        example = row["example"]
        if not isinstance(example, dict):
            raise DataFormatError(f"{where}: field 'example' must be an object with premise and hypothesis")
        counts = row["label_count"]
        if not (isinstance(counts, list) and len(counts) == 3 and all(isinstance(c, int) for c in counts)):
            raise DataFormatError(f"{where}: field 'label_count' must be three integers ordered [e, n, c]")
        if "label_counter" in row:
            counter = row["label_counter"]
            if not isinstance(counter, dict) or not all(isinstance(v, int) for v in counter.values()):
                raise DataFormatError(
                    f'{where}: field \'label_counter\' must be an object such as {{"e": 60, "n": 40}}'
                )
            votes = sum(counter.values())
            if sum(counts) != votes:
                raise DataFormatError(
                    f"{where}: field 'label_count' sums to {sum(counts)} but label_counter has {votes} annotations"
                )
        total = sum(counts)
        if total <= 0:
            raise DataFormatError(f"{where}: field 'label_count' has no annotations")
        annotators, max_agreeing = annotator_agreement(row.get("old_labels"), where, "old_labels")
        flat.append(
            {
                "uid": row["uid"],
                "premise": example.get("premise"),
                "hypothesis": example.get("hypothesis"),
                "label": row["majority_label"],
                "count_e": counts[0],
                "count_n": counts[1],
                "count_c": counts[2],
                "max_share": 100.0 * max(counts) / total,
                "annotators": annotators,
                "max_agreeing": max_agreeing,
                "entropy": row.get("entropy", math.nan),
                "__line__": row["__line__"],
            }
        )
    raw = pd.DataFrame(flat)
    df = normalize_pairs(raw, source=source, origin=str(path))
    # majority_label is always e/n/c, so no row was dropped and the order is the file's.
    for column in ("count_e", "count_n", "count_c", "max_share", "annotators", "max_agreeing", "entropy"):
        df[column] = raw[column].to_numpy()
    return df
