"""The whole workflow on a small embedded default in a temporary directory, and what it leaves on disk."""

import json
import random
import re
from collections import Counter

import pandas as pd
import pytest
import yaml
from workflow_helpers import ANLI_LIKE_DECLARATION, ONE_ENCODER, REPO, planned_jobs, run_snakemake, write_config

from nlirobust.embedded.data import MNLI_RATES, SNLI_FRAMES, breaking_nli_rows, nli_rows
from nlirobust.mistakes import combination_counts
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
RECIPES = ["snli", "snli_mnli"]
FAKE_TOKEN = "hf_fakeTokenForTheLeakTest0123456789"


def write_breaking_nli_file(path):
    """A challenge file in the real Breaking NLI format, with one category outside the known 14."""
    rows = breaking_nli_rows(random.Random(11), {"colors": 40, "synonyms": 25, "planets": 7, "rooms": 12})
    rows.append(dict(rows[0], pairID=999999, category="fruits"))
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return rows


def write_declared_file(path):
    """A set no code names, in ANLI's shape: uid, premise, hypothesis, label as a letter, a `reason` field; a few
    rows labelled "-" (dropped as declared)."""
    rng = random.Random(23)
    rows = []
    for i, row in enumerate(nli_rows(rng, 120, SNLI_FRAMES, MNLI_RATES)):
        label = "-" if i % 40 == 7 else "enc"[row["label"]] if row["label"] >= 0 else "-"
        rows.append(
            {"uid": f"u{i:03d}", "premise": row["premise"], "hypothesis": row["hypothesis"], "label": label,
             "reason": ("swap", "add", "keep")[i % 3]}
        )  # fmt: skip
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return rows


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("demo")
    rows = write_breaking_nli_file(workdir / "breaking_dataset.jsonl")
    write_declared_file(workdir / "letters.jsonl")
    demo = yaml.safe_load((REPO / "config/demo.yaml").read_text())
    config = write_config(
        workdir / "small.yaml",
        base="config/demo.yaml",
        models=ONE_ENCODER,
        recipes=RECIPES,
        learning_rates=[1.5e-3],  # this smaller run's own rate (its paths below say lr0.0015)
        data={
            "breaking_nli": {"path": str(workdir / "breaking_dataset.jsonl")},
            "letters": ANLI_LIKE_DECLARATION | {"path": str(workdir / "letters.jsonl")},
        },
        evaluation={
            "sets": demo["evaluation"]["sets"] + ["letters/test"],
            "challenge_sets": demo["evaluation"]["challenge_sets"] + ["letters/test"],
        },
        embedded={
            "seed": 0,
            "sizes": SIZES,
            "model": {"hidden_size": 64, "num_layers": 2, "num_heads": 2, "intermediate_size": 128, "vocab_size": 600},
        },
        training={"epochs": 2, "logging_steps": 10},
        mistakes={
            "selections": ["all_epochs", "chaosnli_max60", "ambiguous_map"],
            "final_learning_rates": [1e-4, "from_schedule"],
        },
    )
    # A token in the environment, as on a cluster with gated models: it must never be written anywhere.
    run_snakemake("--cores", "2", "--configfile", str(config), workdir=workdir, env={"HF_TOKEN": FAKE_TOKEN})
    return workdir, config, rows


def test_every_recipe_is_trained_evaluated_and_reported(demo_run):
    workdir = demo_run[0]
    report = (workdir / "results/report.md").read_text()
    for recipe in RECIPES:
        assert f"| {recipe} " in report
    accuracy = pd.read_csv(workdir / "results/tables/tiny-electra/initial_accuracy.csv")
    assert sorted(accuracy["recipe"].unique()) == sorted(RECIPES)
    assert accuracy["accuracy"].between(0, 1).all()


def test_predictions_follow_the_schema_and_match_their_metrics(demo_run):
    workdir = demo_run[0]
    run = workdir / "results/predictions/tiny-electra/snli_mnli/seed1/lr0.0015"
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
    workdir = demo_run[0]
    run = workdir / "results/models/tiny-electra/snli_mnli/seed1/lr0.0015"
    predictions = pd.read_parquet(run / "train_predictions.parquet")
    mnli_train = pd.read_parquet(workdir / "results/data/mnli/train.parquet")
    assert len(predictions) == 2 * len(mnli_train)
    assert set(predictions["id"]) == set(mnli_train["id"])
    facts = json.loads((run / "run.json").read_text())
    assert facts["arguments"]["model_in"].endswith("results/models/tiny-electra/snli/seed1/lr0.0015/model")
    assert facts["arguments"]["learning_rate"] == pytest.approx(0.0015)  # reset for the second stage
    # the schedule restarts: stage 1 ended near zero, stage 2 climbs back to (almost) the initial rate
    first_stage = pd.read_csv(workdir / "results/models/tiny-electra/snli/seed1/lr0.0015/train_log.csv")
    steps = pd.read_csv(run / "train_log.csv")
    assert first_stage["learning_rate"].iloc[-1] < 0.0015 * 0.05
    assert 0.0015 * 0.7 < steps["learning_rate"].max() <= 0.0015


