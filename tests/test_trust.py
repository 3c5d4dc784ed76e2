"""What a researcher publishes: rates printed as they were, gaps said plainly, thin cells marked, overlaps found."""

import pandas as pd
import pytest

from nlirobust.adversarial_subsets import error_flow_wide, subset_metrics_wide
from nlirobust.mistake_frames import final_lr_roles, learning_rates_wide
from nlirobust.names import lr_name
from nlirobust.overlap import apply_leakage, pair_keys
from nlirobust.reference_comparison import comparison_section, why_ours_differ
from nlirobust.report import MISTAKE_RECORD_WORDS
from nlirobust.tables import epoch_view


def test_run_names_keep_every_learning_rate_apart_and_read_back_exactly():
    rates = [5e-5, 1.5e-3, 2.7e-7, 1e-4, 1.000001e-4, 2e-7]
    names = [lr_name(rate) for rate in rates]
    assert names[:4] == ["5e-05", "0.0015", "2.7e-07", "0.0001"]
    assert len(set(names)) == len(rates)
    assert [float(name) for name in names] == rates


def test_the_epoch_table_prints_small_learning_rates_as_they_are():
    epochs = pd.DataFrame(
        {"recipe": ["snli"], "seed": [1], "lr": [5e-05], "epoch": [1], "train_loss": [0.123456], "eval_accuracy": [0.5]}
    )
    view = epoch_view(epochs)
    assert view["lr"].tolist() == ["5e-05"]
    assert view["train_loss"].tolist() == [0.1235]
    assert "5e-05" in view.to_markdown(index=False)


def test_a_gap_at_chance_is_called_what_it_is(tmp_path):
    pd.DataFrame(
        {"recipe": ["snli"], "seed": [1], "lr": [5e-5], "evalset": ["snli/validation"], "accuracy": [0.334]}
    ).to_csv(tmp_path / "acc.csv", index=False)
    config = {"model": "google/electra-small-discriminator", "training": {"epochs": 3, "batch_size": 8}}
    baseline = {"accuracy": 0.5, "majority_class_accuracy": 0.34}
    text = comparison_section(tmp_path / "acc.csv", baseline, {"snli/validation": 0.89}, config)
    assert "at chance" in text
    assert "learned nothing" in text
    assert "a point or two" not in text
    assert "5.0 points below" in why_ours_differ([("snli/validation", 0.89, 0.84)], config)
    assert "within 0.5 points" in why_ours_differ([("snli/validation", 0.89, 0.885)], config)


def test_the_report_names_the_mistake_record_that_was_used():
    assert "eval-mode pass" in MISTAKE_RECORD_WORDS["eval_pass"]
    assert "training forward passes" in MISTAKE_RECORD_WORDS["train_forward"]
    assert "not the reference's" in MISTAKE_RECORD_WORDS["train_forward"]


def test_subset_cells_from_few_pairs_show_counts_not_percentages():
    rows = []
    for seed in (1, 2):
        rows.append({"evalset": "snli/test", "subset": "negation", "model": "baseline", "lr": 5e-5, "seed": seed,
                     "class": "neutral", "precision": 1.0, "recall": 0.5, "f1": 0.67, "support": 2})  # fmt: skip
        rows.append({"evalset": "snli/test", "subset": "all", "model": "baseline", "lr": 5e-5, "seed": seed,
                     "class": "neutral", "precision": 0.8, "recall": 0.7, "f1": 0.75, "support": 300})  # fmt: skip
    table = subset_metrics_wide(pd.DataFrame(rows), min_pairs=30).set_index("subset")
    assert table.loc["negation", "f1"] == "too few to read (n=2)"
    assert table.loc["all", "f1"] == "75.00 ± 0.00"
    assert table.loc["negation", "pairs (per seed)"] == 2
    assert table.loc["all", "seeds"] == 2


def test_error_flow_says_its_counts_are_pooled_and_hides_shares_of_tiny_subsets():
    flows = pd.DataFrame(
        [
            {
                "evalset": "snli/test",
                "subset": s,
                "model": "retrained:gradient",
                "lr": 5e-5,
                "seed": seed,
                "pairs": n,
                "baseline_errors": 1,
                "fixed": 1,
                "introduced": 0,
                "remaining": 0,
            }  # fmt: skip
            for s, n in (("long", 3), ("all", 200))
            for seed in (1, 2)
        ]
    )
    table = error_flow_wide(flows, min_pairs=30).set_index("subset")
    assert table.loc["long", "pairs (pooled)"] == 6
    assert table.loc["long", "seeds (pooled)"] == 2
    assert table.loc["long", "fixed (%)"] == "too few to read (n=3)"
    assert table.loc["all", "fixed (%)"] == 100.0


