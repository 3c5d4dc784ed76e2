"""Writing the mistaken-examples tables: each as tidy CSV and as Markdown blocks shaped like the reference's."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from nlirobust import mistake_frames as mt
from nlirobust.labels import LABEL_NAMES
from nlirobust.names import TWO_WAY_DATASETS, TWO_WAY_LABEL_NAMES
from nlirobust.run_paths import one_encoder, parse_run
from nlirobust.stats import SEED_TEST_NOTE, with_seed_tests
from nlirobust.tables import (
    COLLAPSED_MARK,
    accuracy_long,
    mark_kept_overlap,
    markdown_blocks,
    percent,
    points,
    to_markdown,
    write_table,
)


def write_mistake_tables(
    out_dir: str | Path,
    recipes: list[str],
    combination_files: list[str | Path],
    metrics_before: list[str | Path],
    metrics_after: list[str | Path],
    final_run_files: list[str | Path],
    initial_run_files: list[str | Path] = (),
) -> None:
    """Tables 3 and 4 and the in-distribution table, each as `{name}.csv` (per seed) and `{name}.md` (rendered).

    `metrics_*`: the initial / final models' in-distribution metrics JSON; `final_run_files`: every final tuning's
    run.json; `initial_run_files`: every initial run's (what their chains kept under leakage: report marks the
    cells before and after tuning). Tables 1, 2 and 5-9 are per challenge set: write_challenge_tables.
    """
    one_encoder([*combination_files, *metrics_before, *final_run_files, *initial_run_files])  # never two encoders
    out = Path(out_dir)
    combinations = pd.concat(
        [pd.read_csv(path).assign(**parse_run(path).key()) for path in combination_files], ignore_index=True
    )
    write_table(
        combinations,
        markdown_blocks(combinations, ["lr"], lambda p: mt.combinations_wide(p, recipes)),
        out,
        "table3_combinations",
    )

    final_runs = []
    for path in final_run_files:
        facts = json.loads(Path(path).read_text())
        final_runs.append(
            parse_run(path).key()
            | parse_run(path).final_key()
            | {
                "learning_rate": facts["learning_rate_used"],
                "examples": facts["train_examples"],
                "overlap": facts.get("overlap", {}),
            }
        )
    final_runs = pd.DataFrame(final_runs)
    overlap = final_runs.pop("overlap")
    final_runs["overlap_dropped"] = [o.get("dropped", 0) for o in overlap]
    final_runs["overlap_kept"] = [o.get("kept_overlapping", 0) for o in overlap]
    write_table(final_runs, to_markdown(mt.learning_rates_wide(final_runs, recipes)), out, "table4_learning_rates")

    before_acc = mark_kept_overlap(accuracy_long(metrics_before), initial_run_files)
    after_acc = accuracy_long(metrics_after)
    after_acc = after_acc.assign(**pd.DataFrame([parse_run(p).final_key() for p in metrics_after]))
    in_dist = after_acc.merge(
        before_acc[["recipe", "seed", "lr", "evalset", "accuracy", "overlap_kept"]].rename(
            columns={"overlap_kept": "initial_overlap_kept"}
        ),
        on=["recipe", "seed", "lr", "evalset"],
        suffixes=("_after", "_before"),
    )
    in_dist["change_points"] = 100 * (in_dist["accuracy_after"] - in_dist["accuracy_before"])
    # how many tuning pairs also sat in this evaluation set: dropped before tuning (leakage: exclude) or kept
    by_set = {
        (r.recipe, r.seed, r.lr, r.selection, r.final_lr): o.get("by_set", {})
        for r, o in zip(final_runs.itertuples(), overlap, strict=True)
    }
    in_dist["overlap_pairs"] = [
        by_set.get((r.recipe, r.seed, r.lr, r.selection, r.final_lr), {}).get(r.evalset, 0)
        for r in in_dist.itertuples()
    ]
    kept = {key for key, o in zip(by_set, overlap, strict=True) if o.get("kept_overlapping", 0)}
    in_dist["overlap_kept"] = [
        (r.recipe, r.seed, r.lr, r.selection, r.final_lr) in kept and r.overlap_pairs > 0 for r in in_dist.itertuples()
    ]
    # the final model starts from the initial one: what that one (or its chain) trained on, the final one saw too
    in_dist["after_saw_scored_pairs"] = in_dist["overlap_kept"] | in_dist["initial_overlap_kept"]
    write_table(
        in_dist,
        markdown_blocks(
            in_dist.assign(final_lr=mt.final_lr_roles(in_dist)), ["selection", "final_lr", "lr"], _in_distribution_wide
        ),
        out,
        "in_distribution",
    )


def write_challenge_tables(
    out_dir: str | Path,
    recipes: list[str],
    evalset: str,
    before_files: list[str | Path],
    after_files: list[str | Path],
    initial_run_files: list[str | Path] = (),
    pairs_file: str | Path | None = None,
    category_fields: tuple[str, ...] = (),
    two_way: bool | None = None,
) -> None:
    """Tables 1, 2 and 5-9 of one challenge set (`evalset`, e.g. breaking_nli/test), each as CSV and Markdown.

    `before_files` / `after_files`: the initial / final models' predictions on it; `initial_run_files`: every
    initial run's run.json (a recipe whose initial models kept pairs of this set in training, under leakage: report,
    is marked †). A two-way set (HANS; `two_way` for a declared one) names its labels entailment / non-entailment.
    Tables 8 and 9 (the initial models' accuracy by category x gold label, and by each of `category_fields`, the
    set's further category columns in `pairs_file`: HANS's subcase) are how HANS's authors report it.
    """
    one_encoder([*before_files, *after_files, *initial_run_files])  # a table over seeds never mixes encoders
    out = Path(out_dir)
    if two_way is None:
        two_way = evalset.split("/")[0] in TWO_WAY_DATASETS
    label_names = TWO_WAY_LABEL_NAMES if two_way else LABEL_NAMES
    kept = pairs_kept_in_training(initial_run_files, evalset)
    footnote = (
        "\n† "
        + ", ".join(f"{recipe}: trained on {n} pair(s) of {evalset} (leakage: report)" for recipe, n in kept.items())
        + "\n"
        if kept
        else ""
    )

    def marked(table: pd.DataFrame) -> pd.DataFrame:
        """Recipes as columns or in a Recipe column: add † to those trained on pairs of this set."""
        table = table.rename(columns={recipe: f"{recipe} †" for recipe in kept})
        if "Recipe" in table.columns:
            table["Recipe"] = table["Recipe"].map(lambda r: f"{r} †" if r in kept else r)
        return table

    for by, before_name, after_name in (
        ("category", "table1_categories", "table5_categories"),
        ("label", "table2_labels", "table6_labels"),
    ):
        before = mt.challenge_mistakes_long(before_files, by, label_names)
        after = mt.challenge_mistakes_long(after_files, by, label_names)
        write_table(
            before.drop(columns=["selection", "final_lr"]),
            markdown_blocks(before, ["lr"], lambda p, by=by: marked(mt.mistakes_wide(p, recipes, by))) + footnote,
            out,
            before_name,
        )
        delta = mt.mistakes_delta_long(before, after)
        write_table(
            delta,
            markdown_blocks(
                delta.assign(final_lr=mt.final_lr_roles(delta)),
                ["selection", "final_lr", "lr"],
                lambda p, by=by: marked(mt.mistakes_delta_wide(p, recipes, by)),
            )
            + footnote,
            out,
            after_name,
        )

    before_by_run = {tuple(parse_run(p).key().values()): p for p in before_files}
    after_by_run = {}
    for path in after_files:
        key = parse_run(path).key() | parse_run(path).final_key()
        after_by_run[(key["recipe"], key["seed"], key["lr"], key["selection"], key["final_lr"])] = path
    change = with_seed_tests(
        mt.accuracy_change_long(before_by_run, after_by_run),
        ["selection", "final_lr", "lr", "recipe"],
        "improvement_points",
    )
    write_table(
        change,
        "Improvement in points, every final-tuning choice side by side (mean over seeds at each initial learning "
        "rate):\n\n"
        + to_markdown(mt.improvement_side_by_side(change, recipes))
        + "\n"
        + markdown_blocks(
            change.assign(final_lr=mt.final_lr_roles(change)),
            ["selection", "final_lr", "lr"],
            lambda p: marked(mt.accuracy_change_wide(p, recipes)),
        )
        + "\n"
        + SEED_TEST_NOTE
        + footnote,
        out,
        "table7_accuracy",
    )
    write_accuracy_by_group(out, recipes, before_files, label_names, pairs_file, category_fields, marked, footnote)


def write_accuracy_by_group(
    out: Path,
    recipes: list[str],
    before_files: list[str | Path],
    label_names: tuple[str, ...],
    pairs_file: str | Path | None,
    category_fields: tuple[str, ...],
    marked,
    footnote: str,
) -> None:
    """Table 8 (accuracy by category x gold label) and Table 9 (by each further category field) of the initial
    models, mean ± sd over seeds at each initial learning rate."""
    intro = "Accuracy (%) of the initial models, mean ± sd over seeds at each initial learning rate:\n\n"
    by_label = mt.accuracy_by_long(before_files, ["category", "label"], label_names)
    blocks = markdown_blocks(by_label, ["lr"], lambda p: marked(mt.accuracy_by_wide(p, recipes, ["category", "label"])))
    write_table(by_label, intro + blocks + footnote, out, "table8_category_label")
    if not category_fields:
        columns = ["recipe", "seed", "lr", "field", "value", "examples", "correct", "accuracy"]
        write_table(
            pd.DataFrame(columns=columns), "No category field beyond `category` in this set.\n", out, "table9_fields"
        )
        return
    pairs = pd.read_parquet(pairs_file)
    by_field = pd.concat(
        mt.accuracy_by_long(before_files, [name], label_names, pairs).rename(columns={name: "value"}).assign(field=name)
        for name in category_fields
    )
    blocks = markdown_blocks(
        by_field,
        ["field", "lr"],
        lambda p: marked(mt.accuracy_by_wide(p, recipes, ["value"]).rename(columns={"Value": p["field"].iloc[0]})),
    )
    write_table(by_field, intro + blocks + footnote, out, "table9_fields")


def pairs_kept_in_training(run_files: list[str | Path], evalset: str = "breaking_nli/test") -> dict[str, int]:
    """recipe -> the most pairs of `evalset` one of its initial runs kept in training (leakage: report), its
    earlier stages included: snli_mnli starts from the snli model and inherits what that one trained on."""
    own: dict[str, int] = {}
    for path in run_files:
        overlap = json.loads(Path(path).read_text()).get("overlap", {})
        pairs = overlap.get("by_set", {}).get(evalset, 0) if overlap.get("kept_overlapping") else 0
        recipe = parse_run(path).recipe
        own[recipe] = max(own.get(recipe, 0), pairs)
    kept = {}
    for recipe in own:
        stages = recipe.split("_")
        pairs = sum(own.get("_".join(stages[: i + 1]), 0) for i in range(len(stages)))
        if pairs:
            kept[recipe] = pairs
    return kept


def _in_distribution_wide(part: pd.DataFrame) -> pd.DataFrame:
    grouped = part.groupby(["recipe", "evalset"], sort=False)
    table = pd.DataFrame(
        {
            "Before (%)": grouped["accuracy_before"].apply(percent),
            "After (%)": grouped["accuracy_after"].apply(percent),
            "Change (points)": grouped["change_points"].apply(points),
            "Tuning pairs also in this set": grouped.apply(_overlap_note, include_groups=False),
        }
    ).reset_index()
    before_seen = grouped["initial_overlap_kept"].any().to_numpy()
    table.loc[before_seen, "Before (%)"] = table.loc[before_seen, "Before (%)"] + " †"
    after_seen = grouped["after_saw_scored_pairs"].any().to_numpy()
    table.loc[after_seen, "After (%)"] = table.loc[after_seen, "After (%)"] + " †"
    one_label = grouped["collapsed"].any().to_numpy()
    table.loc[one_label, "After (%)"] = table.loc[one_label, "After (%)"] + COLLAPSED_MARK
    return table


def _overlap_note(part: pd.DataFrame) -> str:
    """'' when none; 'N dropped' (leakage: exclude); '† N kept: tuned on pairs it is scored on' (report)."""
    pairs = int(part["overlap_pairs"].max())
    if not pairs:
        return ""
    if part["overlap_kept"].any():
        return f"† {pairs} kept: tuned on pairs it is scored on"
    return f"{pairs} dropped before tuning"
