"""The adversarial study's subsets (negation, ambiguity, long pairs): per-class metrics, confusion matrices and the
error flow from the baseline to a retrained model, from prediction files and the pairs' text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from nlirobust.labels import LABEL_NAMES
from nlirobust.lexicon import mentions_any
from nlirobust.run_paths import evalset_of, parse_run
from nlirobust.tables import percent


def prediction_key(path: str | Path) -> dict:
    """model role, seed, lr and evaluation set from a prediction file path."""
    run = parse_run(path)
    if run.recipe != "snli" or run.kind == "final":
        raise ValueError(f"{path}: not a prediction file of the adversarial study")
    role = f"retrained:{run.attack}" if run.attack else "baseline"
    return {"model": role, "seed": run.seed, "lr": float(run.lr), "evalset": evalset_of(path)}


def attack_key(path: str | Path) -> dict:
    """attack, seed and lr of a file in an attack set's folder (run_paths.attack_dir)."""
    run = parse_run(path)
    if run.attack is None:
        raise ValueError(f"{path}: not inside an attack set's folder (results/attack_sets/{{encoder}}/adversarial/...)")
    return {"attack": run.attack, "seed": run.seed, "lr": float(run.lr)}


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
