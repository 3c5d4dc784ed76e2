"""A sweep of two embedded encoders (tiny-electra: 2 seeds x 2 learning rates; tiny-bert: 2 seeds at its own one
rate) over 1 recipe, small sizes, run through the workflow: every rendered table a researcher reads that aggregates
over the grid, recounted from the prediction files, and the encoders compared side by side."""

import json
import re

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy.stats import binomtest, ttest_rel
from workflow_helpers import ONE_ENCODER, run_snakemake, write_config

from nlirobust.names import lr_name

pytestmark = pytest.mark.workflow
SEEDS = [1, 2]
RATES = [1.5e-3, 1.0e-3]
ELECTRA, BERT = "tiny-electra", "tiny-bert"
BERT_RATES = [1.0e-3]  # its own grid (models[].learning_rates)
ENCODERS = ONE_ENCODER + [
    {"name": BERT, "name_or_path": "embedded-bert", "max_length": 64, "learning_rates": BERT_RATES}
]
SIZES = {
    "snli_train": 1500,
    "snli_validation": 240,
    "snli_test": 240,
    "mnli_train": 300,
    "mnli_validation": 120,
    "chaosnli": 30,
    "breaking_nli_scale": 0.05,
}


@pytest.fixture(scope="module")
def grid_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("grid")
    config = write_config(
        workdir / "grid.yaml",
        base="config/demo.yaml",
        models=ENCODERS,
        recipes=["snli"],
        seeds=SEEDS,
        learning_rates=RATES,
        embedded={
            "seed": 0,
            "sizes": SIZES,
            "model": {"hidden_size": 64, "num_layers": 2, "num_heads": 2, "intermediate_size": 128, "vocab_size": 600},
        },
        training={"epochs": 2, "logging_steps": 5},
        evaluation={"sets": ["snli/validation", "snli/test", "breaking_nli/test"], "challenge_sets": []},
        mistakes={"selections": ["all_epochs"], "final_learning_rates": ["from_schedule"]},
        adversarial={"per_class": 40, "attacks": ["gradient"], "retrain_attacks": ["gradient"]},
        analysis=None,
    )
    settings = yaml.safe_load(config.read_text())
    settings["data"].pop("hans")  # not needed here: its tables are tested elsewhere
    config.write_text(yaml.safe_dump(settings))
    run_snakemake("--cores", "2", "--configfile", str(config), workdir=workdir)
    return workdir


def runs():
    return [(seed, lr_name(lr)) for lr in RATES for seed in SEEDS]


def predictions(workdir, model, evalset, encoder=ELECTRA):
    return pd.read_parquet(workdir / f"results/predictions/{encoder}/{model}/{evalset}.parquet")


def correct(frame):
    return (frame["gold"] == frame["pred"]).to_numpy()


def block(markdown: str, lr: str) -> str:
    """The Markdown block of one learning rate (tables are split by `lr = ...` headings)."""
    part = markdown.split(f"lr = {float(lr)}**")[1]
    return part.split("**")[0]


def test_table4_lists_the_rate_each_final_run_used_per_initial_rate(grid_run):
    markdown = (grid_run / "results/tables/tiny-electra/mistakes/table4_learning_rates.md").read_text()
    used = {}
    for seed, lr in runs():
        steps = pd.read_csv(grid_run / f"results/models/tiny-electra/snli/seed{seed}/lr{lr}/train_log.csv")
        used.setdefault(lr, set()).add(float(steps["learning_rate"].iloc[-1]))  # where the schedule ended
    for lr, rates in used.items():
        row = next(line for line in markdown.splitlines() if re.search(rf"\|\s*{float(lr)}\s*\|", line))
        for rate in rates:
            assert f"{rate:.3g}" in row
    pooled = np.mean([r for rates in used.values() for r in rates])
    assert f"{pooled:.3g}" not in markdown


def test_table7_recounted_per_seed_with_a_seed_level_test(grid_run):
    markdown = (grid_run / "results/tables/tiny-electra/mistakes/breaking_nli/table7_accuracy.md").read_text()
    p_values = {}
    for lr in (lr_name(r) for r in RATES):
        cells, changes = [], []
        for seed in SEEDS:
            before = correct(predictions(grid_run, f"snli/seed{seed}/lr{lr}", "breaking_nli/test"))
            after = correct(
                predictions(grid_run, f"final/all_epochs/final_lrfrom_schedule/snli/seed{seed}/lr{lr}",
                            "breaking_nli/test")
            )  # fmt: skip
            fixed, broken = int((~before & after).sum()), int((before & ~after).sum())
            cells.append((fixed, broken))
            changes.append(after.mean() - before.mean())
        text = block(markdown, lr)
        assert ", ".join(f"{f} / {b}" for f, b in cells) in text
        for fixed, broken in cells:
            assert f"{1.0 if fixed + broken == 0 else binomtest(fixed, fixed + broken).pvalue:.3g}" in text
        p_values[lr] = ttest_rel(changes, [0, 0]).pvalue if np.ptp(changes) else None
    tested = {lr: p for lr, p in p_values.items() if p is not None}
    for lr, p in tested.items():
        holm = min(1.0, p * (len(tested) if p == min(tested.values()) else 1))
        holm = max(holm, min(1.0, min(tested.values()) * len(tested)))
        assert re.search(rf"\|\s*{p:.3g}\s*\|\s*{holm:.3g}\s*\|", block(markdown, lr))


