"""Turn a data set's raw source (generated folder, hub snapshot, download or user path) into pair-schema Parquet."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from nlirobust.data.loaders import (
    load_breaking_nli,
    load_chaosnli,
    load_hans,
    load_hans_hub,
    load_hub_split,
    load_pairs_file,
)
from nlirobust.data.schema import DataFormatError
from nlirobust.names import SPLITS

log = logging.getLogger(__name__)

_LOCAL_SUFFIXES = (".jsonl", ".json", ".csv", ".tsv", ".parquet", ".txt")  # .txt: HANS's tab-separated file
# File names (without suffix) each split may have in a folder: ours first, then the original distributions'.
SPLIT_FILE_NAMES: dict[str, tuple[str, ...]] = {
    "train": ("train", "snli_1.0_train", "multinli_1.0_train"),
    "validation": ("validation", "dev", "snli_1.0_dev"),
    "test": ("test", "snli_1.0_test"),
    "validation_matched": ("validation_matched", "dev_matched", "multinli_1.0_dev_matched"),
    "validation_mismatched": ("validation_mismatched", "dev_mismatched", "multinli_1.0_dev_mismatched"),
}
FOLDER_LAYOUT: dict[str, str] = {
    "snli": "a folder with train, validation (or dev) and test files (.jsonl/.csv/.tsv/.parquet)",
    "mnli": "a folder with train, validation_matched (or dev_matched) and, if evaluated, validation_mismatched files",
    "chaosnli": "a folder with chaosNLI_snli.jsonl and chaosNLI_mnli_m.jsonl",
}


def _find_file(folder: Path, names: tuple[str, ...] | list[str]) -> Path:
    for name in names:
        for suffix in ("",) + _LOCAL_SUFFIXES:
            candidate = folder / f"{name}{suffix}"
            if candidate.is_file():
                return candidate
    # downloads unpack into subfolders; look further down too, for the exact names only
    for name in names:
        found = sorted(f for f in folder.rglob("*") if f.is_file() and f.suffix in _LOCAL_SUFFIXES and f.stem == name)
        if found:
            return found[0]
    raise DataFormatError(f"{folder}: no file for {' or '.join(names)} (expected one of {', '.join(_LOCAL_SUFFIXES)})")


def load_split(dataset: str, split: str, raw: str | Path) -> pd.DataFrame:
    """One split of `dataset` from its raw source (a folder, or Breaking NLI's single file), in the pair schema."""
    raw = Path(raw)
    if not raw.exists():
        raise DataFormatError(f"{raw}: no such file or folder (data.{dataset} in the config)")
    if dataset == "breaking_nli":
        path = raw if raw.is_file() else _find_file(raw, ["dataset"])
        return load_breaking_nli(path)
    if dataset == "hans":  # one evaluation set: a file is fine
        if (raw / "dataset_dict.json").exists():
            return load_hans_hub(raw)
        return load_hans(raw if raw.is_file() else _find_file(raw, ["heuristics_evaluation_set"]))
    if raw.is_file():  # one file cannot be several splits: scored on its own training data otherwise
        raise DataFormatError(
            f"{raw}: data.{dataset}.path is one file, but {dataset} needs {FOLDER_LAYOUT[dataset]}; give that "
            f"folder, or add `split: {{validation: 0.1, test: 0.1}}` to cut this file (see README, Data layouts)"
        )
    if dataset == "chaosnli":
        return load_chaosnli(_find_file(raw, [f"chaosNLI_{split}"]), source=f"chaosnli_{split}")
    if (raw / "dataset_dict.json").exists():  # a hub snapshot saved by the download rule
        return load_hub_split(raw, split, source=dataset)
    return load_pairs_file(_find_file(raw, SPLIT_FILE_NAMES[split]), source=dataset, id_prefix=f"{dataset}-{split}")


def split_one_file(dataset: str, path: str | Path, splits: list[str], shares: dict) -> dict[str, pd.DataFrame]:
    """Cut one file into `splits` by a seeded shuffle: each share in `shares` (validation: 0.1, ...), rest train."""
    if dataset not in ("snli", "mnli"):
        raise DataFormatError(f"data.{dataset}.split: only snli and mnli can be cut from one file")
    held_out = [s for s in splits if s != "train"]
    missing = [s for s in held_out if s not in shares]
    if missing:
        raise DataFormatError(f"data.{dataset}.split: give a share for {', '.join(missing)} (e.g. {missing[0]}: 0.1)")
    unknown = [s for s in shares if s != "seed" and s not in splits]
    if unknown:
        raise DataFormatError(f"data.{dataset}.split: {', '.join(unknown)} is not a split of {dataset} here")
    if sum(shares[s] for s in held_out) >= 1:
        raise DataFormatError(f"data.{dataset}.split: the shares leave nothing to train on")
    pairs = load_pairs_file(path, source=dataset, id_prefix=dataset)
    order = pairs.sample(frac=1.0, random_state=int(shares.get("seed", 0))).index
    frames, start = {}, 0
    for split in held_out:
        size = int(round(shares[split] * len(pairs)))
        frames[split] = pairs.loc[sorted(order[start : start + size])].reset_index(drop=True)
        start += size
    frames["train"] = pairs.loc[sorted(order[start:])].reset_index(drop=True)
    for split, frame in frames.items():
        if frame.empty:
            raise DataFormatError(f"{path}: split '{split}' of {len(pairs)} pairs is empty; give a larger share")
        frame.attrs["dropped_no_gold"] = pairs.attrs.get("dropped_no_gold", 0) if split == "train" else 0
    return {split: frames[split] for split in splits}


def prepare_dataset(
    dataset: str,
    raw: str | Path,
    out_dir: str | Path,
    splits: list[str] | None = None,
    shares: dict | None = None,
) -> dict[str, dict]:
    """Write results/data/{dataset}/{split}.parquet for every split; return per-split counts.

    `splits` defaults to all of the data set's splits; `shares` cuts one file into them (data.{dataset}.split).
    Every split is read and checked before the first file is written, so bad input leaves nothing behind.
    """
    from nlirobust.data.io import write_parquet

    splits = list(splits or SPLITS[dataset])
    if shares:
        if not Path(raw).is_file():
            raise DataFormatError(f"{raw}: data.{dataset}.split cuts one file, but this is a folder")
        frames = split_one_file(dataset, raw, splits, shares)
    else:
        frames = {split: load_split(dataset, split, raw) for split in splits}
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