def test_regenerating_tables_plans_no_training(demo_run):
    workdir, config, _ = demo_run
    out = run_snakemake("-n", "--configfile", str(config), "--forcerun", "initial_tables", workdir=workdir).stdout
    jobs = planned_jobs(out)
    assert set(jobs) == {"initial_tables", "report", "all"}
    jobs = planned_jobs(
        run_snakemake("-n", "--configfile", str(config), "--forcerun", "mistake_tables", workdir=workdir).stdout
    )
    assert set(jobs) == {"mistake_tables", "mistake_plots", "report", "all"}
    jobs = planned_jobs(
        run_snakemake("-n", "--configfile", str(config), "--forcerun", "adversarial_tables", workdir=workdir).stdout
    )
    assert set(jobs) == {"adversarial_tables", "adversarial_plots", "report", "all"}
    model = workdir / "results/models/tiny-electra/snli/seed1/lr0.0015/model/model.safetensors"
    before = model.stat().st_mtime_ns
    run_snakemake("--cores", "1", "--configfile", str(config), "--forcerun", "initial_tables", workdir=workdir)
    assert model.stat().st_mtime_ns == before
    assert (workdir / "results/report.md").exists()


def test_logs_land_under_logs(demo_run):
    workdir = demo_run[0]
    log = (workdir / "logs/train/tiny-electra/snli/seed1/lr0.0015.log").read_text()
    assert "epoch 2" in log


TABLES = "results/tables/tiny-electra/mistakes/breaking_nli"  # Tables 1, 2, 5-7 of each challenge set have its folder


def test_all_mistake_tables_and_plots_exist(demo_run):
    workdir = demo_run[0]
    for name in ("table3_combinations", "table4_learning_rates", "in_distribution"):
        assert (workdir / "results/tables/tiny-electra/mistakes" / f"{name}.csv").stat().st_size > 0
        assert "|" in (workdir / "results/tables/tiny-electra/mistakes" / f"{name}.md").read_text()
    for challenge in ("breaking_nli", "hans"):
        for name in ("table1_categories", "table2_labels", "table5_categories", "table6_labels", "table7_accuracy"):
            assert (workdir / "results/tables/tiny-electra/mistakes" / challenge / f"{name}.csv").stat().st_size > 0
            assert "|" in (workdir / "results/tables/tiny-electra/mistakes" / challenge / f"{name}.md").read_text()
    for figure in ("mistakes_by_category", "breaking_accuracy_before_after", "epoch_mistake_overlap"):
        assert (workdir / "results/figures/tiny-electra" / f"{figure}.png").read_bytes()[:4] == b"\x89PNG"
    report = (workdir / "results/report.md").read_text()
    assert "## Mistaken examples" in report
    assert "Table 7" in report
    assert "### Challenge set: breaking_nli" in report and "### Challenge set: hans" in report
    assert "figures/tiny-electra/mistakes_by_category.png" in report


def test_all_examples_columns_equal_the_challenge_file_counts(demo_run):
    workdir, _, rows = demo_run
    table1 = pd.read_csv(workdir / TABLES / "table1_categories.csv")
    one_run = table1[(table1["recipe"] == "snli") & (table1["group"] != "Total")]
    assert dict(zip(one_run["group"], one_run["examples"], strict=True)) == Counter(r["category"] for r in rows)
    table2 = pd.read_csv(workdir / TABLES / "table2_labels.csv")
    one_run = table2[(table2["recipe"] == "snli") & (table2["group"] != "Total")]
    assert dict(zip(one_run["group"], one_run["examples"], strict=True)) == Counter(r["gold_label"] for r in rows)
    markdown = (workdir / TABLES / "table1_categories.md").read_text()
    assert f"| Total            |            {len(rows)} |" in markdown or f"{len(rows)} |" in markdown


