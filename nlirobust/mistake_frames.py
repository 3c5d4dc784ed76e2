"""Tables 1-7 of the mistaken-examples study, computed from prediction files only (no model is loaded).

Long, tidy frames are the data (one row per run and cell, seeds kept); `*_wide` functions shape them like the
reference's tables, cells as mean ± sd over seeds.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from nlirobust.labels import LABEL_NAMES
from nlirobust.run_paths import parse_run
from nlirobust.stats import mcnemar_exact, seed_test_cells
from nlirobust.tables import mean_sd, percent, points

TOTAL = "Total"


def final_key(path: str | Path) -> dict:
    """selection and final learning rate of a final model's file, None for an initial model's."""
    return parse_run(path).final_key()


def final_lr_roles(frame: pd.DataFrame) -> pd.Series:
    """How tables name a final learning rate: the rate itself when every recipe has the same rates (a grid); else,
    with one list per recipe (the reference's Table 4), `configured` (or `configured 1`, `2`, ... from the largest)
    and `from_schedule`, so each recipe's own rate lands in one column and Table 4 says which it was."""
    if frame.empty or "final_lr" not in frame.columns:
        return pd.Series(dtype=object, index=frame.index)
    rates = frame.groupby("recipe")["final_lr"].agg(lambda v: frozenset(v.dropna()))
    if rates.nunique() <= 1:
        return frame["final_lr"]

    def role(recipe: str, final_lr: str) -> str:
        if final_lr == "from_schedule":
            return final_lr
        fixed = sorted((r for r in rates[recipe] if r != "from_schedule"), key=float, reverse=True)
        return "configured" if len(fixed) == 1 else f"configured {fixed.index(final_lr) + 1}"

    return pd.Series([role(r, f) for r, f in zip(frame["recipe"], frame["final_lr"], strict=True)], index=frame.index)


def challenge_mistakes_long(
    prediction_files: list[str | Path], by: str, label_names: tuple[str, ...] = LABEL_NAMES
) -> pd.DataFrame:
    """Mistakes per run and group (`by` = 'category' or 'label'), with a Total row per run; `label_names` names
    the gold labels (a two-way set's: entailment, non-entailment)."""
    rows = []
    for path in prediction_files:
        frame = pd.read_parquet(path)
        run = parse_run(path)
        key = run.key() | run.final_key()
        group = frame["category"] if by == "category" else frame["gold"].map(dict(enumerate(label_names)))
        wrong = (frame["gold"] != frame["pred"]).groupby(group).sum()
        size = group.value_counts()
        for name in size.index:
            rows.append(key | {"group": name, "examples": int(size[name]), "mistakes": int(wrong.get(name, 0))})
        rows.append(
            key | {"group": TOTAL, "examples": len(frame), "mistakes": int((frame["gold"] != frame["pred"]).sum())}
        )
    return pd.DataFrame(rows)


def _cell(values: pd.Series, delta: pd.Series | None = None) -> str:
    if len(values) == 1:
        text = f"{values.iloc[0]:.0f}"
        if delta is not None:
            text += f" ({delta.iloc[0]:+.0f})"
        return text
    text = f"{values.mean():.1f} ± {values.std(ddof=1):.1f}"
    if delta is not None:
        text += f" ({delta.mean():+.1f})"
    return text


def _group_order(long: pd.DataFrame, by: str) -> list[str]:
    sizes = long[long["group"] != TOTAL].groupby("group")["examples"].first()
    if by == "label":
        return sorted(sizes.index) + [TOTAL]
    return sizes.sort_values(ascending=False, kind="stable").index.tolist() + [TOTAL]


def mistakes_wide(long: pd.DataFrame, recipes: list[str], by: str) -> pd.DataFrame:
    """Tables 1/2: rows = groups (categories by size, or labels) + Total; 'All examples' then one column a recipe."""
    order = _group_order(long, by)
    sizes = long.groupby("group")["examples"].first()
    table = pd.DataFrame({by.capitalize(): order, "All examples": [int(sizes[g]) for g in order]})
    for recipe in recipes:
        cells = long[long["recipe"] == recipe].groupby("group")["mistakes"]
        table[recipe] = [_cell(cells.get_group(g)) if g in cells.groups else "" for g in order]
    return table


def mistakes_delta_long(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """After-tuning mistakes beside the same initial run's, with delta = after - before (negative = fewer)."""
    keys = ["recipe", "seed", "lr", "group"]
    merged = after.merge(before[keys + ["mistakes"]], on=keys, suffixes=("", "_before"), validate="many_to_one")
    merged["delta"] = merged["mistakes"] - merged["mistakes_before"]
    return merged


def mistakes_delta_wide(delta_long: pd.DataFrame, recipes: list[str], by: str) -> pd.DataFrame:
    """Tables 5/6: like Tables 1/2 with each cell 'after (delta)', e.g. '681 (-38)'."""
    order = _group_order(delta_long, by)
    sizes = delta_long.groupby("group")["examples"].first()
    table = pd.DataFrame({by.capitalize(): order, "All examples": [int(sizes[g]) for g in order]})
    for recipe in recipes:
        part = delta_long[delta_long["recipe"] == recipe].groupby("group")
        table[recipe] = [
            _cell(part.get_group(g)["mistakes"], part.get_group(g)["delta"]) if g in part.groups else "" for g in order
        ]
    return table


def accuracy_change_long(before_files: dict[tuple, str | Path], after_files: dict[tuple, str | Path]) -> pd.DataFrame:
    """Table 7 data: per (recipe, seed, lr) accuracy before/after on the same items and an exact McNemar test."""
    rows = []
    for key, after_path in after_files.items():
        before = pd.read_parquet(before_files[key[:3]])
        after = pd.read_parquet(after_path)
        if before["id"].tolist() != after["id"].tolist():
            raise ValueError(f"{after_path}: items differ from the initial model's predictions")
        before_ok = (before["gold"] == before["pred"]).to_numpy()
        after_ok = (after["gold"] == after["pred"]).to_numpy()
        rows.append(
            dict(zip(("recipe", "seed", "lr", "selection", "final_lr"), key, strict=True))
            | {"accuracy_before": before_ok.mean(), "accuracy_after": after_ok.mean()}
            | mcnemar_exact(before_ok, after_ok)
        )
    frame = pd.DataFrame(rows)
    frame["improvement_points"] = 100 * (frame["accuracy_after"] - frame["accuracy_before"])
    return frame


def accuracy_change_wide(long: pd.DataFrame, recipes: list[str], alpha: float = 0.05) -> pd.DataFrame:
    """Table 7: accuracy before, after, improvement in points (mean ± sd over seeds); each seed's fixed / broken
    items and exact McNemar p (the pair as unit, one seed at a time); the paired t-test of the per-seed changes (the
    seed as unit) and its Holm-adjusted p (`long` from `with_seed_tests`), which alone decides "significant"."""
    rows = []
    for recipe in recipes:
        part = long[long["recipe"] == recipe].sort_values("seed")
        if part.empty:
            continue
        rows.append(
            {
                "Recipe": recipe,
                "Seeds": len(part),
                "Before (%)": percent(part["accuracy_before"]),
                "After (%)": percent(part["accuracy_after"]),
                "Improvement (points)": points(part["improvement_points"]),
                "Fixed / broken (each seed)": ", ".join(
                    f"{f} / {b}" for f, b in zip(part["fixed"], part["broken"], strict=True)
                ),
                "McNemar p (each seed)": ", ".join(f"{p:.3g}" for p in part["p_value"]),
            }
            | seed_test_cells(
                float(part["seed_test_p"].iloc[0]),
                float(part["seed_test_p_holm"].iloc[0]),
                alpha,
                part["seed_test_note"].iloc[0],
            )
        )
    return pd.DataFrame(rows)


def improvement_side_by_side(long: pd.DataFrame, recipes: list[str]) -> pd.DataFrame:
    """Recipes x (selection, final lr): Breaking NLI improvement in points, so selections compare at a glance."""
    long = long.assign(final_lr=final_lr_roles(long))
    table = (
        long.groupby(["recipe", "lr", "selection", "final_lr"])["improvement_points"]
        .mean()
        .unstack(["selection", "final_lr"])
    )
    table.columns = [f"{selection}, lr {final_lr}" for selection, final_lr in table.columns]
    table = table.reindex([r for r in recipes if r in table.index.get_level_values("recipe")], level="recipe")
    return table.round(2).reset_index()


def combinations_wide(long: pd.DataFrame, recipes: list[str]) -> pd.DataFrame:
    """Table 3: rows = epoch combinations in order, columns = recipes (mistaken training examples)."""
    long = long[long["kind"] != "exactly"]
    order = long.drop_duplicates("combination")["combination"].tolist()
    table = pd.DataFrame({"Epochs": order})
    for recipe in recipes:
        cells = long[long["recipe"] == recipe].groupby("combination")["count"]
        table[recipe] = [_cell(cells.get_group(c)) if c in cells.groups else "" for c in order]
    return table


def rates_used(values: pd.Series) -> str:
    """The learning rates some runs used, never averaged: one rate, or each distinct one (its seeds' count in
    brackets when seeds differ), or their range when there are more than three."""
    counts = values.round(15).value_counts().sort_index()
    if len(counts) == 1:
        return f"{counts.index[0]:.3g}"
    if len(counts) > 3:
        return f"{counts.index[0]:.3g} to {counts.index[-1]:.3g} ({len(counts)} rates over {len(values)} runs)"
    return ", ".join(f"{rate:.3g} ({n} seed{'s' if n > 1 else ''})" for rate, n in counts.items())


def learning_rates_wide(final_runs: pd.DataFrame, recipes: list[str]) -> pd.DataFrame:
    """Table 4: the learning rate each final fine-tuning run used (from_schedule resolved), one row per selection,
    final rate and initial learning rate (the run's `lr`), one column a recipe; a cell lists the rates its seeds
    used (see `rates_used`), so a rate that no run used never appears."""
    final_runs = final_runs.assign(final_lr=final_lr_roles(final_runs))
    keys = ["selection", "final_lr", "lr"]
    table = (
        final_runs.groupby([*keys, "recipe"], sort=True)["learning_rate"]
        .agg(rates_used)
        .unstack("recipe")
        .reindex(columns=[r for r in recipes if r in set(final_runs["recipe"])])
        .fillna("")
        .reset_index()
    )
    table.columns.name = None
    return table.rename(columns={"final_lr": "final lr", "lr": "initial lr"})


def accuracy_by_long(
    prediction_files: list[str | Path],
    by: list[str],
    label_names: tuple[str, ...] = LABEL_NAMES,
    pairs: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Accuracy per run and group of `by` (columns of the predictions, `label` = the gold label's name, or columns
    of `pairs` joined on id: a set's further category fields, HANS's subcase): one row per run and group."""
    rows = []
    for path in prediction_files:
        frame = pd.read_parquet(path)
        if pairs is not None:
            extra = [c for c in by if c not in frame.columns and c != "label"]
            frame = frame.merge(pairs[["id", *extra]], on="id", how="left", validate="one_to_one")
        for column in by:
            if column != "label":
                frame[column] = frame[column].astype("string").fillna("(none)")
        frame["label"] = frame["gold"].map(dict(enumerate(label_names)))
        frame["correct"] = frame["gold"] == frame["pred"]
        key = parse_run(path).key()
        for group, part in frame.groupby(by, sort=True, dropna=False):
            rows.append(
                key
                | dict(zip(by, map(str, group), strict=True))
                | {"examples": len(part), "correct": int(part["correct"].sum()), "accuracy": part["correct"].mean()}
            )
    return pd.DataFrame(rows)


def accuracy_by_wide(long: pd.DataFrame, recipes: list[str], by: list[str]) -> pd.DataFrame:
    """Rows = groups of `by` with their size; one column a recipe: accuracy in percent, mean ± sd over seeds."""
    groups = long.groupby(by, sort=True)["examples"].first()
    table = groups.reset_index().rename(columns={c: c.replace("_", " ").capitalize() for c in by})
    table = table.rename(columns={"examples": "Examples"})
    for recipe in recipes:
        cells = long[long["recipe"] == recipe].groupby(by, sort=True)["accuracy"].agg(mean_sd)
        table[recipe] = [cells.get(key, "") for key in groups.index]
    return table
