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

import re
import unicodedata
from pathlib import Path

import pandas as pd

from nlirobust.data.schema import DataFormatError

LEAKAGE_ACTIONS: tuple[str, ...] = ("exclude", "fail", "report")
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


def apply_leakage(
    train: pd.DataFrame, scored: dict[str, pd.DataFrame], action: str, what: str
) -> tuple[pd.DataFrame, dict]:
    """The training pairs to use under `action`, and the facts a run records (`overlap` in run.json).

    `what` names the training side in messages. Raises DataFormatError under `fail` when any pair overlaps, and
    under `exclude` when nothing would be left.
    """
    if action not in LEAKAGE_ACTIONS:
        raise ValueError(f"leakage: '{action}' is not one of {', '.join(LEAKAGE_ACTIONS)}")
    mask, per_set = overlap_mask(train, scored)
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


def overlap_table(train_sets: dict[str, str | Path], scored_sets: dict[str, str | Path], action: str) -> pd.DataFrame:
    """Pairs of every training source that also sit in every scored set (rows: train_set x scored_set)."""
    scored = {name: pd.read_parquet(path, columns=["premise", "hypothesis"]) for name, path in scored_sets.items()}
    rows = []
    for train_name, path in train_sets.items():
        train = pd.read_parquet(path, columns=["premise", "hypothesis"])
        _, per_set = overlap_mask(train, scored)
        for scored_name, count in per_set.items():
            rows.append(
                {
                    "train_set": train_name,
                    "scored_set": scored_name,
                    "train_pairs": len(train),
                    "scored_pairs": len(scored[scored_name]),
                    "overlapping": count,
                    "action": action if count else "",
                }
            )
    return pd.DataFrame(rows)
