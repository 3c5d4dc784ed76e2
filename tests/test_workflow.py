"""The whole workflow on a small embedded default in a temporary directory, and what it leaves on disk."""

import json

import pandas as pd
import pytest
from workflow_helpers import planned_jobs, run_snakemake, write_config

from nlirobust.predict import PREDICTION_COLUMNS

pytestmark = pytest.mark.workflow
SIZES = {
    "snli_train": 1500,
    "snli_validation": 300,
    "snli_test": 300,
    "mnli_train": 800,
    "mnli_validation": 300,
    "chaosnli": 60,
    "breaking_nli_scale": 0.1,
}
RECIPES = ["snli", "snli_mnli", "mnli", "mnli_snli"]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("demo")
    config = write_config(
        workdir / "small.yaml",
        base="config/demo.yaml",
        embedded={
            "seed": 0,
            "sizes": SIZES,
            "model": {
                "hidden_size": 64,
                "num_layers": 2,
                "num_heads": 2,
                "intermediate_size": 128,
                "vocab_size": 600,
            },
        },
        training={"epochs": 2, "logging_steps": 10},
    )
    run_snakemake("--cores", "2", "--configfile", str(config), workdir=workdir)
    return workdir, config


def test_every_recipe_is_trained_evaluated_and_reported(demo_run):
    workdir, _ = demo_run
    report = (workdir / "results/report.md").read_text()
    for recipe in RECIPES:
        assert f"| {recipe} " in report
    accuracy = pd.read_csv(workdir / "results/tables/initial_accuracy.csv")
    assert sorted(accuracy["recipe"].unique()) == sorted(RECIPES)
    assert accuracy["accuracy"].between(0, 1).all()


def test_predictions_follow_the_schema_and_match_their_metrics(demo_run):
    workdir, _ = demo_run
    run = workdir / "results/predictions/snli_mnli/seed1/lr0.0015"
    breaking = pd.read_parquet(run / "breaking_nli/test.parquet")
    assert tuple(breaking.columns) == PREDICTION_COLUMNS
    gold = pd.read_parquet(workdir / "results/data/breaking_nli/test.parquet")
    assert breaking["id"].tolist() == gold["id"].tolist()
    assert breaking["category"].tolist() == gold["category"].tolist()
    metrics = json.loads((run / "breaking_nli/test.json").read_text())
    assert metrics["accuracy"] == pytest.approx((breaking["gold"] == breaking["pred"]).mean())
    assert metrics["mistakes"] == int((breaking["gold"] != breaking["pred"]).sum())
    snli = pd.read_parquet(run / "snli/validation.parquet")
    assert snli["category"].isna().all()


def test_two_stage_recipe_records_mistakes_of_its_last_stage_only(demo_run):
    workdir, _ = demo_run
    run = workdir / "results/models/snli_mnli/seed1/lr0.0015"
    predictions = pd.read_parquet(run / "train_predictions.parquet")
    mnli_train = pd.read_parquet(workdir / "results/data/mnli/train.parquet")
    assert len(predictions) == 2 * len(mnli_train)
    assert set(predictions["id"]) == set(mnli_train["id"])
    facts = json.loads((run / "run.json").read_text())
    assert facts["arguments"]["model_in"].endswith("results/models/snli/seed1/lr0.0015/model")
    assert facts["arguments"]["learning_rate"] == pytest.approx(0.0015)  # reset for the second stage
    # the schedule restarts: stage 1 ended near zero, stage 2 climbs back to (almost) the initial rate
    first_stage = pd.read_csv(workdir / "results/models/snli/seed1/lr0.0015/train_log.csv")
    steps = pd.read_csv(run / "train_log.csv")
    assert first_stage["learning_rate"].iloc[-1] < 0.0015 * 0.05
    assert 0.0015 * 0.7 < steps["learning_rate"].max() <= 0.0015


def test_regenerating_tables_plans_no_training(demo_run):
    workdir, config = demo_run
    out = run_snakemake("-n", "--configfile", str(config), "--forcerun", "initial_tables", workdir=workdir).stdout
    jobs = planned_jobs(out)
    assert set(jobs) == {"initial_tables", "report", "all"}
    model = workdir / "results/models/snli/seed1/lr0.0015/model/model.safetensors"
    before = model.stat().st_mtime_ns
    run_snakemake("--cores", "1", "--configfile", str(config), "--forcerun", "initial_tables", workdir=workdir)
    assert model.stat().st_mtime_ns == before
    assert (workdir / "results/report.md").exists()


def test_logs_land_under_logs(demo_run):
    workdir, _ = demo_run
    log = (workdir / "logs/train/snli/seed1/lr0.0015.log").read_text()
    assert "epoch 2" in log
