"""Leakage between what a model trains or tunes on and what it is scored on.

Two pairs are the same pair when their normalised premise and hypothesis are equal (Unicode NFKC, case folded,
runs of whitespace made one space, ends stripped). ChaosNLI's pairs are SNLI's and MNLI's development pairs, so
tuning on them and scoring on those sets is the textbook case; SNLI's own train and test share a few pairs too.

What happens to overlapping training pairs is the `leakage` setting:
  exclude  drop them from the training or tuning side and count them (the default)
  fail     refuse to train, naming the sets
  report   keep them; the run records how many, and every table marks the cells computed on such data
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from pathlib import Path

import pandas as pd

from nlirobust.data.schema import DataFormatError

LEAKAGE_ACTIONS: tuple[str, ...] = ("exclude", "fail", "report")
log = logging.getLogger(__name__)
_SPACES = re.compile(r"\s+")


def scored_set_name(path: str | Path) -> str:
    """snli/test for results/data/snli/test.parquet (a prepared split)."""
    path = Path(path)
    return f"{path.parent.name}/{path.stem}"


def normalise_text(text: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", str(text)).casefold()).strip()


def pair_keys(pairs: pd.DataFrame, hypothesis: str = "hypothesis") -> pd.Series:
    """One key per pair: normalised premise and hypothesis, joined by a tab (which normalising never leaves)."""
    return pairs["premise"].map(normalise_text) + "\t" + pairs[hypothesis].map(normalise_text)


def overlap_mask(train: pd.DataFrame, scored: dict[str, pd.DataFrame]) -> tuple[pd.Series, dict[str, int]]:
    """Which training pairs also sit in a scored set, and how many training pairs overlap each set."""
    keys = pair_keys(train)
    mask = pd.Series(False, index=train.index)
    per_set = {}
    for name, frame in scored.items():
        hit = keys.isin(set(pair_keys(frame)))
        per_set[name] = int(hit.sum())
        mask |= hit
    return mask, per_set


def apply_leakage_list(train: pd.DataFrame, listing: pd.DataFrame, action: str, what: str) -> tuple[pd.DataFrame, dict]:
    """apply_leakage with the source's leakage list (data_overlap) in place of the scored sets themselves."""
    keys = pair_keys(train)
    mask = keys.isin(set(listing["key"]))
    per_set: dict[str, int] = {}
    sets_of = dict(zip(listing["key"], listing["sets"], strict=True))
    for key in keys[mask]:
        for name in sets_of[key].split(","):
            per_set[name] = per_set.get(name, 0) + 1
    return leakage_facts(train, mask, dict(sorted(per_set.items())), action, what)


def apply_leakage(
    train: pd.DataFrame, scored: dict[str, pd.DataFrame], action: str, what: str
) -> tuple[pd.DataFrame, dict]:
    """The training pairs to use under `action`, and the facts a run records (`overlap` in run.json)."""
    mask, per_set = overlap_mask(train, scored)
    return leakage_facts(train, mask, per_set, action, what)


def leakage_facts(
    train: pd.DataFrame, mask: pd.Series, per_set: dict[str, int], action: str, what: str
) -> tuple[pd.DataFrame, dict]:
    """The training pairs left under `action` given which overlap (`mask`) and how many per scored set.

    `what` names the training side in messages. Raises DataFormatError under `fail` when any pair overlaps, and
    under `exclude` when nothing would be left.
    """
    if action not in LEAKAGE_ACTIONS:
        raise ValueError(f"leakage: '{action}' is not one of {', '.join(LEAKAGE_ACTIONS)}")
    overlapping = int(mask.sum())
    facts = {"action": action, "train_pairs": len(train), "overlapping": overlapping, "by_set": per_set}
    named = ", ".join(f"{name} ({n})" for name, n in per_set.items() if n) or "none"
    if overlapping and action == "fail":
        raise DataFormatError(
            f"{what}: {overlapping} of {len(train)} training pairs also sit in sets the model is scored on: {named} "
            "(leakage: fail; use exclude to drop them or report to keep and mark them)"
        )
    if action == "exclude":
        if overlapping == len(train):
            raise DataFormatError(
                f"{what}: every one of its {len(train)} pairs also sits in a scored set ({named}); nothing is left "
                "to train on under leakage: exclude (score on other sets, or set leakage: report to keep and mark them)"
            )
        facts["dropped"] = overlapping
        facts["kept_overlapping"] = 0
        return train[~mask], facts
    facts["dropped"] = 0
    facts["kept_overlapping"] = overlapping
    return train, facts


def write_leakage_lists(
    train_sets: dict[str, str | Path], scored_sets: dict[str, str | Path], action: str, lists: list[str | Path]
) -> pd.DataFrame:
    """The overlap table (rows: training source x scored set, the pairs they share), and per training source its
    leakage list (results/data/leakage/<source>.jsonl: each shared pair's key and the scored sets holding it),
    which the training jobs on that source read instead of every scored set: adding a set that shares no pair with
    a source leaves its list, and the runs trained on it, as they are. One pass: every file is read and keyed once.
    """
    from nlirobust.data.io import atomic_path

    scored_keys, scored_sizes = {}, {}
    for name, path in scored_sets.items():
        keys = pair_keys(pd.read_parquet(path, columns=["premise", "hypothesis"]))
        scored_keys[name], scored_sizes[name] = set(keys), len(keys)
    rows = []
    for (train_name, path), out in zip(train_sets.items(), lists, strict=True):
        keys = pair_keys(pd.read_parquet(path, columns=["premise", "hypothesis"]))
        sets_of: dict[str, list[str]] = {}
        for scored_name, held in scored_keys.items():
            hit = keys.isin(held)
            count = int(hit.sum())
            rows.append(
                {
                    "train_set": train_name,
                    "scored_set": scored_name,
                    "train_pairs": len(keys),
                    "scored_pairs": scored_sizes[scored_name],
                    "overlapping": count,
                    "action": action if count else "",
                }
            )
            for key in set(keys[hit]):
                sets_of.setdefault(key, []).append(scored_name)
        # JSON lines, sorted: the same pairs give the same bytes whatever the library versions (its digest is part
        # of every run's fingerprint and is compared while planning)
        text = "".join(
            json.dumps([key, ",".join(sorted(sets_of[key]))], ensure_ascii=False) + "\n" for key in sorted(sets_of)
        )
        if Path(out).exists() and Path(out).read_text(encoding="utf-8") != text:
            log.warning(
                "%s: the pairs scored sets share with it changed (%d now): the runs trained on it train again on the "
                "workflow's next run (see `snakemake -n`)",
                train_name,
                len(sets_of),
            )
        log.info("%s: %d pair(s) shared with scored sets -> %s", train_name, len(sets_of), out)
        with atomic_path(out) as tmp:
            tmp.write_text(text, encoding="utf-8")
    return pd.DataFrame(rows)


def read_leakage_list(path: str | Path) -> pd.DataFrame:
    """A leakage list written by write_leakage_lists: columns key, sets."""
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line]
    return pd.DataFrame(rows, columns=["key", "sets"])
