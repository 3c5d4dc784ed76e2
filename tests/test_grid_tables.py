"""Aggregation over a grid of learning rates and seeds, on small files shaped like the workflow's: no table or line
of the report averages two learning rates, and no test counts the same pair in several seeds as several pairs."""

import json
import math
import re

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest, ttest_rel

from nlirobust.stats import NO_SPREAD, ONE_SEED, holm, seed_level_p, with_seed_tests


def write_predictions(path, gold, pred):
    path.parent.mkdir(parents=True, exist_ok=True)
    n = len(gold)
    pd.DataFrame(
        {"id": [str(i) for i in range(n)], "gold": gold, "pred": pred, "prob_e": 1 / 3, "prob_n": 1 / 3,
         "prob_c": 1 / 3, "loss": 1.0, "category": "colors"}
    ).to_parquet(path)  # fmt: skip
    return path


def test_holm_adjusts_step_down_and_leaves_untested_cells_out():
    adjusted = holm([0.01, 0.04, math.nan, 0.03])
    assert adjusted[0] == pytest.approx(0.03)  # 3 tests: smallest x 3
    assert adjusted[3] == pytest.approx(0.06)  # second x 2
    assert adjusted[1] == pytest.approx(0.06)  # third x 1 = 0.04, but never below the one before
    assert math.isnan(adjusted[2])


def test_seed_level_p_is_the_paired_t_test_and_says_when_there_is_none():
    before, after = np.array([0.50, 0.52, 0.49, 0.55]), np.array([0.56, 0.55, 0.50, 0.60])
    assert seed_level_p(after - before) == pytest.approx(ttest_rel(after, before).pvalue)
    assert math.isnan(seed_level_p([0.03]))
    assert math.isnan(seed_level_p([0.02, 0.02, 0.02]))
    frame = pd.DataFrame({"cell": ["a", "b", "b", "c", "c"], "change": [1.0, 2.0, 2.0, 1.0, 3.0]})
    tested = with_seed_tests(frame, ["cell"], "change").set_index("cell")
    assert tested.loc["a", "seed_test_note"] == ONE_SEED
    assert (tested.loc["b", "seed_test_note"] == NO_SPREAD).all()
    assert tested.loc["c", "seed_test_p"].tolist() == pytest.approx([ttest_rel([1.0, 3.0], [0, 0]).pvalue] * 2)


def challenge_grid(tmp_path, fixed_broken):
    """Breaking-NLI-shaped predictions of initial and final models for 1 recipe x seeds x 2 rates: each seed's
    final model fixes and breaks the given counts of the same 100 pairs."""
    before_files, after_files = [], []
    for lr in ("0.001", "0.0005"):
        for seed, (fixed, broken) in enumerate(fixed_broken, start=1):
            gold = np.zeros(100, dtype=int)
            before = np.r_[np.ones(fixed + 10, dtype=int), np.zeros(100 - fixed - 10, dtype=int)]  # wrong first
            after = before.copy()
            after[:fixed] = 0  # fixed
            after[50 : 50 + broken] = 1  # broken
            run = f"snli/seed{seed}/lr{lr}"
            before_files.append(write_predictions(tmp_path / f"predictions/{run}/breaking_nli/test.parquet", gold,
                                                  before))  # fmt: skip
            after_files.append(write_predictions(
                tmp_path / f"predictions/final/all_epochs/final_lr1e-05/{run}/breaking_nli/test.parquet", gold, after
            ))  # fmt: skip
    return before_files, after_files


