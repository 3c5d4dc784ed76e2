"""Training dynamics on hand-made per-epoch predictions: every number checked by hand."""

import pandas as pd
import pytest

from nlirobust.dynamics import DynamicsSettings, region_counts, select_by_dynamics, training_dynamics
from nlirobust.mistakes import select_mistakes


def epochs_of(p_gold: dict[str, list[float]], gold: int = 0) -> pd.DataFrame:
    """Predictions of examples whose gold label has the given probability after each epoch (the rest split)."""
    rows = []
    for example, probs in p_gold.items():
        for epoch, p in enumerate(probs, start=1):
            others = (1 - p) / 2 + (0.01 if p < 0.5 else 0)
            prob = [p, others, 1 - p - others]
            rows.append({"id": example, "epoch": epoch, "gold": gold, "pred": int(max(range(3), key=prob.__getitem__))}
                        | dict(zip(("prob_e", "prob_n", "prob_c"), prob, strict=True)))  # fmt: skip
    return pd.DataFrame(rows).sample(frac=1, random_state=0)  # order must not matter


EXAMPLES = {
    "easy": [0.9, 0.95, 0.97],
    "hard": [0.1, 0.1, 0.15],
    "flip": [0.9, 0.2, 0.9],  # right, wrong, right: one forgetting event, variable
    "twice": [0.8, 0.1, 0.8, 0.1],
}


def test_confidence_variability_correctness_and_forgetting():
    table = training_dynamics(epochs_of({k: v for k, v in EXAMPLES.items() if k != "twice"})).set_index("id")
    assert table.loc["easy", "confidence"] == pytest.approx(0.94)
    assert table.loc["flip", "variability"] == pytest.approx(pd.Series([0.9, 0.2, 0.9]).std(ddof=0))
    assert table.loc["flip", "correctness"] == pytest.approx(2 / 3)
    assert table["forgetting_events"].to_dict() == {"easy": 0, "hard": 0, "flip": 1}
    assert table["never_learnt"].to_dict() == {"easy": False, "hard": True, "flip": False}
    assert table["region"].to_dict() == {"easy": "easy", "hard": "hard_to_learn", "flip": "ambiguous"}
    assert table.loc["easy", "epochs"] == 3


def test_events_are_counted_between_consecutive_epochs():
    table = training_dynamics(epochs_of({"twice": EXAMPLES["twice"]})).set_index("id")
    assert table.loc["twice", "forgetting_events"] == 2
    counts = region_counts(training_dynamics(epochs_of({k: v for k, v in EXAMPLES.items() if k != "twice"})))
    assert counts["forgetting_events"] == 1 and counts["forgettable"] == 1 and counts["never_learnt"] == 1
    assert counts["region_easy"] + counts["region_ambiguous"] + counts["region_hard_to_learn"] == 3


def test_thresholds_are_settings():
    predictions = epochs_of({"mid": [0.6, 0.62, 0.64]})
    assert training_dynamics(predictions)["region"].tolist() == ["other"]
    assert training_dynamics(predictions, DynamicsSettings(easy_confidence=0.6))["region"].tolist() == ["easy"]


def test_data_map_selections():
    predictions = epochs_of({k: v for k, v in EXAMPLES.items() if k != "twice"})
    settings = DynamicsSettings(ambiguous_share=1 / 3)
    assert select_mistakes(predictions, "hard_to_learn", settings) == {"hard"}
    assert select_mistakes(predictions, "ambiguous_map", settings) == {"flip"}
    # a forgetting event between consecutive epochs exists exactly when an example is right once and wrong later
    assert (
        select_by_dynamics(predictions, "forgettable", settings)
        == select_mistakes(predictions, "forgotten")
        == {"flip"}
    )