def test_mistake_counts_recomputed_from_prediction_files(demo_run):
    workdir = demo_run[0]
    table1 = pd.read_csv(workdir / TABLES / "table1_categories.csv")
    table5 = pd.read_csv(workdir / TABLES / "table5_categories.csv")
    for recipe in RECIPES:
        before = pd.read_parquet(
            workdir / f"results/predictions/tiny-electra/{recipe}/seed1/lr0.0015/breaking_nli/test.parquet"
        )
        wrong = (before["gold"] != before["pred"]).groupby(before["category"]).sum()
        rows = table1[table1["recipe"] == recipe].set_index("group")["mistakes"]
        assert rows.drop("Total").to_dict() == wrong.to_dict()
        assert rows["Total"] == wrong.sum()
        after = pd.read_parquet(
            workdir
            / "results/predictions/tiny-electra/final/all_epochs/final_lr0.0001"
            / f"{recipe}/seed1/lr0.0015/breaking_nli/test.parquet"
        )
        after_wrong = (after["gold"] != after["pred"]).groupby(after["category"]).sum()
        cells = table5[
            (table5["recipe"] == recipe)
            & (table5["selection"] == "all_epochs")
            & (table5["final_lr"].astype(str) == "0.0001")
        ].set_index("group")
        assert cells["mistakes"].drop("Total").to_dict() == after_wrong.to_dict()
        assert (cells["delta"] == cells["mistakes"] - cells["mistakes_before"]).all()
        assert cells.loc["Total", "delta"] == after_wrong.sum() - wrong.sum()


def test_table3_matches_the_training_predictions(demo_run):
    workdir = demo_run[0]
    table3 = pd.read_csv(workdir / "results/tables/tiny-electra/mistakes/table3_combinations.csv")
    train = pd.read_parquet(workdir / "results/models/tiny-electra/snli_mnli/seed1/lr0.0015/train_predictions.parquet")
    expected = combination_counts(train).set_index("combination")["count"]
    got = table3[table3["recipe"] == "snli_mnli"].set_index("combination")["count"]
    assert got.to_dict() == expected.to_dict()
    assert got["Epochs 1 or 2"] == got["Epoch 1"] + got["Epoch 2"] - got["Epochs 1 and 2"]


def test_final_tuning_used_the_selected_examples_and_rates(demo_run):
    workdir = demo_run[0]
    table4 = pd.read_csv(workdir / "results/tables/tiny-electra/mistakes/table4_learning_rates.csv")
    initial_log = pd.read_csv(workdir / "results/models/tiny-electra/snli/seed1/lr0.0015/train_log.csv")
    scheduled = table4[(table4["recipe"] == "snli") & (table4["final_lr"] == "from_schedule")]["learning_rate"]
    assert scheduled.tolist() == pytest.approx([initial_log["learning_rate"].iloc[-1]] * len(scheduled))
    assert 0 < scheduled.iloc[0] < 0.0015 / 20  # the tail of the linear decay
    fixed = table4[(table4["recipe"] == "snli") & (table4["final_lr"] == "0.0001")]["learning_rate"]
    assert fixed.tolist() == pytest.approx([1e-4] * len(fixed))
    selection = pd.read_parquet(
        workdir / "results/mistakes/tiny-electra/snli/seed1/lr0.0015/selection/all_epochs.parquet"
    )
    train = pd.read_parquet(workdir / "results/models/tiny-electra/snli/seed1/lr0.0015/train_predictions.parquet")
    wrong_every_epoch = set.intersection(*(set(g.loc[g["gold"] != g["pred"], "id"]) for _, g in train.groupby("epoch")))
    assert set(selection["id"]) == wrong_every_epoch
    ambiguous = pd.read_parquet(
        workdir / "results/mistakes/tiny-electra/snli/seed1/lr0.0015/selection/chaosnli_max60.parquet"
    )
    assert (ambiguous["max_share"] <= 60).all()
    assert len(ambiguous) > 0
    facts = json.loads(
        (
            workdir / "results/models/tiny-electra/final/all_epochs/final_lr0.0001/snli/seed1/lr0.0015/run.json"
        ).read_text()
    )
    assert facts["train_examples"] == len(selection)


def test_the_hugging_face_token_is_written_nowhere(demo_run):
    workdir = demo_run[0]
    files = [path for path in workdir.rglob("*") if path.is_file()]
    assert len(files) > 100
    leaks = [path for path in files if FAKE_TOKEN.encode() in path.read_bytes()]
    assert leaks == []


def test_adversarial_tables_recompute_from_the_prediction_files(demo_run):
    workdir = demo_run[0]
    run = "seed1/lr0.0015"
    effect = pd.read_csv(workdir / "results/tables/tiny-electra/adversarial/attack_effect.csv").set_index("attack")
    parts = [
        pd.read_parquet(workdir / f"results/predictions/tiny-electra/snli/{run}/attack/gradient/{part}.parquet")
        for part in ("train", "heldout")
    ]
    attacked = pd.concat(parts)
    assert effect.loc["gradient", "attacked_accuracy"] == pytest.approx((attacked["gold"] == attacked["pred"]).mean())
    # the negation subset of SNLI test, counted by hand from the text
    pairs = pd.read_parquet(workdir / "results/data/snli/test.parquet")
    negated = (pairs["premise"] + " " + pairs["hypothesis"]).str.contains(r"\bnot\b|n't\b|\bno\b|\bnever\b")
    flows = pd.read_csv(workdir / "results/tables/tiny-electra/adversarial/error_flow.csv")
    row = flows[(flows["evalset"] == "snli/test") & (flows["subset"] == "negation")].iloc[0]
    assert row["pairs"] == negated.sum() > 0
    base = pd.read_parquet(workdir / f"results/predictions/tiny-electra/snli/{run}/snli/test.parquet")[
        negated.to_numpy()
    ]
    assert row["baseline_errors"] == (base["gold"] != base["pred"]).sum()