def test_table7_keeps_each_seeds_mcnemar_and_decides_significance_across_seeds(tmp_path):
    """Five seeds of 12 fixed / 5 broken: p = 0.14 each. Pooled, the same pairs five times would give p = 2e-4
    and 'significant: yes'; the table shows the five p-values and makes no across-seed claim it cannot test."""
    from nlirobust.mistake_tables import write_challenge_tables

    before, after = challenge_grid(tmp_path, [(12, 5)] * 5)
    write_challenge_tables(tmp_path / "out", ["snli"], "breaking_nli/test", before, after)
    markdown = (tmp_path / "out/table7_accuracy.md").read_text()
    each = binomtest(12, 17, 0.5).pvalue
    assert f"{each:.3g}, {each:.3g}, {each:.3g}, {each:.3g}, {each:.3g}" in markdown
    assert "12 / 5, 12 / 5, 12 / 5, 12 / 5, 12 / 5" in markdown
    assert "60 / 25" not in markdown and f"{binomtest(60, 85, 0.5).pvalue:.3g}" not in markdown
    assert "| yes " not in markdown and NO_SPREAD in markdown
    assert "McNemar" in markdown and "paired t-test" in markdown  # the table says which test is which


def test_table7_seed_level_test_and_holm_over_the_tables_cells(tmp_path):
    from nlirobust.mistake_tables import write_challenge_tables

    counts = [(12, 5), (20, 2), (15, 4)]
    before, after = challenge_grid(tmp_path, counts)
    write_challenge_tables(tmp_path / "out", ["snli"], "breaking_nli/test", before, after)
    table = pd.read_csv(tmp_path / "out/table7_accuracy.csv")
    changes = [(f - b) / 100 for f, b in counts]
    p = ttest_rel(changes, [0, 0, 0]).pvalue
    assert table["seed_test_p"].to_numpy() == pytest.approx([p] * 6)
    # two cells (one per learning rate) with the same p: Holm multiplies the smaller by 2, the other by 1
    assert table["seed_test_p_holm"].to_numpy() == pytest.approx([min(1, 2 * p)] * 6)
    markdown = (tmp_path / "out/table7_accuracy.md").read_text()
    assert len(re.findall(rf"\|\s*{p:.3g}\s*\|\s*{min(1, 2 * p):.3g}\s*\|\s*no\s*\|", markdown)) == 2
    assert "lr = 0.0005" in markdown and "lr = 0.001" in markdown


def write_run(path, facts):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(facts))
    return path


def test_table4_shows_the_rate_each_final_run_used_per_initial_rate_never_their_mean(tmp_path):
    from nlirobust.mistake_frames import learning_rates_wide
    from nlirobust.run_paths import parse_run

    used = {("0.001", 1): 1.41e-05, ("0.001", 2): 1.41e-05, ("0.0005", 1): 7.04e-06, ("0.0005", 2): 7.05e-06}
    rows = []
    for (lr, seed), rate in used.items():
        run = parse_run(f"e/final/all_epochs/final_lrfrom_schedule/snli/seed{seed}/lr{lr}")
        rows.append(run.key() | run.final_key() | {"learning_rate": rate})
    table = learning_rates_wide(pd.DataFrame(rows), ["snli"])
    cells = dict(zip(table["initial lr"], table["snli"], strict=True))
    assert cells == {0.0005: "7.04e-06 (1 seed), 7.05e-06 (1 seed)", 0.001: "1.41e-05"}
    assert f"{np.mean(list(used.values())):.3g}" not in table.to_markdown()


def test_report_compares_the_rate_chosen_on_validation_with_the_published_number(tmp_path):
    """Rates 5e-05 (about 89%) and 0.001 (collapsed, 33%): the report must not print their pooled 61%."""
    from nlirobust.reference_comparison import comparison_section

    rows = []
    for lr, accuracy in ((5e-05, 0.89), (0.001, 0.333)):
        for seed, noise in ((1, 0.004), (2, -0.002)):
            for evalset in ("snli/validation", "snli/test"):
                rows.append({"recipe": "snli", "seed": seed, "lr": lr, "evalset": evalset,
                             "accuracy": accuracy + noise})  # fmt: skip
    long = pd.DataFrame(rows)
    long.to_csv(tmp_path / "accuracy.csv", index=False)
    baseline = {"accuracy": 0.55, "majority_class_accuracy": 0.34}
    text = comparison_section(tmp_path / "accuracy.csv", baseline, {"snli/test": 0.89}, {"model": "x"})
    chosen = long[(long["lr"] == 5e-05) & (long["evalset"] == "snli/test")]["accuracy"] * 100
    assert f"snli {chosen.mean():.1f} ± {chosen.std():.1f}%" in text
    assert "snli 5e-05 (snli/validation)" in text  # chosen on validation
    pooled = long[long["evalset"] == "snli/test"]["accuracy"].mean() * 100
    assert f"{pooled:.1f}" not in text
    assert "within" in text  # 89.1 vs 89: no false alarm from the collapsed rate


