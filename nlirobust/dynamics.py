"""Training dynamics of every training example, from the per-epoch predictions the mistakes study records.

Per example, over the epochs of the run's last stage (Swayamdipta et al. 2020, "dataset cartography"; Toneva et al.
2019, "forgetting events"):
  confidence         mean probability of the gold label
  variability        its standard deviation (population, over epochs)
  correctness        share of epochs with the right answer
  forgetting_events  how often a right answer after one epoch became wrong after the next
  never_learnt       never right after any epoch (counted apart: it has no event to forget)
and a region of the data map: `easy` (confident, stable), `hard_to_learn` (unconfident, stable), `ambiguous`
(variable), or `other`. With `mistake_record: eval_pass` the probabilities come from eval-mode passes after each
epoch; with `train_forward`, from the epoch's own training forward passes (the definition the papers use).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

REGIONS: tuple[str, ...] = ("easy", "ambiguous", "hard_to_learn", "other")
DYNAMICS_COLUMNS: tuple[str, ...] = (
    "id", "gold", "epochs", "confidence", "variability", "correctness", "forgetting_events", "never_learnt", "region",
)  # fmt: skip


@dataclass(frozen=True)
class DynamicsSettings:
    """Where the data map's regions begin, and the share `ambiguous_map` tunes on (config: `training_dynamics`)."""

    easy_confidence: float = 0.75
    hard_confidence: float = 0.25
    ambiguous_variability: float = 0.2
    ambiguous_share: float = 0.33


def training_dynamics(train_predictions: pd.DataFrame, thresholds: DynamicsSettings | None = None) -> pd.DataFrame:
    """One row per training example (DYNAMICS_COLUMNS), in the order of the first epoch's rows."""
    thresholds = thresholds or DynamicsSettings()
    frame = train_predictions.sort_values("epoch", kind="stable")
    gold = frame["gold"].to_numpy()
    probs = frame[["prob_e", "prob_n", "prob_c"]].to_numpy()
    frame = frame.assign(p_gold=probs[np.arange(len(frame)), gold], right=frame["gold"] == frame["pred"])
    order = pd.unique(train_predictions.loc[train_predictions["epoch"] == frame["epoch"].min(), "id"])
    by_id = frame.groupby("id", sort=False)
    right = frame.pivot(index="id", columns="epoch", values="right").loc[order].to_numpy(dtype=bool)
    forgetting = (right[:, :-1] & ~right[:, 1:]).sum(axis=1)
    table = pd.DataFrame(
        {
            "id": order,
            "gold": by_id["gold"].first().loc[order].to_numpy(),
            "epochs": right.shape[1],
            "confidence": by_id["p_gold"].mean().loc[order].to_numpy(),
            "variability": by_id["p_gold"].std(ddof=0).loc[order].to_numpy(),
            "correctness": right.mean(axis=1),
            "forgetting_events": forgetting.astype("int64"),
            "never_learnt": ~right.any(axis=1),
        }
    )
    table["region"] = data_map_regions(table, thresholds)
    return table[list(DYNAMICS_COLUMNS)]


def data_map_regions(table: pd.DataFrame, thresholds: DynamicsSettings) -> np.ndarray:
    """The region of every example: ambiguous first (variable), then easy / hard-to-learn by confidence."""
    variable = table["variability"] >= thresholds.ambiguous_variability
    confident = table["confidence"] >= thresholds.easy_confidence
    unconfident = table["confidence"] <= thresholds.hard_confidence
    return np.select(
        [variable, confident, unconfident],
        ["ambiguous", "easy", "hard_to_learn"],
        default="other",
    )


def region_counts(table: pd.DataFrame) -> dict:
    """Examples per region, forgetting events in all, forgettable (>= 1 event) and never-learnt examples."""
    counts = table["region"].value_counts()
    return {f"region_{region}": int(counts.get(region, 0)) for region in REGIONS} | {
        "examples": len(table),
        "forgetting_events": int(table["forgetting_events"].sum()),
        "forgettable": int((table["forgetting_events"] > 0).sum()),
        "never_learnt": int(table["never_learnt"].sum()),
    }


def select_by_dynamics(train_predictions: pd.DataFrame, rule: str, settings: DynamicsSettings) -> set[str]:
    """Ids for final tuning chosen from the data map: `hard_to_learn`, `ambiguous_map` (the most variable
    `ambiguous_share` of examples) or `forgettable` (at least one forgetting event)."""
    table = training_dynamics(train_predictions, settings)
    if rule == "hard_to_learn":
        return set(table.loc[table["region"] == "hard_to_learn", "id"])
    if rule == "ambiguous_map":
        n = int(round(settings.ambiguous_share * len(table)))
        return set(table.sort_values(["variability", "id"], ascending=[False, True], kind="stable")["id"].head(n))
    if rule == "forgettable":
        return set(table.loc[table["forgetting_events"] > 0, "id"])
    raise ValueError(f"unknown data-map selection {rule!r}")
