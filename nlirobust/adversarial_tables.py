"""Tables of the adversarial study, from prediction files on disk: attack effect, overall, subsets, error flow.

Models are named by role: `baseline` (the SNLI-only initial model) and `retrained:{attack}` (SNLI train plus that
attack's training part). Evaluation sets: `snli/validation` (the attack sets were drawn from it), `snli/test`
(untouched), and `attack/{attack}/heldout` / `attack/{attack}/train` (attacked pairs; `train` is what the
retrained model trained on, so only `heldout` is a fair test for it).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from nlirobust.adversarial import original_id
from nlirobust.labels import LABEL_NAMES
from nlirobust.lexicon import mentions_any
from nlirobust.run_paths import evalset_of, parse_run
from nlirobust.stats import SEED_TEST_NOTE, holm, mcnemar_exact, seed_level_p, seed_test_cells, seed_test_note
from nlirobust.tables import COLLAPSED_MARK, collapsed, mean_sd, percent, points


def prediction_key(path: str | Path) -> dict:
    """model role, seed, lr and evaluation set from a prediction file path."""
    run = parse_run(path)
    if run.recipe != "snli" or run.kind == "final":
        raise ValueError(f"{path}: not a prediction file of the adversarial study")
    role = f"retrained:{run.attack}" if run.attack else "baseline"
    return {"model": role, "seed": run.seed, "lr": float(run.lr), "evalset": evalset_of(path)}


def attack_key(path: str | Path) -> dict:
    """attack, seed and lr of a file in an attack set's folder (results/adversarial/{attack}/snli/seed/lr/)."""
    run = parse_run(path)
    if run.attack is None:
        raise ValueError(f"{path}: not inside results/adversarial/{{attack}}/snli/seed{{seed}}/lr{{lr}}/")
    return {"attack": run.attack, "seed": run.seed, "lr": float(run.lr)}


# ---- subsets ----------------------------------------------------------------------------------------------------
def subset_masks(pairs: pd.DataFrame, negation_words: list[str], ambiguity_words: list[str], long_words: int) -> dict:
    """Boolean masks over `pairs`: all, negation and ambiguity (a listed word in premise or hypothesis), long."""
    text = pairs["premise"].astype(str) + " \n " + pairs["hypothesis"].astype(str)
    longest = np.maximum(pairs["premise"].str.split().str.len(), pairs["hypothesis"].str.split().str.len())
    return {
        "all": np.ones(len(pairs), dtype=bool),
        "negation": mentions_any(text, negation_words),
        "ambiguity": mentions_any(text, ambiguity_words),
        "long": (longest > long_words).to_numpy(),
    }


def class_metrics(frame: pd.DataFrame) -> pd.DataFrame:
    """Per-class precision, recall, F1 and support (sklearn), one row per class."""
    from sklearn.metrics import precision_recall_fscore_support

    precision, recall, f1, support = precision_recall_fscore_support(
        frame["gold"], frame["pred"], labels=[0, 1, 2], zero_division=0
    )
    return pd.DataFrame({"class": LABEL_NAMES, "precision": precision, "recall": recall, "f1": f1, "support": support})


def confusion_long(frame: pd.DataFrame) -> pd.DataFrame:
    from sklearn.metrics import confusion_matrix

    matrix = confusion_matrix(frame["gold"], frame["pred"], labels=[0, 1, 2])
    return pd.DataFrame(
        [
            {"gold": LABEL_NAMES[g], "pred": LABEL_NAMES[p], "count": int(matrix[g, p])}
            for g in range(3)
            for p in range(3)
        ]
    )


def error_flow(baseline: pd.DataFrame, retrained: pd.DataFrame) -> dict:
    """Fixed (baseline wrong, retrained right), introduced (the reverse) and remaining (both wrong) errors."""
    merged = baseline.merge(retrained, on="id", suffixes=("_b", "_r"), validate="one_to_one")
    base_ok = (merged["gold_b"] == merged["pred_b"]).to_numpy()
    new_ok = (merged["gold_r"] == merged["pred_r"]).to_numpy()
    return {
        "pairs": len(merged),
        "baseline_errors": int((~base_ok).sum()),
        "fixed": int((~base_ok & new_ok).sum()),
        "introduced": int((base_ok & ~new_ok).sum()),
        "remaining": int((~base_ok & ~new_ok).sum()),
    }