def test_inherited_leakage_marks_the_second_stage_and_both_sides_of_tuning(tmp_path):
    """leakage: report. snli's run kept 3 pairs of snli/test; snli_mnli started from it and kept none of its own:
    its snli/test cells carry the mark too, before and after final tuning."""
    from nlirobust.mistake_tables import write_mistake_tables
    from nlirobust.tables import accuracy_long, mark_kept_overlap

    kept = {"overlap": {"kept_overlapping": 3, "dropped": 0, "by_set": {"snli/test": 3}}}
    none = {"overlap": {"kept_overlapping": 0, "dropped": 0, "by_set": {"snli/test": 0}}}
    runs = [
        write_run(tmp_path / "models/e/snli/seed1/lr0.001/run.json", kept),
        write_run(tmp_path / "models/e/snli_mnli/seed1/lr0.001/run.json", none),
        write_run(tmp_path / "models/e/snli/seed1/lr0.0005/run.json", none),
        write_run(tmp_path / "models/e/snli_mnli/seed1/lr0.0005/run.json", none),
    ]
    metrics, finals, after, combos = [], [], [], []
    for recipe in ("snli", "snli_mnli"):
        for lr in ("0.001", "0.0005"):
            m = {"accuracy": 0.8, "loss": 0.5, "examples": 10, "mistakes": 2}
            metrics.append(write_run(tmp_path / f"predictions/e/{recipe}/seed1/lr{lr}/snli/test.json", m))
            final = f"e/final/all_epochs/final_lr1e-05/{recipe}/seed1/lr{lr}"
            after.append(write_run(tmp_path / f"predictions/{final}/snli/test.json", m))
            finals.append(
                write_run(
                    tmp_path / f"models/{final}/run.json", {"learning_rate_used": 1e-5, "train_examples": 5} | none
                )
            )
            combo = tmp_path / f"mistakes/e/{recipe}/seed1/lr{lr}/combinations.csv"
            combo.parent.mkdir(parents=True, exist_ok=True)
            pd.DataFrame({"combination": ["1"], "kind": ["epochs"], "epochs": ["1"], "count": [3]}).to_csv(combo)
            combos.append(combo)
    marked = mark_kept_overlap(accuracy_long(metrics), runs).set_index(["recipe", "lr"])["overlap_kept"]
    assert marked[("snli", 0.001)] and marked[("snli_mnli", 0.001)]
    assert not marked[("snli", 0.0005)] and not marked[("snli_mnli", 0.0005)]
    write_mistake_tables(tmp_path / "out", ["snli", "snli_mnli"], combos, metrics, after, finals, runs)
    markdown = (tmp_path / "out/in_distribution.md").read_text()
    block = markdown.split("lr = 0.001**")[1]
    for recipe in ("snli", "snli_mnli"):
        line = next(line for line in block.splitlines() if line.startswith(f"| {recipe} "))
        assert line.count("†") == 2, line  # before and after
    other = markdown.split("lr = 0.0005**")[1].split("**")[0]
    assert "†" not in other


def test_data_table_names_a_two_way_sets_own_labels(tmp_path):
    from nlirobust.report import data_section

    for dataset, labels in (("snli", {"0": 5, "1": 4, "2": 3}), ("hans", {"0": 600, "1": 600})):
        (tmp_path / dataset).mkdir()
        counts = {"test": {"pairs": sum(labels.values()), "dropped_no_gold_label": 0, "labels": labels}}
        (tmp_path / dataset / "counts.json").write_text(json.dumps(counts))
    table = data_section([tmp_path / "snli/counts.json", tmp_path / "hans/counts.json"])
    hans = next(line for line in table.splitlines() if line.startswith("| hans"))
    header = [c.strip() for c in table.splitlines()[0].strip("|").split("|")]
    cells = dict(zip(header, [c.strip() for c in hans.strip("|").split("|")], strict=True))
    assert cells["non-entailment"] == "600" and cells["neutral"] == "" and cells["contradiction"] == ""