def test_a_persons_edits_in_the_spreadsheet_are_kept_and_counted(demo_run):
    workdir, config, _ = demo_run
    sheet_path = workdir / "results/analysis/tiny-electra/snli/seed1/lr0.0015/snli/test/errors.csv"
    sheet = pd.read_csv(sheet_path, dtype=str, keep_default_na=False)
    assert len(sheet) >= 20 or len(sheet) == sum_errors(workdir)
    assert {"confidence_pred", "confidence_gold", "llm_pred", "error_type", "cause", "fix"} <= set(sheet.columns)
    chosen = sheet["id"].iloc[[0, 3]].tolist()
    sheet.loc[sheet["id"].isin(chosen), "error_type"] = "annotation_artifact"  # what a person types
    sheet.to_csv(sheet_path, index=False)

    run_snakemake("--cores", "2", "--configfile", str(config), workdir=workdir)  # the tables follow the edit
    types = pd.read_csv(workdir / "results/tables/tiny-electra/analysis/error_types.csv")
    mine = types[(types["error_type"] == "annotation_artifact") & (types["evalset"] == "snli/test")].iloc[0]
    assert mine["rows"] == 2
    assert mine["by_person"] == 2
    assert "annotation_artifact" in (workdir / "results/report.md").read_text()

    run_snakemake("--cores", "2", "--configfile", str(config), "--forcerun", "error_spreadsheet", workdir=workdir)
    again = pd.read_csv(sheet_path, dtype=str, keep_default_na=False).set_index("id")
    assert (again.loc[chosen, "error_type"] == "annotation_artifact").all()
    assert (again.loc[chosen, "annotated_by"] == "person").all()
    assert (again.drop(index=chosen)["annotated_by"] == "rule").all()


def sum_errors(workdir) -> int:
    predictions = pd.read_parquet(workdir / "results/predictions/tiny-electra/snli/seed1/lr0.0015/snli/test.parquet")
    return int((predictions["gold"] != predictions["pred"]).sum())


def test_analysis_outputs_exist_for_every_analysed_model(demo_run):
    workdir = demo_run[0]
    models = ("snli/seed1/lr0.0015", "snli_mnli/seed1/lr0.0015", "adversarial/gradient/snli/seed1/lr0.0015")
    for model in (f"tiny-electra/{m}" for m in models):
        for evalset in ("snli/test", "breaking_nli/test"):
            assert (workdir / f"results/analysis/{model}/{evalset}/errors.csv").exists()
            for method in ("pca", "tsne"):
                assert (workdir / f"results/figures/projections/{model}/{evalset}_{method}.png").stat().st_size > 0
    comparison = pd.read_csv(workdir / "results/tables/tiny-electra/analysis/llm_comparison.csv")
    counts = comparison[["both_right", "model_right_llm_wrong", "model_wrong_llm_right", "both_wrong"]].sum(axis=1)
    assert (counts == comparison["examples"]).all()
    runs = pd.read_csv(workdir / "results/tables/tiny-electra/analysis/runs.csv")
    assert set(runs["kind"]) == {"initial", "final", "adversarial"}
    for recipe in RECIPES:
        assert (workdir / f"results/figures/tiny-electra/learning_curves/{recipe}.png").exists()


TRAINING_JOBS = {"train_stage", "final_tune", "retrain_adversarial", "evaluate_model", "evaluate_attack_set"}


def test_speed_and_logging_settings_retrain_nothing_but_result_settings_do(demo_run, tmp_path):
    """A cosmetic edit must not cost days of GPU time; a real one must not be silently skipped."""
    workdir, config, _ = demo_run
    import yaml

    base = yaml.safe_load(config.read_text())

    def planned(**training):
        edited = tmp_path / "edited.yaml"
        edited.write_text(yaml.safe_dump(base | {"training": base["training"] | training}))
        return planned_jobs(run_snakemake("-n", "--configfile", str(edited), workdir=workdir).stdout or "Job stats:\n")

    cosmetic = planned(
        eval_batch_size=base["training"]["eval_batch_size"] // 2,
        logging_steps=base["training"]["logging_steps"] + 7,
        tokenization_cache="resources/other_cache",
        threads=2,
        cuda_graphs=not base["training"].get("cuda_graphs", True),
        fused_optimizer=not base["training"].get("fused_optimizer", True),
        pad_to_multiple_of=8,
    )
    assert not TRAINING_JOBS & set(cosmetic), cosmetic
    assert not {"llm_predictions", "hidden_state_map", "attack_baseline"} & set(cosmetic), cosmetic
    assert planned(epochs=base["training"]["epochs"] + 1)["train_stage"] == len(RECIPES) + 0
    assert planned(batch_size=base["training"]["batch_size"] * 2)["final_tune"] > 0
    edited = tmp_path / "seed.yaml"
    edited.write_text(yaml.safe_dump(base | {"seeds": [2]}))
    assert planned_jobs(run_snakemake("-n", "--configfile", str(edited), workdir=workdir).stdout)["train_stage"] > 0