def subset_tables(
    prediction_files: list[str | Path],
    subset_pairs: dict[tuple, str | Path],
    words: dict,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(metrics, confusion, flow) long frames for every (evaluation set, subset, model, seed, lr).

    `subset_pairs` maps (evalset, seed, lr) to the pairs file whose text decides subset membership (for an attack
    set: the attacked text, which is what the model saw).
    """
    predictions = {}
    for path in prediction_files:
        key = prediction_key(path)
        pairs_file = subset_pairs.get((key["evalset"], key["seed"], key["lr"]))
        if pairs_file is not None:
            predictions[tuple(key.values())] = pd.read_parquet(path)
    metrics, confusion, flows = [], [], []
    for (model, seed, lr, evalset), frame in sorted(predictions.items()):
        base = predictions[("baseline", seed, lr, evalset)]
        if frame["id"].tolist() != base["id"].tolist():
            raise ValueError(f"{evalset} (seed {seed}, lr {lr}): {model} and the baseline were scored on other pairs")
        pairs = pd.read_parquet(subset_pairs[(evalset, seed, lr)]).set_index("id").loc[frame["id"]].reset_index()
        keys = {"evalset": evalset, "model": model, "seed": seed, "lr": lr}
        for subset, mask in subset_masks(pairs, **words).items():
            part = frame[mask]
            if model != "baseline":  # an empty subset still gets its row here, with zero pairs
                flows.append(keys | {"subset": subset} | error_flow(base[mask], part))
            if part.empty:
                continue
            metrics.append(class_metrics(part).assign(**keys, subset=subset))
            confusion.append(confusion_long(part).assign(**keys, subset=subset))
    order = ["evalset", "subset", "model", "seed", "lr"]
    metrics = pd.concat(metrics, ignore_index=True)
    confusion = pd.concat(confusion, ignore_index=True)
    flows = pd.DataFrame(flows)
    return (
        metrics[order + [c for c in metrics.columns if c not in order]],
        confusion[order + [c for c in confusion.columns if c not in order]],
        flows[order + [c for c in flows.columns if c not in order]] if not flows.empty else flows,
    )


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


def too_few(pairs: float) -> str:
    return f"too few to read (n={pairs:.0f})"


def subset_metrics_wide(metrics: pd.DataFrame, min_pairs: int = 30) -> pd.DataFrame:
    """(evaluation set, subset, model, class) rows: precision, recall, F1 in percent (mean ± sd over seeds) and the
    class's pairs per seed; a class with fewer than `min_pairs` pairs a seed gets no percentages, only its count."""
    keys = ["evalset", "subset", "model", "lr", "class"]
    grouped = metrics.groupby(keys, sort=False)
    table = grouped.agg(support=("support", "mean"), seeds=("seed", "nunique")).reset_index()
    # the subset's own size (every class) beside its metrics: a 12-pair subset reads differently from a 2,000-pair one
    subset_size = metrics.groupby(["evalset", "subset", "model", "lr", "seed"], sort=False)["support"].sum()
    subset_size = subset_size.groupby(["evalset", "subset", "model", "lr"], sort=False).mean().round().astype(int)
    table.insert(
        len(keys) - 1,
        "subset pairs (per seed)",
        [subset_size[tuple(k)] for k in table[keys[:-1]].itertuples(index=False)],
    )
    few = table["support"] < min_pairs
    for name in ("precision", "recall", "f1"):
        table[name] = grouped[name].apply(percent).to_numpy()
        table.loc[few, name] = table.loc[few, "support"].map(too_few)
    table["support"] = table["support"].round().astype(int)
    table = table.rename(columns={"support": "pairs (per seed)"})
    return table[
        [*keys[:-1], "subset pairs (per seed)", "class", "precision", "recall", "f1", "pairs (per seed)", "seeds"]
    ]


def confusion_wide(confusion: pd.DataFrame) -> pd.DataFrame:
    """(evaluation set, subset, model, gold) rows x predicted label, counts pooled (summed) over seeds."""
    keys = ["evalset", "subset", "model", "lr"]
    seeds = confusion.groupby(keys, sort=False)["seed"].nunique().rename("seeds (pooled)")
    table = (confusion.groupby([*keys, "gold", "pred"], sort=False)["count"].sum().unstack("pred").reset_index()).merge(
        seeds.reset_index(), on=keys
    )
    return table[[*keys, "gold", *LABEL_NAMES, "seeds (pooled)"]]


def error_flow_wide(flows: pd.DataFrame, min_pairs: int = 30) -> pd.DataFrame:
    """Counts pooled (summed) over seeds; shares of all errors either model made, and fixed as a share of the
    baseline's. A subset with fewer than `min_pairs` pairs a seed gets its counts but no shares."""
    keys = ["evalset", "subset", "model", "lr"]
    grouped = flows.groupby(keys, sort=False)
    table = grouped[["pairs", "baseline_errors", "fixed", "introduced", "remaining"]].sum().reset_index()
    table.insert(len(keys), "seeds (pooled)", grouped["seed"].nunique().to_numpy())
    errors = (table["fixed"] + table["introduced"] + table["remaining"]).replace(0, np.nan)
    for name in ("fixed", "introduced", "remaining"):
        table[f"{name} (%)"] = (100 * table[name] / errors).round(1)
    table["fixed of baseline errors (%)"] = (100 * table["fixed"] / table["baseline_errors"].replace(0, np.nan)).round(
        1
    )
    per_seed = table["pairs"] / table["seeds (pooled)"]
    shares = [c for c in table.columns if c.endswith("(%)")]
    table[shares] = table[shares].astype(object)
    for name in shares:
        table.loc[per_seed < min_pairs, name] = per_seed[per_seed < min_pairs].map(too_few)
    return table.rename(columns={"pairs": "pairs (pooled)"})


# ---- writing --------------------------------------------------------------------------------------------------
def subset_sources(prediction_files: list[str | Path], test_pairs: str | Path, summary_files: list[str | Path]) -> dict:
    """(evaluation set, seed, lr) -> the pairs file whose text defines the subsets: SNLI test, held-out attack sets."""
    attack_dirs = {tuple(attack_key(p).values()): Path(p).parent for p in summary_files}
    sources = {}
    for path in prediction_files:
        key = prediction_key(path)
        if key["evalset"] == "snli/test":
            sources[("snli/test", key["seed"], key["lr"])] = test_pairs
        elif key["evalset"].startswith("attack/") and key["evalset"].endswith("/heldout"):
            attack = key["evalset"].split("/")[1]
            sources[(key["evalset"], key["seed"], key["lr"])] = attack_dirs[(attack, key["seed"], key["lr"])] / (
                "heldout.parquet"
            )
    return sources


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