def test_initial_accuracy_and_the_reports_comparison_keep_rates_apart(grid_run):
    accuracy = {
        (seed, lr): correct(predictions(grid_run, f"snli/seed{seed}/lr{lr}", "snli/validation")).mean()
        for seed, lr in runs()
    }
    table = (grid_run / "results/tables/tiny-electra/initial_accuracy.md").read_text()
    report = (grid_run / "results/report.md").read_text()
    means = {}
    for lr in (lr_name(r) for r in RATES):
        values = pd.Series([100 * accuracy[(seed, lr)] for seed in SEEDS])
        means[lr] = values.mean()
        row = next(line for line in table.splitlines() if re.match(rf"\|\s*snli\s*\|\s*{float(lr)}\s*\|", line))
        assert f"{values.mean():.1f} ± {values.std():.1f}" in row
        assert f"snli at {lr} {values.mean():.1f} ± {values.std():.1f}%" in report or (
            f"snli {values.mean():.1f} ± {values.std():.1f}%" in report
        )
    chosen = max(means, key=means.get)
    assert f"snli {chosen} (snli/validation)" in report
    pooled = np.mean([100 * a for a in accuracy.values()])
    assert f"ours snli {pooled:.1f}%" not in report


def test_adversarial_tables_recounted_per_seed_and_on_one_code_path(grid_run):
    effect = pd.read_csv(grid_run / "results/tables/tiny-electra/adversarial/attack_effect.csv")
    overall = (grid_run / "results/tables/tiny-electra/adversarial/overall.md").read_text()
    for seed, lr in runs():
        attack = f"results/attack_sets/tiny-electra/adversarial/gradient/snli/seed{seed}/lr{lr}"
        ids = pd.concat([pd.read_parquet(grid_run / attack / f"{p}.parquet") for p in ("train", "heldout")])["id"]
        clean = predictions(grid_run, f"snli/seed{seed}/lr{lr}", "snli/validation").set_index("id")
        clean = clean.loc[ids.str.removeprefix("adv:")]
        row = effect[(effect["seed"] == seed) & (effect["lr"] == float(lr))].iloc[0]
        assert row["clean_accuracy"] == pytest.approx((clean["gold"] == clean["pred"]).mean())
        base = correct(predictions(grid_run, f"snli/seed{seed}/lr{lr}", "snli/test"))
        new = correct(predictions(grid_run, f"adversarial/gradient/snli/seed{seed}/lr{lr}", "snli/test"))
        assert f"{int((~base & new).sum())} / {int((base & ~new).sum())}" in overall
    assert "(each seed)" in overall and "pooled" not in overall.split("Tests:")[0]
    retrained = json.loads(
        (
            grid_run / f"results/models/tiny-electra/adversarial/gradient/snli/seed1/lr{lr_name(RATES[0])}/run.json"
        ).read_text()
    )
    assert retrained["arguments"]["validation_file"].endswith("retrain_validation.parquet")


def test_figures_are_drawn_for_the_grid(grid_run):
    for name in ("mistakes_by_category", "breaking_accuracy_before_after", "epoch_mistake_overlap", "data_maps",
                 "adversarial_error_flow_chart"):  # fmt: skip
        assert (grid_run / f"results/figures/tiny-electra/{name}.png").read_bytes()[:4] == b"\x89PNG", name