def plain_keys(frame: pd.DataFrame) -> pd.Series:
    """premise + hypothesis, lower case, single spaces: the overlap key, written independently of the package."""
    norm = lambda text: text.str.lower().str.split().str.join(" ")  # noqa: E731
    return norm(frame["premise"]) + "\t" + norm(frame["hypothesis"])


def test_overlap_table_and_every_run_count_the_shared_pairs(demo_run):
    workdir = demo_run[0]
    data = workdir / "results/data"
    table = pd.read_csv(data / "overlap.csv")
    scored = {name: set(plain_keys(pd.read_parquet(data / f"{name}.parquet"))) for name in table["scored_set"].unique()}
    for train_set in ("snli/train", "chaosnli/snli"):
        keys = plain_keys(pd.read_parquet(data / f"{train_set}.parquet"))
        for name, their_keys in scored.items():
            row = table[(table["train_set"] == train_set) & (table["scored_set"] == name)].iloc[0]
            assert row["overlapping"] == int(keys.isin(their_keys).sum()), (train_set, name)
    # the tuning job dropped exactly the selected pairs that sit in a scored set (leakage: exclude)
    selection = pd.read_parquet(
        workdir / "results/mistakes/tiny-electra/snli/seed1/lr0.0015/selection/chaosnli_max60.parquet"
    )
    inside = int(plain_keys(selection).isin(set().union(*scored.values())).sum())
    facts = json.loads(
        (
            workdir / "results/models/tiny-electra/final/chaosnli_max60/final_lr0.0001/snli/seed1/lr0.0015/run.json"
        ).read_text()
    )
    assert facts["overlap"]["action"] == "exclude"
    assert facts["overlap"]["dropped"] == inside
    assert facts["train_examples"] == len(selection) - inside
    initial = json.loads((workdir / "results/models/tiny-electra/snli/seed1/lr0.0015/run.json").read_text())
    snli_train = plain_keys(pd.read_parquet(data / "snli/train.parquet"))
    assert initial["overlap"]["dropped"] == int(snli_train.isin(set().union(*scored.values())).sum())
    assert "## Leakage: training pairs in scored sets" in (workdir / "results/report.md").read_text()


def test_adversarial_overall_leaves_out_the_validation_pairs_the_retrained_model_saw(demo_run):
    workdir = demo_run[0]
    overall = pd.read_csv(workdir / "results/tables/tiny-electra/adversarial/overall.csv")
    validation = overall[overall["evalset"] == "snli/validation"]
    trained_on = pd.read_parquet(
        workdir / "results/attack_sets/tiny-electra/adversarial/gradient/snli/seed1/lr0.0015/train.parquet"
    )
    full = pd.read_parquet(workdir / "results/predictions/tiny-electra/snli/seed1/lr0.0015/snli/validation.parquet")
    kept = full[~full["id"].isin(set(trained_on["id"].str.removeprefix("adv:")))]
    for _, row in validation.iterrows():  # baseline and retrained model, on the same remaining pairs
        assert row["trained_on"] == len(trained_on) > 0
        assert row["examples"] == len(full) - len(trained_on)
    baseline = validation[validation["model"] == "baseline"].iloc[0]
    assert baseline["accuracy"] == pytest.approx((kept["gold"] == kept["pred"]).mean())
    assert "left out" in (workdir / "results/tables/tiny-electra/adversarial/overall.md").read_text()


def test_subset_cells_from_too_few_pairs_are_not_given_percentages(demo_run):
    workdir = demo_run[0]
    metrics = pd.read_csv(workdir / "results/tables/tiny-electra/adversarial/subset_metrics.csv")
    few = metrics.groupby(["evalset", "subset", "model", "class"])["support"].mean()
    few = few[few < 30]
    assert len(few) > 0  # the small run has such subsets (long pairs, negation on the held-out attack set)
    markdown = (workdir / "results/tables/tiny-electra/adversarial/subset_metrics.md").read_text()
    assert "too few to read (n=" in markdown
    assert "pairs (per seed)" in markdown
    assert "seeds (pooled)" in (workdir / "results/tables/tiny-electra/adversarial/error_flow.md").read_text()


