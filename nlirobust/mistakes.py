"""The mistaken-examples study: which training examples a model keeps getting wrong, and what to tune on.

Inputs are the per-epoch training predictions of a run (`train_predictions.parquet`: id, epoch, gold, pred, ...).
"""

from __future__ import annotations

from itertools import combinations

import pandas as pd

from nlirobust.dynamics import DynamicsSettings, select_by_dynamics
from nlirobust.names import AMBIGUITY_SELECTIONS, DYNAMICS_SELECTIONS, MISTAKE_SELECTIONS


def epoch_mistake_sets(train_predictions: pd.DataFrame) -> dict[int, set[str]]:
    """{epoch: ids predicted wrongly after that epoch}, for every epoch in the table."""
    wrong = train_predictions[train_predictions["gold"] != train_predictions["pred"]]
    sets = {int(e): set() for e in sorted(train_predictions["epoch"].unique())}
    for epoch, group in wrong.groupby("epoch"):
        sets[int(epoch)] = set(group["id"])
    return sets


def _join(epochs: tuple[int, ...], word: str) -> str:
    if len(epochs) == 2:
        return f"Epochs {epochs[0]} {word} {epochs[1]}"
    return "Epochs " + ", ".join(map(str, epochs[:-1])) + f", {word} {epochs[-1]}"


def boolean_combinations(epochs: list[int]) -> list[tuple[str, str, tuple[int, ...]]]:
    """(row label, 'or'|'and'|'single', epochs) in the reference's Table 3 order: singles, unions, intersections.

    For 3 epochs: Epoch 1; Epoch 2; Epoch 3; Epochs 1 or 2; 1 or 3; 2 or 3; 1, 2, or 3; 1 and 2; 1 and 3; 2 and 3;
    1, 2, and 3 (11 rows). Any number of epochs works.
    """
    rows = [(f"Epoch {e}", "single", (e,)) for e in epochs]
    for op in ("or", "and"):
        for size in range(2, len(epochs) + 1):
            rows += [(_join(c, op), op, c) for c in combinations(epochs, size)]
    return rows


def combination_counts(train_predictions: pd.DataFrame) -> pd.DataFrame:
    """Size of every Boolean combination of the per-epoch mistake sets (columns: combination, kind, epochs, count).

    kind is 'single', 'or' or 'and' for the reference's Table 3 rows, and 'exactly' for the exclusive regions.
    """
    sets = epoch_mistake_sets(train_predictions)
    rows = []
    for label, kind, epochs in boolean_combinations(list(sets)):
        members = [sets[e] for e in epochs]
        combined = set.union(*members) if kind in ("or", "single") else set.intersection(*members)
        rows.append({"combination": label, "kind": kind, "epochs": ",".join(map(str, epochs)), "count": len(combined)})
    # The exclusive regions (wrong in exactly these epochs), for UpSet-style figures.
    for size in range(1, len(sets) + 1):
        for epochs in combinations(list(sets), size):
            inside = set.intersection(*(sets[e] for e in epochs))
            outside = set().union(*(sets[e] for e in sets if e not in epochs))
            label = "Exactly epoch" + ("s " if size > 1 else " ") + ", ".join(map(str, epochs))
            rows.append(
                {
                    "combination": label,
                    "kind": "exactly",
                    "epochs": ",".join(map(str, epochs)),
                    "count": len(inside - outside),
                }
            )
    return pd.DataFrame(rows)


def select_mistakes(train_predictions: pd.DataFrame, rule: str, settings: DynamicsSettings | None = None) -> set[str]:
    """Ids for final tuning: wrong in every epoch, in the last one, in any, or right once and wrong later; or a
    region of the training-dynamics data map (`settings` place its thresholds)."""
    sets = epoch_mistake_sets(train_predictions)
    epochs = sorted(sets)
    if rule == "all_epochs":
        return set.intersection(*sets.values())
    if rule == "last_epoch":
        return sets[epochs[-1]]
    if rule == "ever":
        return set.union(*sets.values())
    if rule == "forgotten":
        forgotten: set[str] = set()
        for i, earlier in enumerate(epochs[:-1]):
            right_then = set(train_predictions.loc[train_predictions["epoch"] == earlier, "id"]) - sets[earlier]
            for later in epochs[i + 1 :]:
                forgotten |= right_then & sets[later]
        return forgotten
    if rule in DYNAMICS_SELECTIONS:
        return select_by_dynamics(train_predictions, rule, settings or DynamicsSettings())
    raise ValueError(
        f"unknown selection {rule!r}; expected one of {', '.join(MISTAKE_SELECTIONS + DYNAMICS_SELECTIONS)}"
    )


def select_ambiguous(pairs: pd.DataFrame, rule: str, max_agreeing: int = 3) -> pd.DataFrame:
    """ChaosNLI pairs whose most chosen label has at most 50 / 60 of 100 votes; or pairs labelled by 5 original
    annotators of which at most `max_agreeing` chose the most chosen label (ChaosNLI's `old_labels`, or SNLI's own
    `annotator_labels`: pairs with a single label say nothing about agreement and are never chosen)."""
    if rule == "chaosnli_max50":
        return pairs[pairs["max_share"] <= 50]
    if rule == "chaosnli_max60":
        return pairs[pairs["max_share"] <= 60]
    if rule == "snli_low_agreement":
        if "max_agreeing" not in pairs.columns:
            raise ValueError(
                "snli_low_agreement needs annotator labels: ChaosNLI's old_labels or SNLI's annotator_labels "
                "(the original jsonl files; the hub copy drops them)"
            )
        return pairs[(pairs["annotators"] == 5) & (pairs["max_agreeing"] <= max_agreeing)]
    raise ValueError(f"unknown ambiguity selection {rule!r}; expected one of {', '.join(AMBIGUITY_SELECTIONS)}")


def balance_classes(pairs: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Down-sample every label to the rarest label's count (reproducibly), keeping the original order."""
    smallest = pairs["label"].value_counts().min()
    keep = pairs.groupby("label", group_keys=False).sample(n=smallest, random_state=seed).index
    return pairs.loc[sorted(keep)]