def test_the_ambiguity_subset_is_hedges_not_ordinary_words():
    import yaml
    from workflow_helpers import REPO

    from nlirobust.adversarial_subsets import subset_masks

    pairs = pd.DataFrame(
        {
            "premise": ["Some people may be outside.", "A man could run.", "A dog is here."],
            "hypothesis": ["It appears to be cold.", "A man runs.", "The dog is possibly asleep."],
        }
    )
    for name in ("config/config.yaml", "config/demo.yaml"):
        lexicon = yaml.safe_load((REPO / name).read_text())["lexicon"]
        masks = subset_masks(pairs, lexicon["negation_words"], lexicon["ambiguity_words"], 20)
        assert masks["ambiguity"].tolist() == [False, False, True], name


def adversarial_grid(tmp_path, fixed_broken):
    """The adversarial study's files for 2 seeds x 2 rates: baseline and retrained predictions on snli/test and
    snli/validation, one attack set (train + heldout) made from the first 20 validation pairs, its summary."""
    from nlirobust.run_paths import adversarial_id, attack_dir, predictions_file, run_id

    predictions, metrics, summaries = [], [], []
    for lr in ("0.001", "0.0005"):
        for seed, (fixed, broken) in enumerate(fixed_broken, start=1):
            gold = np.zeros(100, dtype=int)
            base = np.r_[np.ones(30, dtype=int), np.zeros(70, dtype=int)]
            new = base.copy()
            new[:fixed], new[50 : 50 + broken] = 0, 1
            baseline, retrained = run_id("e", "snli", seed, lr), adversarial_id("e", "gradient", seed, lr)
            for model, pred in ((baseline, base), (retrained, new)):
                for evalset in ("snli/test", "snli/validation"):
                    path = write_predictions(tmp_path / predictions_file(model, evalset), gold, pred)
                    frame = pd.read_parquet(path)
                    m = {"examples": 100, "accuracy": float((frame["gold"] == frame["pred"]).mean()), "loss": 1.0,
                         "examples_per_second": 1.0, "steps_per_second": 1.0}  # fmt: skip
                    metrics.append(write_run(path.with_suffix(".json"), m))
                    predictions.append(path)
            attack = tmp_path / attack_dir("e", "gradient", seed, lr)
            attack.mkdir(parents=True)
            for part, ids in (("train", range(0, 16)), ("heldout", range(16, 20))):
                pairs = {"id": [f"adv:{i}" for i in ids], "premise": "A man.", "hypothesis": "A [MASK]."}
                pd.DataFrame(pairs).to_parquet(attack / f"{part}.parquet")
                for model in (baseline, retrained):
                    path = tmp_path / predictions_file(model, f"attack/gradient/{part}")
                    path.parent.mkdir(parents=True, exist_ok=True)
                    # attacked: the baseline answers neutral (wrong) on every attacked pair
                    pd.DataFrame({"id": [f"adv:{i}" for i in ids], "gold": 0, "pred": 1, "loss": 2.0}).to_parquet(path)
                    metrics.append(write_run(path.with_suffix(".json"), {"examples": len(ids), "accuracy": 0.0,
                                   "loss": 2.0, "examples_per_second": 1.0, "steps_per_second": 1.0}))  # fmt: skip
                    predictions.append(path)
            # the attack job's own clean pass (fp32, no autocast): not what the table may compare against
            summary = {"pairs": 20, "skipped": 0, "clean_accuracy": 0.95, "clean_loss": 0.1,
                       "mean_masked_saliency": 1.0}  # fmt: skip
            summaries.append(write_run(attack / "summary.json", summary))
    return summaries, metrics, predictions