def test_snakemake_report_collects_tables_and_figures_with_their_captions(demo_run):
    workdir, config, _ = demo_run
    run_snakemake("--configfile", str(config), "--report", "report.html", workdir=workdir)
    html = (workdir / "report.html").read_text(errors="replace")
    assert "Table 7" in html  # a caption from rules/captions
    assert "Mistaken examples" in html
    assert "mistakes_by_category.png" in html


def test_training_dynamics_recomputed_from_the_raw_prediction_files(demo_run):
    """Region counts and forgetting events, recomputed here with plain pandas from train_predictions.parquet."""
    workdir = demo_run[0]
    regions = pd.read_csv(workdir / "results/tables/tiny-electra/dynamics/regions.csv").set_index("recipe")
    for recipe in RECIPES:
        raw = pd.read_parquet(
            workdir / f"results/models/tiny-electra/{recipe}/seed1/lr0.0015/train_predictions.parquet"
        )
        raw["p_gold"] = raw[["prob_e", "prob_n", "prob_c"]].to_numpy()[range(len(raw)), raw["gold"].to_numpy()]
        raw["right"] = raw["gold"] == raw["pred"]
        wide = raw.pivot(index="id", columns="epoch", values="right")
        events = sum(int((wide[e] & ~wide[e + 1]).sum()) for e in wide.columns[:-1])
        confidence = raw.groupby("id")["p_gold"].mean()
        variability = raw.groupby("id")["p_gold"].std(ddof=0)
        ambiguous = variability >= 0.2
        row = regions.loc[recipe]
        assert row["forgetting_events"] == events
        assert row["never_learnt"] == int((~wide.any(axis=1)).sum())
        assert row["region_ambiguous"] == int(ambiguous.sum())
        assert row["region_easy"] == int((~ambiguous & (confidence >= 0.75)).sum())
        assert row["region_hard_to_learn"] == int((~ambiguous & (confidence <= 0.25)).sum())
        assert row["mistake_record"] == "eval_pass"
        selected = pd.read_parquet(
            workdir / f"results/mistakes/tiny-electra/{recipe}/seed1/lr0.0015/selection/ambiguous_map.parquet"
        )
        chosen = variability.index.isin(set(selected["id"]))
        assert variability[chosen].min() >= variability[~chosen].max()  # the most variable ones
        assert len(selected) == round(0.33 * len(wide))
    report = (workdir / "results/report.md").read_text()
    assert "## Training dynamics" in report and "figures/tiny-electra/data_maps.png" in report
    assert (workdir / "results/figures/tiny-electra/data_maps.png").read_bytes()[:4] == b"\x89PNG"
    table7 = pd.read_csv(workdir / TABLES / "table7_accuracy.csv")
    assert {"all_epochs", "ambiguous_map"} <= set(table7["selection"])  # side by side, with significance


def test_recounting_the_overlap_table_retrains_nothing(demo_run):
    """data_overlap reruns when a tuning source is added or changes (e.g. a ChaosNLI selection): the initial models
    only wait for it (ancient input); they are retrained when their own data or settings change, not then."""
    workdir, config, _ = demo_run
    out = run_snakemake("-n", "--configfile", str(config), "--forcerun", "data_overlap", workdir=workdir).stdout
    assert not TRAINING_JOBS & set(planned_jobs(out)), planned_jobs(out)


def test_hans_is_scored_two_way_by_every_initial_model(demo_run):
    import json

    workdir = demo_run[0]
    predictions = sorted((workdir / "results/predictions").glob("tiny-electra/*/seed1/lr0.0015/hans/test.parquet"))
    assert len(predictions) == len(RECIPES)
    for path in predictions:
        frame = pd.read_parquet(path)
        three_way = frame[["prob_e", "prob_n", "prob_c"]].to_numpy().argmax(axis=1)
        assert ((three_way != 0).astype(int) == frame["pred"]).all()  # neutral and contradiction: non-entailment
        assert set(frame["gold"]) == {0, 1}
        metrics = json.loads(path.with_suffix(".json").read_text())
        assert metrics["accuracy"] == pytest.approx(float((frame["gold"] == frame["pred"]).mean()))
    assert "hans/test" in (workdir / "results/tables/tiny-electra/initial_accuracy.csv").read_text()
    # its Tables 1 and 2: by heuristic and by the two-way gold label, recounted from the prediction files
    table1 = pd.read_csv(workdir / "results/tables/tiny-electra/mistakes/hans/table1_categories.csv")
    table2 = pd.read_csv(workdir / "results/tables/tiny-electra/mistakes/hans/table2_labels.csv")
    for path in predictions:
        frame = pd.read_parquet(path)
        recipe = path.relative_to(workdir / "results/predictions/tiny-electra").parts[0]
        wrong = frame["gold"] != frame["pred"]
        rows = table1[table1["recipe"] == recipe].set_index("group")["mistakes"]
        assert rows.drop("Total").to_dict() == wrong.groupby(frame["category"]).sum().to_dict()
        labels = table2[table2["recipe"] == recipe].set_index("group")["mistakes"]
        names = frame["gold"].map({0: "entailment", 1: "non-entailment"})
        assert labels.drop("Total").to_dict() == wrong.groupby(names).sum().to_dict()
    table7 = pd.read_csv(workdir / "results/tables/tiny-electra/mistakes/hans/table7_accuracy.csv")
    assert set(table7["recipe"]) == set(RECIPES)


