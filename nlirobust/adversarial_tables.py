"""Tables of the adversarial study, from prediction files on disk: attack effect and overall here; the subsets' tables
(per-class metrics, confusion, error flow) in adversarial_subsets; every one written by write_adversarial_tables.

Models are named by role: `baseline` (the SNLI-only initial model) and `retrained:{attack}` (SNLI train plus that
attack's training part). Evaluation sets: `snli/validation` (the attack sets were drawn from it), `snli/test`
(untouched), and `attack/{attack}/heldout` / `attack/{attack}/train` (attacked pairs; `train` is what the
retrained model trained on, so only `heldout` is a fair test for it).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from nlirobust.adversarial import original_id
from nlirobust.adversarial_subsets import (
    attack_key,
    confusion_wide,
    error_flow_wide,
    prediction_key,
    subset_metrics_wide,
    subset_sources,
    subset_tables,
)
from nlirobust.run_paths import one_encoder
from nlirobust.stats import SEED_TEST_NOTE, holm, mcnemar_exact, seed_level_p, seed_test_cells, seed_test_note
from nlirobust.tables import COLLAPSED_MARK, collapsed, mean_sd, percent, points


# ---- overall and attack effect --------------------------------------------------------------------------------
def retrained_on(summary_files: list[str | Path], prediction_files: list[str | Path]) -> dict[tuple, set[str]]:
    """(seed, lr) -> ids of the SNLI validation pairs some retrained model trained on (masked): the attack sets'
    `train` parts of every attack a retrained model exists for."""
    retrained = {prediction_key(p)["model"].removeprefix("retrained:") for p in prediction_files} - {"baseline"}
    ids: dict[tuple, set[str]] = {}
    for path in summary_files:
        key = attack_key(path)
        if key["attack"] in retrained:
            train = pd.read_parquet(Path(path).parent / "train.parquet", columns=["id"])
            ids.setdefault((key["seed"], key["lr"]), set()).update(train["id"].astype(str).map(original_id))
    return ids


def overall_long(
    metric_files: list[str | Path],
    prediction_files: list[str | Path] = (),
    trained_on: dict[tuple, set[str]] | None = None,
    leakage: str = "exclude",
) -> pd.DataFrame:
    """One row per (model, seed, lr, evaluation set): loss, accuracy, examples/s, steps/s.

    SNLI validation is where the attack sets come from: the retrained model trained on masked copies of some of its
    pairs (`trained_on`). Unless `leakage` is report, every model is scored there without those pairs (so the
    baseline and the retrained model still answer the same items); `trained_on` counts them either way.
    """
    frames = {tuple(prediction_key(p).values()): p for p in prediction_files}
    rows = []
    for path in metric_files:
        key = prediction_key(path)
        metrics = json.loads(Path(path).read_text())
        row = key | {
            k: metrics.get(k) for k in ("examples", "accuracy", "loss", "examples_per_second", "steps_per_second")
        }
        row["collapsed"] = collapsed(metrics.get("most_predicted_share", 0), metrics.get("most_frequent_gold_share", 1))
        row["trained_on"] = 0
        row["trained_on_excluded"] = False
        overlap = (trained_on or {}).get((key["seed"], key["lr"]), set())
        if key["evalset"] == "snli/validation" and overlap:
            predictions = pd.read_parquet(frames[tuple(key.values())])
            inside = predictions["id"].astype(str).isin(overlap)
            row["trained_on"] = int(inside.sum())
            if leakage != "report":
                kept = predictions[~inside]
                row |= {
                    "examples": len(kept),
                    "accuracy": float((kept["gold"] == kept["pred"]).mean()),
                    "loss": float(kept["loss"].mean()),
                    "trained_on_excluded": True,
                }
        rows.append(row)
    return pd.DataFrame(rows)


def overall_wide(
    long: pd.DataFrame,
    prediction_files: list[str | Path],
    trained_on: dict[tuple, set[str]] | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Evaluation sets x models: mean ± sd over seeds at each learning rate; against the baseline, each seed's
    fixed / broken pairs and exact McNemar p (the pair as unit), and a paired t-test of the per-seed accuracy
    changes (the seed as unit) with Holm's adjustment over every retrained row of the table. Scored on the pairs
    `overall_long` kept; a cell on pairs the retrained model trained on ends in ' †'."""
    frames = {tuple(prediction_key(p).values()): p for p in prediction_files}
    rows, seed_p = [], []
    for (evalset, lr, model), part in long.groupby(["evalset", "lr", "model"], sort=True):
        part = part.sort_values("seed")
        excluded = bool(part["trained_on_excluded"].any())
        contaminated = model != "baseline" and not excluded and int(part["trained_on"].max()) > 0
        row = {
            "Evaluation set": evalset,
            "lr": lr,
            "Model": model,
            "Seeds": len(part),
            "Pairs (per seed)": mean_sd(part["examples"], digits=0, scale=1.0),
            "Loss": mean_sd(part["loss"], digits=3, scale=1.0),
            "Accuracy (%)": percent(part["accuracy"])
            + (" †" if contaminated else "")
            + (COLLAPSED_MARK if part["collapsed"].any() else ""),
            "Examples/s": mean_sd(part["examples_per_second"], digits=0, scale=1.0),
            "Steps/s": mean_sd(part["steps_per_second"], digits=1, scale=1.0),
            "Fixed / broken vs baseline (each seed)": "",
            "McNemar p (each seed)": "",
            "Pairs the retrained model trained on": (
                f"{int(part['trained_on'].max())} " + ("left out" if excluded else "included †")
                if int(part["trained_on"].max())
                else ""
            ),
        }
        p_value, note = math.nan, ""
        if model != "baseline":
            tests, changes = [], []
            for seed in part["seed"]:
                base = pd.read_parquet(frames[("baseline", seed, lr, evalset)])
                new = pd.read_parquet(frames[(model, seed, lr, evalset)])
                if excluded:
                    left_out = (trained_on or {}).get((seed, lr), set())
                    base = base[~base["id"].astype(str).isin(left_out)]
                    new = new[~new["id"].astype(str).isin(left_out)]
                base_ok, new_ok = (base["gold"] == base["pred"]).to_numpy(), (new["gold"] == new["pred"]).to_numpy()
                tests.append(mcnemar_exact(base_ok, new_ok))
                changes.append(new_ok.mean() - base_ok.mean())
            row["Fixed / broken vs baseline (each seed)"] = ", ".join(f"{t['fixed']} / {t['broken']}" for t in tests)
            row["McNemar p (each seed)"] = ", ".join(f"{t['p_value']:.3g}" for t in tests)
            p_value, note = seed_level_p(changes), seed_test_note(changes)
        rows.append(row)
        seed_p.append((p_value, note) if model != "baseline" else None)
    tested = [i for i, p in enumerate(seed_p) if p is not None]
    adjusted = holm([seed_p[i][0] for i in tested])
    for i, p_holm in zip(tested, adjusted, strict=True):
        rows[i] |= seed_test_cells(seed_p[i][0], float(p_holm), alpha, seed_p[i][1])
    table = pd.DataFrame(rows)
    return table.fillna("") if not table.empty else table