def test_adversarial_tables_test_per_seed_and_compare_clean_and_attacked_on_one_code_path(tmp_path):
    from nlirobust.adversarial_tables import write_adversarial_tables

    test_pairs = tmp_path / "snli_test.parquet"
    hypotheses = ["He is possibly outside."] * 10 + ["He is outside."] * 90
    pd.DataFrame({"id": [str(i) for i in range(100)], "premise": "A man.", "hypothesis": hypotheses}).to_parquet(
        test_pairs
    )
    summaries, metrics, predictions = adversarial_grid(tmp_path, [(12, 5), (14, 5)])
    words = {"negation_words": ["not"], "ambiguity_words": ["possibly"], "long_words": 20}
    write_adversarial_tables(summaries, metrics, predictions, test_pairs, words, tmp_path / "out", min_pairs=5,
                             leakage="report")  # fmt: skip
    effect = pd.read_csv(tmp_path / "out/attack_effect.csv")
    # clean = the evaluation job's predictions of the 20 source pairs: ids 0-19, of which 0-19 are wrong (pred 1)
    assert effect["clean_accuracy"].tolist() == [0.0] * 4
    assert effect["pairs"].tolist() == [20] * 4
    overall = (tmp_path / "out/overall.md").read_text()
    assert "12 / 5, 14 / 5" in overall and "26 / 10" not in overall
    each = f"{binomtest(12, 17, 0.5).pvalue:.3g}, {binomtest(14, 19, 0.5).pvalue:.3g}"
    assert each in overall
    p = ttest_rel([0.07, 0.09], [0, 0]).pvalue
    assert re.search(rf"\|\s*{p:.3g}\s*\|", overall)
    assert "paired t-test" in overall
    subsets = (tmp_path / "out/subset_metrics.md").read_text()
    assert "subset pairs (per seed)" in subsets
    ambiguity = [line for line in subsets.splitlines() if "| ambiguity " in line]
    assert ambiguity and all(re.search(r"\|\s*10\s*\|", line) for line in ambiguity)


