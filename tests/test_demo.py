"""The README's embedded default, full size, end to end: the accuracy targets the generator is designed for.

About 15 minutes on 2 cores; it is the one test that shows the embedded default is a study worth running: the tiny
model learns the SNLI-shaped task (>= 75%), clearly beyond what hypothesis words alone give (>= 15 points), and
still makes uneven mistakes on the Breaking-NLI-shaped challenge set.
"""

import json

import pandas as pd
import pytest
from workflow_helpers import REPO, run_snakemake

# About 15 minutes on 2 cores with every study on: outside the CI command (which must stay well under 20 minutes);
# run it with `.venv/bin/python -m pytest -m slow`. tests/test_workflow.py runs every study at a smaller size in CI.
pytestmark = [pytest.mark.workflow, pytest.mark.slow]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("full_demo")
    run_snakemake("--cores", "2", "--configfile", str(REPO / "config/demo.yaml"), workdir=workdir)
    return workdir


def test_snli_shaped_accuracy_beats_threshold_and_hypothesis_only_baseline(demo):
    accuracy = pd.read_csv(demo / "results/tables/tiny-electra/initial_accuracy.csv")
    snli = accuracy[(accuracy["recipe"] == "snli") & (accuracy["evalset"] == "snli/validation")]["accuracy"].iloc[0]
    baseline = json.loads((demo / "results/baselines/hypothesis_only/snli_validation.json").read_text())["accuracy"]
    assert snli >= 0.75
    assert snli - baseline >= 0.15


def test_models_still_make_uneven_mistakes_on_the_challenge_set(demo):
    for recipe in ("snli", "snli_mnli", "mnli", "mnli_snli"):
        predictions = pd.read_parquet(
            demo / f"results/predictions/tiny-electra/{recipe}/seed1/lr0.001/breaking_nli/test.parquet"
        )
        assert len(predictions) == 8193
        error_rate = (predictions["gold"] != predictions["pred"]).groupby(predictions["category"]).mean()
        assert error_rate.mean() > 0.05, recipe
        assert error_rate.max() - error_rate.min() > 0.1, recipe  # categories differ


def test_every_epoch_leaves_a_mistake_record(demo):
    run = demo / "results/models/tiny-electra/mnli_snli/seed1/lr0.001"
    predictions = pd.read_parquet(run / "train_predictions.parquet")
    facts = json.loads((run / "run.json").read_text())
    snli_train = pd.read_parquet(demo / "results/data/snli/train.parquet")
    # every SNLI training pair but those it shares with a scored set (leakage: exclude), every epoch
    assert facts["train_examples"] == len(snli_train) - facts["overlap"]["dropped"]
    assert predictions.groupby("epoch").size().tolist() == [facts["train_examples"]] * 4
    wrong = (predictions["gold"] != predictions["pred"]).groupby(predictions["epoch"]).sum()
    assert (wrong > 0).all()


def test_the_mistakes_study_runs_on_the_embedded_default(demo):
    report = (demo / "results/report.md").read_text()
    for table in range(1, 8):
        assert f"### Table {table}:" in report
    table7 = pd.read_csv(demo / "results/tables/tiny-electra/mistakes/breaking_nli/table7_accuracy.csv")
    selections = {"all_epochs", "chaosnli_max60", "hard_to_learn", "ambiguous_map", "forgettable"}
    assert set(table7["selection"]) == selections
    assert len(table7) == 4 * len(selections)  # recipes x selections, one final learning rate
    assert (table7["fixed"] + table7["broken"] > 0).all()  # one more epoch changed some answers


def test_the_adversarial_study_runs_on_the_embedded_default(demo):
    effect = pd.read_csv(demo / "results/tables/tiny-electra/adversarial/attack_effect.csv").set_index("attack")
    # masking the most salient hypothesis token hurts the baseline, and more than masking a random one
    assert effect.loc["gradient", "attacked_accuracy"] <= effect.loc["gradient", "clean_accuracy"] - 0.05
    assert effect.loc["gradient", "drop_points"] > effect.loc["random", "drop_points"]
    attacked = pd.read_json(
        demo / "results/attack_sets/tiny-electra/adversarial/gradient/snli/seed1/lr0.001/attack.jsonl", lines=True
    )
    assert (attacked["hypothesis"] != attacked["original_hypothesis"]).all()
    overall = pd.read_csv(demo / "results/tables/tiny-electra/adversarial/overall.csv")
    held_out = overall[overall["evalset"] == "attack/gradient/heldout"].set_index("model")["accuracy"]
    assert set(held_out.index) == {"baseline", "retrained:gradient"}
    assert not overall["collapsed"].any()  # no model of the study answers one label (the retraining once did)
    test = overall[overall["evalset"] == "snli/test"].set_index("model")["accuracy"]
    assert test["retrained:gradient"] >= 0.7
    flows = pd.read_csv(demo / "results/tables/tiny-electra/adversarial/error_flow.csv")
    whole = flows[(flows["subset"] == "all") & (flows["evalset"] == "snli/test")].iloc[0]
    assert whole["fixed"] + whole["remaining"] == whole["baseline_errors"]
    report = (demo / "results/report.md").read_text()
    assert "## Gradient-based adversarial training" in report
    assert (demo / "results/figures/tiny-electra/adversarial_error_flow_chart.png").stat().st_size > 0


def test_the_demo_compares_its_two_encoders(demo):
    """Both tiny encoders learn the task, they really differ, and the report opens with them side by side."""
    compared = pd.read_csv(demo / "results/tables/encoders_compared.csv")
    validation = compared[compared["cell"] == "validation (last stage)"].set_index(["encoder", "recipe"])["mean"]
    assert validation[("tiny-electra", "snli")] >= 75 and validation[("tiny-bert", "mnli_snli")] >= 70
    assert (validation["tiny-electra"] - validation["tiny-bert"]).abs().max() > 5
    assert set(compared["encoder"]) == {"tiny-electra", "tiny-bert", "published (reference)"}
    report = (demo / "results/report.md").read_text()
    assert (
        report.index("## Encoders compared")
        < report.index("## Encoder `tiny-electra`")
        < report.index("## Encoder `tiny-bert`")
    )
    for name, model_type in (("tiny-electra", "electra"), ("tiny-bert", "bert")):
        config = json.loads((demo / f"results/models/{name}/snli/seed1/lr0.001/model/config.json").read_text())
        assert config["model_type"] == model_type