def attack_effect_long(summary_files: list[str | Path], prediction_files: list[str | Path]) -> pd.DataFrame:
    """Per (attack, seed, lr): the baseline on the sampled pairs, clean and attacked, paired pair by pair.

    Both sides come from the evaluation job's prediction files (the same code path and precision: bf16 on a GPU
    when configured): clean = the baseline's SNLI validation predictions of the pairs the attack set was made from,
    attacked = its predictions on the attack set's `train` and `heldout` parts. The attack job's own clean pass
    (summary.json) is not used: it runs without autocast, so a difference would mix precision into the attack.
    """
    frames = {tuple(prediction_key(p).values()): p for p in prediction_files}
    rows = []
    for path in summary_files:
        key = attack_key(path)
        summary = json.loads(Path(path).read_text())
        attacked = pd.concat(
            [
                pd.read_parquet(frames[("baseline", key["seed"], key["lr"], f"attack/{key['attack']}/{part}")])
                for part in ("train", "heldout")
            ],
            ignore_index=True,
        )
        clean = pd.read_parquet(frames[("baseline", key["seed"], key["lr"], "snli/validation")])
        clean = clean.assign(id=clean["id"].astype(str)).set_index("id")
        clean = clean.loc[attacked["id"].astype(str).map(original_id)]
        rows.append(
            key
            | {
                "pairs": len(attacked),
                "skipped": summary["skipped"],
                "clean_accuracy": float((clean["gold"] == clean["pred"]).mean()),
                "clean_loss": float(clean["loss"].mean()),
                "attacked_accuracy": float((attacked["gold"] == attacked["pred"]).mean()),
                "attacked_loss": float(attacked["loss"].mean()),
                "mean_masked_saliency": summary["mean_masked_saliency"],
            }
        )
    frame = pd.DataFrame(rows)
    frame["drop_points"] = 100 * (frame["clean_accuracy"] - frame["attacked_accuracy"])
    return frame


def attack_effect_wide(long: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (attack, lr), part in long.groupby(["attack", "lr"], sort=True):
        rows.append(
            {
                "Attack": attack,
                "lr": lr,
                "Pairs": int(part["pairs"].iloc[0]),
                "Clean accuracy (%)": percent(part["clean_accuracy"]),
                "Attacked accuracy (%)": percent(part["attacked_accuracy"]),
                "Drop (points)": points(part["drop_points"]),
                "Clean loss": mean_sd(part["clean_loss"], digits=3, scale=1.0),
                "Attacked loss": mean_sd(part["attacked_loss"], digits=3, scale=1.0),
                "Saliency of masked token": mean_sd(part["mean_masked_saliency"], digits=3, scale=1.0),
            }
        )
    return pd.DataFrame(rows)


def write_adversarial_tables(
    summary_files: list[str | Path],
    metric_files: list[str | Path],
    prediction_files: list[str | Path],
    test_pairs: str | Path,
    words: dict,
    out_dir: str | Path,
    min_pairs: int = 30,
    leakage: str = "exclude",
) -> None:
    """Every table of the study as `{name}.csv` (long data) and `{name}.md` (mean ± sd over seeds, per lr)."""
    one_encoder([*summary_files, *metric_files, *prediction_files])  # a table over seeds never mixes encoders
    from nlirobust.tables import to_markdown, write_table

    out = Path(out_dir)
    effect = attack_effect_long(summary_files, prediction_files)
    write_table(effect, to_markdown(attack_effect_wide(effect)), out, "attack_effect")

    trained_on = retrained_on(summary_files, prediction_files)
    overall = overall_long(metric_files, prediction_files, trained_on, leakage)
    write_table(
        overall,
        to_markdown(overall_wide(overall, prediction_files, trained_on)) + "\n" + SEED_TEST_NOTE,
        out,
        "overall",
    )

    sources = subset_sources(prediction_files, test_pairs, summary_files)
    metrics, confusion, flows = subset_tables(prediction_files, sources, words)
    write_table(metrics, to_markdown(subset_metrics_wide(metrics, min_pairs)), out, "subset_metrics")
    write_table(confusion, to_markdown(confusion_wide(confusion)), out, "confusion")
    write_table(flows, to_markdown(error_flow_wide(flows, min_pairs)), out, "error_flow")
