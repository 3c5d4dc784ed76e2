"""Turn a data set's raw source (generated folder, hub snapshot, download or user path) into pair-schema Parquet."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from nlirobust.data import declared
from nlirobust.data.built_in_sets import BUILT_IN_DECLARATIONS, FILE_NAMES, HUB_DECLARATIONS, built_in_declaration
from nlirobust.data.loaders import load_chaosnli, load_hub_split, load_pairs_file
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


def _ambiguous(folder: Path, names: tuple[str, ...] | list[str], found: list[Path]) -> DataFormatError:
    return DataFormatError(
        f"{folder}: {len(found)} files for {' or '.join(names)}: {', '.join(map(str, found))}; remove or rename all "
        "but one, or point the config's path at the folder that holds the one you mean"
    )


def _without_release_twins(found: list[Path]) -> list[Path]:
    """The SNLI and MNLI releases ship every split twice, as `.jsonl` and as a tab-separated `.txt` with the same
    pairs: such a `.txt` beside its `.jsonl` is no second candidate (the `.jsonl` is read)."""
    return [f for f in found if not (f.suffix == ".txt" and f.with_suffix(".jsonl") in found)]


def _find_file(folder: Path, names: tuple[str, ...] | list[str]) -> Path:
    """The one file in `folder` named like a split (any of `names`, any known suffix), else the one in its
    subfolders (an unpacked download); two candidates at the same depth are refused, naming both."""
    here = _without_release_twins([
        folder / f"{name}{suffix}"
        for name in names
        for suffix in ("",) + _LOCAL_SUFFIXES
        if (folder / f"{name}{suffix}").is_file()
    ])  # fmt: skip
    if len(here) > 1:
        raise _ambiguous(folder, names, here)
    if here:
        return here[0]
    # downloads unpack into subfolders; look further down too, for the exact names only
    below = _without_release_twins(
        sorted(f for f in folder.rglob("*") if f.is_file() and f.suffix in _LOCAL_SUFFIXES and f.stem in names)
    )
    if len(below) > 1:
        raise _ambiguous(folder, names, below)
    if below:
        return below[0]
    raise DataFormatError(f"{folder}: no file for {' or '.join(names)} (expected one of {', '.join(_LOCAL_SUFFIXES)})")


def split_file(dataset: str, split: str, raw: Path) -> Path | None:
    """The file one split of `dataset` is read from (None: a hub snapshot, read by split name)."""
    if dataset in BUILT_IN_DECLARATIONS:  # one evaluation set: a file is fine
        if (raw / "dataset_dict.json").exists() and dataset in HUB_DECLARATIONS:
            return None
        return raw if raw.is_file() else _find_file(raw, [FILE_NAMES[dataset]])
    if raw.is_file():  # one file cannot be several splits: scored on its own training data otherwise
        raise DataFormatError(
            f"{raw}: data.{dataset}.path is one file, but {dataset} needs {FOLDER_LAYOUT[dataset]}; give that "
            f"folder, or add `split: {{validation: 0.1, test: 0.1}}` to cut this file (see README, Data layouts)"
        )
    if dataset == "chaosnli":
        return _find_file(raw, [f"chaosNLI_{split}"])
    if (raw / "dataset_dict.json").exists():  # a hub snapshot saved by the download rule
        return None
    return _find_file(raw, SPLIT_FILE_NAMES[split])


def load_split(dataset: str, split: str, raw: str | Path) -> pd.DataFrame:
    """One split of `dataset` from its raw source (a folder, or Breaking NLI's single file), in the pair schema."""
    raw = Path(raw)
    if not raw.exists():
        raise DataFormatError(f"{raw}: no such file or folder (data.{dataset} in the config)")
    path = split_file(dataset, split, raw)
    if dataset in BUILT_IN_DECLARATIONS:
        return load_declared_set(path or raw, built_in_declaration(dataset, path or raw))
    if dataset == "chaosnli":
        return load_chaosnli(path, source=f"chaosnli_{split}")
    if path is None:
        return load_hub_split(raw, split, source=dataset)
    return load_pairs_file(path, source=dataset, id_prefix=f"{dataset}-{split}")


def load_declared_set(raw: Path, decl: declared.Declaration) -> pd.DataFrame:
    """A declared set (the config's, or a built-in one) in the pair schema; its errors as DataFormatError."""
    try:
        return declared.load_declared(raw, decl)
    except declared.DeclarationError as err:
        raise DataFormatError(str(err)) from None


def warn_of_split_folders(dataset: str, raw: str | Path, splits: list[str]) -> None:
    """One warning line when a data set's splits come from different folders (two downloads unpacked side by
    side, say): allowed, but never without saying so."""
    raw = Path(raw)
    if not raw.is_dir():
        return
    files = {split: split_file(dataset, split, raw) for split in splits}
    folders = {path.parent for path in files.values() if path is not None}
    if len(folders) > 1:
        log.warning(
            "%s: the splits of %s come from different folders: %s",
            raw,
            dataset,
            ", ".join(f"{split} from {path.parent}" for split, path in files.items() if path is not None),
        )


CONFLICTS = ("keep", "drop", "fail")


def conflicting_duplicates(frame: pd.DataFrame) -> pd.Series:
    """Rows whose pair (premise and hypothesis, normalised as the leakage check does) appears in the split again
    with another label. The same pair twice with the same label (as real SNLI dev has) is no conflict."""
    from nlirobust.overlap import pair_keys

    keys = pair_keys(frame)
    labels_per_pair = frame.groupby(keys)["label"].transform("nunique")
    return labels_per_pair > 1


def apply_conflicts(frame: pd.DataFrame, origin: str, action: str) -> pd.DataFrame:
    """`data.conflicting_duplicates`: keep (with one warning line), drop every copy of such pairs, or fail."""
    conflicting = conflicting_duplicates(frame)
    count = int(conflicting.sum())
    frame.attrs["conflicting_duplicates"] = count
    if not count:
        return frame
    examples = ", ".join(map(repr, frame.loc[conflicting, "id"].head(2)))
    if action == "fail":
        raise DataFormatError(
            f"{origin}: {count} rows hold a pair that appears again with another label (e.g. ids {examples}); "
            "data.conflicting_duplicates: fail"
        )
    if action == "drop":
        log.warning("%s: dropped %d rows whose pair appears with two labels (e.g. ids %s)", origin, count, examples)
        kept = frame[~conflicting].reset_index(drop=True)
        kept.attrs = dict(frame.attrs)
        return kept
    log.warning(
        "%s: %d rows hold a pair that appears again with another label (e.g. ids %s); kept "
        "(data.conflicting_duplicates: keep; drop or fail to change that)",
        origin,
        count,
        examples,
    )
    return frame


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
    conflicts: str = "keep",
    declaration: dict | None = None,
) -> dict[str, dict]:
    """Write results/data/{dataset}/{split}.parquet for every split; return per-split counts.

    `splits` defaults to all of the data set's splits; `shares` cuts one file into them (data.{dataset}.split);
    `conflicts` is what happens to a pair that appears with two labels in one split (keep, drop, fail);
    `declaration`: `data.<name>` of a set declared in the config (nlirobust/data/declared.py), its one split.
    Every split is read and checked before the first file is written, so bad input leaves nothing behind.
    """
    if conflicts not in CONFLICTS:
        raise DataFormatError(f"data.conflicting_duplicates: {conflicts!r} is not one of {', '.join(CONFLICTS)}")
    if declaration is not None:
        decl = declared.declaration(dataset, declaration)
        return write_prepared(dataset, {decl.split: load_declared_set(raw, decl)}, out_dir, conflicts)
    splits = list(splits or SPLITS[dataset])
    if shares:
        if not Path(raw).is_file():
            raise DataFormatError(f"{raw}: data.{dataset}.split cuts one file, but this is a folder")
        frames = split_one_file(dataset, raw, splits, shares)
    else:
        warn_of_split_folders(dataset, raw, splits)
        frames = {split: load_split(dataset, split, raw) for split in splits}
    return write_prepared(dataset, frames, out_dir, conflicts)


def write_prepared(dataset: str, frames: dict, out_dir: str | Path, conflicts: str) -> dict[str, dict]:
    """Apply the conflicting-duplicates rule to every split, then write each and return the per-split counts."""
    from nlirobust.data.io import write_parquet

    frames = {split: apply_conflicts(frame, f"{dataset}/{split}", conflicts) for split, frame in frames.items()}
    counts = {}
    for split, frame in frames.items():
        write_parquet(frame, Path(out_dir) / f"{split}.parquet")
        counts[split] = {
            "pairs": len(frame),
            "dropped_no_gold_label": frame.attrs.get("dropped_no_gold", 0),
            "conflicting_duplicates": frame.attrs.get("conflicting_duplicates", 0),
            "conflicting_duplicates_action": conflicts,
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