def test_encoders_are_compared_at_their_own_chosen_rate_with_the_published_row_and_the_distance(tmp_path):
    """Two encoders x 2 rates x 2 seeds on files shaped like the workflow's: each encoder's row is at the rate its
    own validation mean chose (not the other encoder's, not both rates pooled), mean ± sd over its seeds; the
    published row is printed as published, and only the encoder that is the published model gets a distance."""
    from nlirobust.encoder_comparison import VALIDATION, comparison, per_run_cells
    from nlirobust.run_paths import final_id, predictions_file, run_id

    # validation accuracy by (encoder, lr, seed): electra prefers 0.001, bert 0.0005
    validation = {("electra", "0.001"): (0.80, 0.84), ("electra", "0.0005"): (0.70, 0.74),
                  ("bert", "0.001"): (0.60, 0.62), ("bert", "0.0005"): (0.66, 0.70)}  # fmt: skip
    metrics, challenge, finals = [], [], []
    for (encoder, lr), values in validation.items():
        for seed, accuracy in zip((1, 2), values, strict=True):
            model = run_id(encoder, "snli", seed, lr)
            metrics.append(
                write_run(tmp_path / predictions_file(model, "snli/validation", "json"), {"accuracy": accuracy})
            )
            breaking = 0.5 + seed / 10
            metrics.append(
                write_run(tmp_path / predictions_file(model, "breaking_nli/test", "json"), {"accuracy": breaking})
            )
            # 10 contradiction pairs, `right` of them right; 10 entailment pairs all right
            right = {1: 6, 2: 8}[seed] if encoder == "electra" else {1: 2, 2: 3}[seed]
            frame = pd.DataFrame({"gold": [2] * 10 + [0] * 10, "pred": [2] * right + [0] * (10 - right) + [0] * 10,
                                  "category": ["c"] * 20})  # fmt: skip
            path = tmp_path / predictions_file(model, "breaking_nli/test")
            frame.to_parquet(path)
            challenge.append(path)
            tuned = final_id(encoder, "all_epochs", "1e-05", "snli", seed, lr)
            finals.append(
                write_run(
                    tmp_path / predictions_file(tuned, "breaking_nli/test", "json"), {"accuracy": breaking + 0.01}
                )
            )
    drops = pd.DataFrame(columns=["encoder", "attack", "seed", "lr", "drop_points"])
    cells = per_run_cells(metrics, challenge, finals, drops, [])
    encoders = [{"name": "electra", "name_or_path": "google/electra-small-discriminator"},
                {"name": "bert", "name_or_path": "google-bert/bert-base-uncased"}]  # fmt: skip
    frame = comparison(cells, encoders).set_index(["encoder", "cell"])
    electra, bert = frame.loc["electra"], frame.loc["bert"]
    assert set(electra["lr"]) == {0.001} and set(bert["lr"]) == {0.0005}
    assert electra.loc[VALIDATION, "mean"] == pytest.approx(82.0)
    assert electra.loc[VALIDATION, "sd"] == pytest.approx(pd.Series([80.0, 84.0]).std())
    assert bert.loc["breaking_nli/test contradiction", "mean"] == pytest.approx(25.0)  # 2 and 3 of 10 right
    assert bert.loc["final tuning: breaking_nli/test change", "mean"] == pytest.approx(1.0)
    published = frame.loc["published (reference)"]
    assert published.loc["breaking_nli/test contradiction", "mean"] == 90.77 and published["seeds"].eq(1).all()
    distance = frame.loc["electra - published"]
    assert distance.loc["breaking_nli/test contradiction", "mean"] == pytest.approx(70.0 - 90.77)
    assert "bert - published" not in frame.index.get_level_values("encoder")

    # the rendered Markdown: a run answering one label is marked as the encoder's own tables mark it, and a recipe
    # whose validation set was not scored says it has no row (no rate can be chosen), rather than vanishing
    from nlirobust.encoder_comparison import write_comparison

    for seed in (1, 2):
        model = run_id("electra", "mnli", seed, "0.001")
        one_label = {"accuracy": 0.34, "most_predicted_share": 0.99, "most_frequent_gold_share": 0.35}
        metrics.append(write_run(tmp_path / predictions_file(model, "mnli/validation_matched", "json"), one_label))
        metrics.append(write_run(tmp_path / predictions_file(model, "breaking_nli/test", "json"), {"accuracy": 0.5}))
        path = tmp_path / predictions_file(model, "breaking_nli/test")
        pd.DataFrame({"gold": [2] * 10 + [0] * 10, "pred": [0] * 20, "category": ["c"] * 20}).to_parquet(path)
        challenge.append(path)
        unscored = run_id("electra", "mnli_snli", seed, "0.001")  # only Breaking NLI: snli/validation not evaluated
        metrics.append(write_run(tmp_path / predictions_file(unscored, "breaking_nli/test", "json"), {"accuracy": 0.5}))
        challenge.append(tmp_path / predictions_file(unscored, "breaking_nli/test"))
        pd.read_parquet(challenge[0]).to_parquet(challenge[-1])
    cells = per_run_cells(metrics, challenge, finals, drops, [])
    md = tmp_path / "compared.md"
    write_comparison(cells, encoders, tmp_path / "compared.csv", md, tmp_path / "compared.png")
    text = md.read_text()
    headline, breaking = text.split("**breaking_nli/test**")
    row = next(line for line in headline.splitlines() if line.startswith("| electra ") and "| mnli " in line)
    assert "34.0 ± 0.0 ⚠ one label" in row and "⚠ one label" not in next(
        line for line in headline.splitlines() if line.startswith("| electra ") and "| snli " in line
    )
    row = next(line for line in breaking.splitlines() if line.startswith("| electra ") and "| mnli " in line)
    assert row.count("⚠ one label") == 2 and "100.0 ± 0.0 ⚠ one label" in row  # entailment all right, one label
    assert "No row (no rate could be chosen): electra/mnli_snli (snli/validation not evaluated)." in text