def test_the_report_is_its_manifest_and_one_entry_adds_a_table(demo_run, tmp_path, monkeypatch):
    """The report job's one manifest renders results/report.md exactly; one more entry (a table and its caption)
    shows that table under its caption in its section, and changes nothing else."""
    import shlex
    import shutil

    from workflow_helpers import REPO

    from nlirobust.report import write_report

    workdir, config, _ = demo_run
    plan = run_snakemake("-n", "-p", "--configfile", str(config), "--forcerun", "report", workdir=workdir).stdout
    lines = plan.splitlines()
    at = next(i for i, line in enumerate(lines) if "scripts/report.py" in line)
    command = shlex.split(lines[at])
    assert command[command.index("--manifest") + 1] == "-" and lines[at + 2] == "MANIFEST"
    manifest = json.loads(lines[at + 1])  # the here-document: standard input, not an argument
    run_config = json.loads(command[command.index("--config") + 1])
    sections = [entry["section"] for entry in manifest]
    assert sections.count("mistakes") == 3 and "challenge" in sections and "maps" in sections
    monkeypatch.chdir(workdir)  # the manifest's paths are the workflow's, relative to its directory
    again = workdir / "results" / "report_again.md"  # beside report.md: its figure links are the same
    write_report(again, manifest, run_config, REPO / "rules" / "captions")
    assert again.read_text() == (workdir / "results/report.md").read_text()
    # a grid's manifest outgrows what one argument may hold (128 KB on Linux): read from stdin it still works
    large = manifest + [{"section": "maps", "path": f"results/analysis/x{i}/p.parquet", "caption": None,
                         "encoder": "tiny-electra"} for i in range(4000)]  # fmt: skip
    assert len(json.dumps(large)) > 2**17
    import subprocess
    import sys

    subprocess.run(
        [sys.executable, str(REPO / "scripts/report.py"), "--manifest", "-", "--captions", str(REPO / "rules/captions"),
         "--config", json.dumps(run_config), "--out", str(again)],
        input=json.dumps(large), text=True, check=True, cwd=workdir,
    )  # fmt: skip
    assert again.read_text() == (workdir / "results/report.md").read_text()

    captions = tmp_path / "captions"
    shutil.copytree(REPO / "rules" / "captions", captions)
    (captions / "table8_new.rst").write_text("Table 8: a table added with one manifest entry.\n")
    table = tmp_path / "table8_new.md"
    table.write_text("| cell |\n|---|\n| 42 |\n")
    last_mistakes = max(i for i, entry in enumerate(manifest) if entry["section"] == "mistakes")
    entry = {"section": "mistakes", "path": str(table), "caption": "table8_new", "encoder": "tiny-electra"}
    manifest.insert(last_mistakes + 1, entry)
    write_report(again, manifest, run_config, captions)
    added = "### Table 8: a table added with one manifest entry.\n\n| cell |\n|---|\n| 42 |\n\n"
    report = (workdir / "results/report.md").read_text()
    in_distribution = report.index("### " + (REPO / "rules/captions/in_distribution.rst").read_text().strip())
    next_section = report.index("\n### Challenge set", in_distribution) + 1
    assert again.read_text() == report[:next_section] + added + report[next_section:]
    again.unlink()


