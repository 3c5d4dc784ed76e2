"""Turn a data set's raw source (generated folder, hub snapshot, download or user path) into pair-schema Parquet."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from nlirobust.data.loaders import load_breaking_nli, load_chaosnli, load_hub_split, load_pairs_file
from nlirobust.data.schema import DataFormatError
from nlirobust.names import SPLITS

log = logging.getLogger(__name__)

_LOCAL_SUFFIXES = (".jsonl", ".json", ".csv", ".tsv", ".parquet")


def _find_file(folder: Path, names: list[str]) -> Path:
    for name in names:
        for suffix in ("",) + _LOCAL_SUFFIXES:
            candidate = folder / f"{name}{suffix}"
            if candidate.is_file():
                return candidate
    # downloads unpack into subfolders; look one level down too
    for name in names:
        found = sorted(folder.rglob(f"{name}*"))
        found = [f for f in found if f.is_file() and f.suffix in _LOCAL_SUFFIXES]
        if found:
            return found[0]
    raise DataFormatError(f"{folder}: no file for {' or '.join(names)} (expected one of {', '.join(_LOCAL_SUFFIXES)})")


def load_split(dataset: str, split: str, raw: str | Path) -> pd.DataFrame:
    """One split of `dataset` from its raw source, in the pair schema."""
    raw = Path(raw)
    if not raw.exists():
        raise DataFormatError(f"{raw}: no such file or folder (data.{dataset} in the config)")
    if dataset == "breaking_nli":
        path = raw if raw.is_file() else _find_file(raw, ["dataset"])
        return load_breaking_nli(path)
    if dataset == "chaosnli":
        path = raw if raw.is_file() else _find_file(raw, [f"chaosNLI_{split}"])
        return load_chaosnli(path, source=f"chaosnli_{split}")
    if (raw / "dataset_dict.json").exists():  # a hub snapshot saved by the download rule
        return load_hub_split(raw, split, source=dataset)
    path = raw if raw.is_file() else _find_file(raw, [split])
    return load_pairs_file(path, source=dataset, id_prefix=f"{dataset}-{split}")


def prepare_dataset(dataset: str, raw: str | Path, out_dir: str | Path) -> dict[str, dict]:
    """Write results/data/{dataset}/{split}.parquet for every split; return per-split counts.

    Every split is read and checked before the first file is written, so bad input leaves nothing behind.
    """
    from nlirobust.data.io import write_parquet

    frames = {split: load_split(dataset, split, raw) for split in SPLITS[dataset]}
    counts = {}
    for split, frame in frames.items():
        write_parquet(frame, Path(out_dir) / f"{split}.parquet")
        counts[split] = {
            "pairs": len(frame),
            "dropped_no_gold_label": frame.attrs.get("dropped_no_gold", 0),
            "labels": {int(k): int(v) for k, v in frame["label"].value_counts().sort_index().items()},
        }
        log.info(
            "%s/%s: %d pairs (%d without gold label dropped)",
            dataset,
            split,
            len(frame),
            counts[split]["dropped_no_gold_label"],
        )
    return counts
