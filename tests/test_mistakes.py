"""Mistake sets, their Boolean combinations, selections and the table arithmetic, on hand-made predictions."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ttest_1samp

from nlirobust import mistake_frames as mt
from nlirobust.mistakes import (
    balance_classes,
    boolean_combinations,
    combination_counts,
    epoch_mistake_sets,
    select_ambiguous,
    select_mistakes,
)
from nlirobust.stats import mcnemar_exact


def predictions(wrong_by_epoch: dict[int, set[str]], ids=("a", "b", "c", "d", "e")) -> pd.DataFrame:
    rows = []
    for epoch, wrong in wrong_by_epoch.items():
        for i in ids:
            rows.append({"id": i, "epoch": epoch, "gold": 0, "pred": 2 if i in wrong else 0})
    return pd.DataFrame(rows)


TRAIN = predictions({1: {"a", "b", "c"}, 2: {"a", "c", "d"}, 3: {"a", "d"}})


def test_table3_rows_match_the_reference_order():
    labels = [label for label, _, _ in boolean_combinations([1, 2, 3])]
    assert labels == [
        "Epoch 1", "Epoch 2", "Epoch 3", "Epochs 1 or 2", "Epochs 1 or 3", "Epochs 2 or 3", "Epochs 1, 2, or 3",
        "Epochs 1 and 2", "Epochs 1 and 3", "Epochs 2 and 3", "Epochs 1, 2, and 3",
    ]  # fmt: skip
    assert len(boolean_combinations([1, 2, 3, 4])) == 4 + 11 + 11


def test_combination_counts_obey_set_algebra():
    counts = combination_counts(TRAIN).set_index("combination")["count"]
    assert counts["Epoch 1"] == 3
    assert counts["Epoch 3"] == 2
    for a, b in ((1, 2), (1, 3), (2, 3)):
        union, inter = counts[f"Epochs {a} or {b}"], counts[f"Epochs {a} and {b}"]
        assert union == counts[f"Epoch {a}"] + counts[f"Epoch {b}"] - inter
    assert counts["Epochs 1, 2, and 3"] == 1  # only "a"
    assert counts["Epochs 1, 2, or 3"] == 4
    exactly = combination_counts(TRAIN).query("kind == 'exactly'")["count"]
    assert exactly.sum() == counts["Epochs 1, 2, or 3"]  # exclusive regions partition the union


def test_selections():
    assert select_mistakes(TRAIN, "all_epochs") == {"a"}
    assert select_mistakes(TRAIN, "last_epoch") == {"a", "d"}
    assert select_mistakes(TRAIN, "ever") == {"a", "b", "c", "d"}
    assert select_mistakes(TRAIN, "forgotten") == {"d"}  # right after epoch 1, wrong later
    with pytest.raises(ValueError, match="unknown selection"):
        select_mistakes(TRAIN, "sometimes")
    assert epoch_mistake_sets(predictions({1: set(), 2: {"e"}}))[1] == set()


def test_ambiguity_selections_and_balancing():
    pairs = pd.DataFrame(
        {
            "id": list("abcdef"),
            "label": [0, 0, 0, 1, 2, 2],
            "max_share": [45, 50, 55, 60, 61, 90],
            "annotators": [5, 5, 5, 5, 5, 1],
            "max_agreeing": [3, 5, 2, 4, 3, 1],
        }
    )
    assert select_ambiguous(pairs, "chaosnli_max50")["id"].tolist() == ["a", "b"]
    assert select_ambiguous(pairs, "chaosnli_max60")["id"].tolist() == ["a", "b", "c", "d"]
    assert select_ambiguous(pairs, "snli_low_agreement")["id"].tolist() == ["a", "c", "e"]
    balanced = balance_classes(pairs, seed=0)
    assert balanced["label"].value_counts().tolist() == [1, 1, 1]
    assert balanced.equals(balance_classes(pairs, seed=0))


def test_exact_mcnemar():
    before = np.array([False] * 5 + [True] * 10)
    after = np.array([True] * 5 + [True] * 10)
    result = mcnemar_exact(before, after)
    assert (result["fixed"], result["broken"]) == (5, 0)
    assert result["p_value"] == pytest.approx(0.0625)  # two-sided binomial, 5 of 5
    assert mcnemar_exact(before, before)["p_value"] == 1.0


def breaking_predictions(tmp_path, name, wrong_ids):
    frame = pd.DataFrame(
        {
            "id": [str(i) for i in range(6)],
            "gold": [2, 2, 2, 0, 0, 1],
            "category": ["colors"] * 3 + ["synonyms"] * 2 + ["rooms"],
        }
    )
    frame["pred"] = [(g + 1) % 3 if i in wrong_ids else g for i, g in enumerate(frame["gold"])]
    path = tmp_path / name / "snli/seed1/lr5e-05/breaking_nli/test.parquet"
    path.parent.mkdir(parents=True)
    frame.to_parquet(path)
    return path


def test_breaking_tables_count_and_subtract(tmp_path):
    before = mt.challenge_mistakes_long([breaking_predictions(tmp_path, "initial", {0, 1, 3})], "category")
    after_path = breaking_predictions(tmp_path, "final/all_epochs/final_lr1e-04", {0, 5})
    after = mt.challenge_mistakes_long([after_path], "category")
    wide = mt.mistakes_wide(before, ["snli"], "category")
    assert wide["Category"].tolist() == ["colors", "synonyms", "rooms", "Total"]  # by size, then Total
    assert wide["All examples"].tolist() == [3, 2, 1, 6]
    assert wide["snli"].tolist() == ["2", "1", "0", "3"]
    delta = mt.mistakes_delta_long(before, after)
    assert (delta["delta"] == delta["mistakes"] - delta["mistakes_before"]).all()
    cells = mt.mistakes_delta_wide(delta, ["snli"], "category").set_index("Category")["snli"]
    assert cells["colors"] == "1 (-1)"
    assert cells["rooms"] == "1 (+1)"
    assert cells["Total"] == "2 (-1)"
    labels = mt.mistakes_wide(mt.challenge_mistakes_long([after_path], "label"), ["snli"], "label")
    assert labels["Label"].tolist() == ["contradiction", "entailment", "neutral", "Total"]
    assert mt.final_key(after_path) == {"selection": "all_epochs", "final_lr": "1e-04"}


def test_cells_over_seeds_show_mean_sd_and_mean_delta():
    long = pd.DataFrame(
        {
            "recipe": "snli",
            "seed": [1, 2],
            "lr": 5e-5,
            "group": "Total",
            "examples": 100,
            "mistakes": [40, 42],
            "mistakes_before": [50, 48],
            "selection": "all_epochs",
            "final_lr": "2e-07",
        }
    )
    long["delta"] = long["mistakes"] - long["mistakes_before"]
    assert mt.mistakes_delta_wide(long, ["snli"], "category")["snli"].tolist() == ["41.0 ± 1.4 (-8.0)"]
    change = pd.DataFrame(
        {
            "recipe": "snli",
            "seed": [1, 2],
            "lr": 5e-5,
            "selection": "all_epochs",
            "final_lr": "2e-07",
            "accuracy_before": [0.5, 0.52],
            "accuracy_after": [0.6, 0.6],
            "fixed": [5, 4],
            "broken": [0, 0],
            "p_value": [0.0625, 0.125],
        }
    )
    change["improvement_points"] = 100 * (change["accuracy_after"] - change["accuracy_before"])
    from nlirobust.stats import with_seed_tests

    change = with_seed_tests(change, ["selection", "final_lr", "lr", "recipe"], "improvement_points")
    row = mt.accuracy_change_wide(change, ["snli"]).iloc[0]
    assert row["Before (%)"] == "51.00 ± 1.41"
    assert row["Improvement (points)"] == "+9.00 ± 1.41"
    # each seed's own test (the same pairs in two seeds are not 9 independent pairs: never pooled to p = 2 / 2**9)
    assert row["Fixed / broken (each seed)"] == "5 / 0, 4 / 0"
    assert row["McNemar p (each seed)"] == "0.0625, 0.125"
    assert float(row["Seed-level p (paired t)"]) == pytest.approx(ttest_1samp([10.0, 8.0], 0).pvalue, rel=1e-3)
    assert row["Significant (Holm p < 0.05)"] == "no"