def test_a_declared_set_is_prepared_scored_and_tabled_by_category_and_label(demo_run):
    """The set no code names: prepared with the declared counts, scored by every initial model, and its Table 8
    (accuracy by category x gold label) recounted from the prediction files, in the CSV and in the Markdown."""
    workdir, _, _ = demo_run
    rows = [json.loads(line) for line in (workdir / "letters.jsonl").read_text().splitlines()]
    counts = json.loads((workdir / "results/data/letters/counts.json").read_text())["test"]
    kept = [row for row in rows if row["label"] != "-"]
    assert counts["pairs"] == len(kept) and counts["dropped_no_gold_label"] == len(rows) - len(kept)
    assert counts["labels"] == {str(k): v for k, v in sorted(Counter("enc".index(r["label"]) for r in kept).items())}
    table = pd.read_csv(workdir / "results/tables/tiny-electra/mistakes/letters/table8_category_label.csv")
    markdown = (workdir / "results/tables/tiny-electra/mistakes/letters/table8_category_label.md").read_text()
    reason = {row["uid"]: row["reason"] for row in kept}
    for recipe in RECIPES:
        predictions = pd.read_parquet(
            workdir / f"results/predictions/tiny-electra/{recipe}/seed1/lr0.0015/letters/test.parquet"
        )
        assert len(predictions) == len(kept)
        predictions["reason"] = predictions["id"].map(reason)
        predictions["label"] = predictions["gold"].map(dict(enumerate(["entailment", "neutral", "contradiction"])))
        for (category, label), part in predictions.groupby(["reason", "label"]):
            accuracy = (part["gold"] == part["pred"]).mean()
            cell = table[(table["recipe"] == recipe) & (table["category"] == category) & (table["label"] == label)]
            assert cell["examples"].item() == len(part) and cell["accuracy"].item() == pytest.approx(accuracy)
            # the Markdown row of this cell (one seed: the accuracy alone), under the recipe's column
            line = next(
                line for line in markdown.splitlines() if line.startswith(f"| {category} ") and f"| {label} " in line
            )
            header = next(line for line in markdown.splitlines() if line.startswith("| Category"))
            column = [c.strip() for c in header.strip("|").split("|")].index(recipe)
            assert line.strip("|").split("|")[column].strip() == f"{100 * accuracy:.1f}"
    report = (workdir / "results/report.md").read_text()
    assert "### Challenge set: letters" in report and "Table 8: accuracy" in report


def test_a_set_added_to_a_finished_grid_is_scored_without_retraining(demo_run, tmp_path):
    """A new set that shares no pair with any training source: the plan prepares and scores it and redoes the
    tables; no training or tuning job runs. A set that shares pairs
    with SNLI's training set under `exclude`: once data_overlap has seen it, the plan retrains exactly the runs that
    train on SNLI (and what starts from them), each because its leakage list changed."""
    import shutil

    workdir, config, _ = demo_run
    copy = tmp_path / "grid"
    shutil.copytree(workdir, copy, symlinks=True)
    settings = yaml.safe_load(config.read_text())
    rooms = ["kitchen", "garage", "attic", "hallway"]
    fresh = [
        {"uid": f"new{i}", "premise": f"Nobody is in the {rooms[i % 4]} number {i} .", "hypothesis": "A person is "
         f"in the {rooms[i % 4]} .", "label": "c", "reason": "new"}
        for i in range(20)
    ]  # fmt: skip
    (copy / "fresh.jsonl").write_text("".join(json.dumps(row) + "\n" for row in fresh))
    settings["data"]["fresh"] = ANLI_LIKE_DECLARATION | {"path": str(copy / "fresh.jsonl")}
    settings["evaluation"]["sets"] = settings["evaluation"]["sets"] + ["fresh/test"]
    added = copy / "added.yaml"
    added.write_text(yaml.safe_dump(settings))
    plan = run_snakemake("-n", "--configfile", str(added), workdir=copy).stdout
    jobs = planned_jobs(plan)
    assert not {"train_stage", "final_tune", "retrain_adversarial", "select_ambiguous"} & set(jobs), jobs
    assert jobs["prepare_fresh"] == 1 and jobs["data_overlap"] == 1 and "evaluate_model" in jobs
    before = {p: p.stat().st_mtime_ns for p in (copy / "results/models").rglob("run.json")}
    run_snakemake("--cores", "2", "--configfile", str(added), workdir=copy)
    rewritten = [p for p, mtime in before.items() if p.stat().st_mtime_ns != mtime]
    assert rewritten == []  # no training or tuning job ran
    assert (copy / "results/predictions/tiny-electra/snli/seed1/lr0.0015/fresh/test.parquet").exists()

    shared = pd.read_parquet(copy / "results/data/snli/train.parquet").iloc[:30]
    rows = [
        {"uid": f"s{i}", "premise": r.premise, "hypothesis": r.hypothesis, "label": "enc"[r.label], "reason": "x"}
        for i, r in enumerate(shared.itertuples())
    ]
    (copy / "fresh.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    run_snakemake("--cores", "2", "--configfile", str(added), "--until", "data_overlap", workdir=copy)
    plan = run_snakemake("-n", "--configfile", str(added), workdir=copy).stdout
    jobs = planned_jobs(plan)
    assert jobs["train_stage"] == 2 and jobs["retrain_adversarial"] == 1, jobs
    reasons = {
        re.search(r"wildcards: [^\n]*recipe=(\w+)", block)[1]: re.search(r"reason: ([^\n]*)", block)[1]
        for block in re.split(r"^\[[^\]\n]*\]\s*$", plan, flags=re.M)
        if re.search(r"^\s*(?:local)?rule train_stage:", block, re.M)
    }
    assert "results/data/leakage/snli/train.jsonl" in reasons["snli"]  # its list changed
    assert (
        "leakage" not in reasons["snli_mnli"] and "results/models/tiny-electra/snli/" in reasons["snli_mnli"]
    )  # its start did