def test_every_job_leaves_a_benchmark_and_job_costs_summarises_them(grid_run):
    import subprocess
    import sys

    from workflow_helpers import REPO

    from nlirobust.run_facts import job_costs

    costs = job_costs(grid_run / "logs/benchmarks").set_index("rule")
    assert costs.loc["train_stage", "jobs"] == len(runs()) + len(SEEDS) * len(BERT_RATES)
    assert costs.loc["final_tune", "jobs"] == len(runs()) + len(SEEDS) * len(BERT_RATES)
    assert costs.loc["report", "jobs"] == 1
    seconds = [
        float(pd.read_csv(path, sep="\t")["s"].iloc[-1])
        for path in (grid_run / "logs/benchmarks/train_stage").rglob("*.tsv")
    ]
    assert costs.loc["train_stage", "minutes (max)"] == pytest.approx(max(seconds) / 60, abs=0.01)
    printed = subprocess.run(
        [sys.executable, str(REPO / "scripts/job_costs.py"), "--benchmarks", str(grid_run / "logs/benchmarks")],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "| train_stage " in printed and "peak MB (max)" in printed


def test_table8_is_each_rates_mean_and_sd_over_seeds_never_pooled(grid_run):
    """Breaking NLI's Table 8 (accuracy by category x gold label): in each learning rate's Markdown block, every cell
    is the mean ± sd over the two seeds at that rate, recounted from the prediction files; no cell pools the rates."""
    markdown = (grid_run / "results/tables/tiny-electra/mistakes/breaking_nli/table8_category_label.md").read_text()
    names = dict(enumerate(["entailment", "neutral", "contradiction"]))
    for lr in (lr_name(r) for r in RATES):
        per_seed = []
        for seed in SEEDS:
            frame = predictions(grid_run, f"snli/seed{seed}/lr{lr}", "breaking_nli/test")
            frame = frame.assign(label=frame["gold"].map(names), right=correct(frame))
            per_seed.append(frame.groupby(["category", "label"])["right"].mean() * 100)
        expected = pd.concat(per_seed, axis=1)
        rows = {
            tuple(cell.strip() for cell in line.strip("|").split("|")[:2]): line.strip("|").split("|")[-1].strip()
            for line in block(markdown, lr).splitlines()
            if line.startswith("| ") and not line.startswith("| Category")
        }
        assert len(rows) == len(expected) > 10
        for (category, label), values in expected.iterrows():
            assert rows[(category, label)] == f"{values.mean():.1f} ± {values.std(ddof=1):.1f}", (lr, category, label)


def markdown_row(block_text: str, encoder: str) -> dict[str, str]:
    """The cells of `encoder`'s row in a Markdown table, by column name."""
    lines = [line for line in block_text.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    row = next(line for line in lines[2:] if line.strip("|").split("|")[0].strip() == encoder)
    return dict(zip(header, (cell.strip() for cell in row.strip("|").split("|")), strict=True))


def test_encoders_compared_at_each_encoders_chosen_rate_recounted_from_the_predictions(grid_run):
    """The comparison's cells, one encoder at a time: its rate chosen on SNLI validation (mean over seeds), each
    cell the mean ± sd over its seeds at that rate, recounted from the prediction files; never another encoder's
    runs, never a rate mixed in."""
    markdown = (grid_run / "results/tables/encoders_compared.md").read_text()
    headline, breaking = markdown.split("**breaking_nli/test**")
    names = {0: "entailment", 1: "neutral", 2: "contradiction"}
    for encoder, rates in ((ELECTRA, RATES), (BERT, BERT_RATES)):
        validation = {
            lr_name(lr): [100 * correct(predictions(grid_run, f"snli/seed{s}/lr{lr_name(lr)}", "snli/validation",
                                                    encoder)).mean() for s in SEEDS]
            for lr in rates
        }  # fmt: skip
        chosen = max(validation, key=lambda lr: np.mean(validation[lr]))
        row = markdown_row(headline, encoder)
        assert row["lr"] == chosen and row["seeds"] == "2"
        values = pd.Series(validation[chosen])
        assert row["validation (last stage)"] == f"{values.mean():.1f} ± {values.std():.1f}"
        contradiction = []
        for seed in SEEDS:
            frame = predictions(grid_run, f"snli/seed{seed}/lr{chosen}", "breaking_nli/test", encoder)
            wanted = frame["gold"].map(names) == "contradiction"
            contradiction.append(100 * correct(frame[wanted]).mean())
        values = pd.Series(contradiction)
        cell = markdown_row(breaking, encoder)["breaking_nli/test contradiction"]
        assert cell == f"{values.mean():.1f} ± {values.std():.1f}", encoder
    assert markdown_row(breaking, "published (reference)")["breaking_nli/test contradiction"] == "90.77"
    report = (grid_run / "results/report.md").read_text()
    assert (
        report.index("## Encoders compared")
        < report.index(f"## Encoder `{ELECTRA}`")
        < report.index(f"## Encoder `{BERT}`")
    )
    assert (grid_run / "results/figures/encoders_compared.png").read_bytes()[:4] == b"\x89PNG"


def test_each_encoders_tables_hold_its_runs_only(grid_run):
    """tiny-bert trained at one rate: its tables have that rate alone; tiny-electra's have both of its own."""
    bert = pd.read_csv(grid_run / f"results/tables/{BERT}/initial_accuracy.csv")
    electra = pd.read_csv(grid_run / f"results/tables/{ELECTRA}/initial_accuracy.csv")
    assert set(bert["lr"]) == set(BERT_RATES) and set(electra["lr"]) == set(RATES)
    # every CSV of an encoder's tables names it in its first column (CSVs of several encoders can be put together)
    for path in (grid_run / f"results/tables/{BERT}").rglob("*.csv"):
        frame = pd.read_csv(path)
        assert frame.columns[0] == "encoder" and set(frame["encoder"]) <= {BERT}, path
    run = json.loads((grid_run / f"results/models/{BERT}/snli/seed1/lr0.001/run.json").read_text())
    assert run["encoder"] == {"name": BERT, "name_or_path": "embedded-bert"}
    config = json.loads((grid_run / f"results/models/{BERT}/snli/seed1/lr0.001/model/config.json").read_text())
    assert config["model_type"] == "bert"