def test_pair_keys_ignore_case_spacing_and_unicode_forms():
    a = pd.DataFrame({"premise": ["A man  sleeps ."], "hypothesis": ["Ａ person rests ."]})
    b = pd.DataFrame({"premise": [" a MAN sleeps ."], "hypothesis": ["a person rests ."]})
    assert pair_keys(a).tolist() == pair_keys(b).tolist()
    c = pd.DataFrame({"premise": ["A man sleeps ."], "hypothesis": ["A person runs ."]})
    assert pair_keys(a).tolist() != pair_keys(c).tolist()


def test_leakage_actions():
    from nlirobust.data.schema import DataFormatError

    train = pd.DataFrame({"premise": ["a", "b", "c"], "hypothesis": ["x", "y", "z"]})
    scored = {"snli/test": pd.DataFrame({"premise": ["B"], "hypothesis": ["Y"]})}
    kept, facts = apply_leakage(train, scored, "exclude", "t")
    assert kept["premise"].tolist() == ["a", "c"]
    assert facts["dropped"] == 1
    assert facts["by_set"] == {"snli/test": 1}
    kept, facts = apply_leakage(train, scored, "report", "t")
    assert len(kept) == 3
    assert facts["kept_overlapping"] == 1
    with pytest.raises(DataFormatError, match="1 of 3 training pairs also sit in sets .* snli/test"):
        apply_leakage(train, scored, "fail", "t")
    with pytest.raises(DataFormatError, match="nothing is left"):
        apply_leakage(train.iloc[[1]], scored, "exclude", "t")


def test_table4_with_one_rate_per_recipe_puts_each_recipe_in_one_row():
    runs = pd.DataFrame(
        {
            "recipe": ["snli", "snli", "mnli", "mnli"],
            "selection": ["all_epochs"] * 4,
            "final_lr": ["2.7e-07", "from_schedule", "2.4e-07", "from_schedule"],
            "learning_rate": [2.7e-7, 1e-9, 2.4e-7, 2e-9],
            "lr": 5e-5,
        }
    )
    assert final_lr_roles(runs).tolist() == ["configured", "from_schedule", "configured", "from_schedule"]
    table = learning_rates_wide(runs, ["snli", "mnli"]).set_index("final lr")
    assert table.loc["configured", "snli"] == "2.7e-07"
    assert table.loc["configured", "mnli"] == "2.4e-07"
    grid = runs.assign(final_lr=["1e-07", "from_schedule"] * 2)
    assert final_lr_roles(grid).tolist() == grid["final_lr"].tolist()  # a grid keeps the rates as they are


def test_a_model_that_answers_one_label_is_marked_in_the_tables(tmp_path):
    import json

    from nlirobust.predict import summary_metrics
    from nlirobust.tables import accuracy_long, accuracy_wide, collapsed

    gold = [0, 1, 2] * 10
    rows = {"one_label": [1] * 30, "fine": gold[:27] + [0, 0, 0]}
    files = []
    for recipe, pred in rows.items():
        frame = pd.DataFrame({"gold": gold, "pred": pred, "loss": [1.0] * 30})
        path = (
            tmp_path
            / f"results/predictions/tiny-electra/{'snli' if recipe == 'fine' else 'mnli'}/seed1/lr5e-05/snli/test.json"
        )
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(summary_metrics(frame)))
        files.append(path)
    assert collapsed(1.0, 1 / 3) and not collapsed(0.4, 1 / 3) and not collapsed(0.97, 0.96)
    table = accuracy_wide(accuracy_long(files)).set_index("recipe")
    assert table.loc["mnli", "snli/test"] == "33.3 ⚠ one label"
    assert table.loc["snli", "snli/test"] == "93.3"  # 28 of 30: the last three answered 0, one of them right


def test_breaking_nli_pairs_kept_in_training_mark_the_recipe_and_the_chains_built_on_it(tmp_path):
    import json

    from nlirobust.mistake_tables import pairs_kept_in_training

    files = []
    for recipe, kept in (("snli", 17), ("snli_mnli", 0), ("mnli", 0)):
        path = tmp_path / f"results/models/tiny-electra/{recipe}/seed1/lr5e-05/run.json"
        path.parent.mkdir(parents=True)
        overlap = {"kept_overlapping": kept, "by_set": {"breaking_nli/test": kept}}
        path.write_text(json.dumps({"overlap": overlap}))
        files.append(path)
    assert pairs_kept_in_training(files) == {"snli": 17, "snli_mnli": 17}  # the second stage starts from the first
    excluded = {"overlap": {"kept_overlapping": 0, "dropped": 17, "by_set": {"breaking_nli/test": 17}}}
    files[0].write_text(json.dumps(excluded))
    assert pairs_kept_in_training(files) == {}
