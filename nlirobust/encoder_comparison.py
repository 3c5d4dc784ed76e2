"""Every encoder side by side, the report's first section: per encoder and recipe, at the initial learning rate
chosen on the recipe's last stage's validation set, mean ± sd over seeds of the validation accuracy, each
challenge set's accuracy (overall; by gold label; a two-way set with a category, such as HANS, by category x
label), the final tuning's change on Breaking NLI and each attack's drop; then the published study's numbers for
the same cells (nlirobust/published_reference.csv, each naming its source table) and our distance to them.

A cell is always one encoder, one recipe and one initial learning rate: rates and encoders are never pooled.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from nlirobust.labels import LABEL_NAMES
from nlirobust.names import TWO_WAY_LABEL_NAMES, lr_name
from nlirobust.reference_comparison import validation_set_of
from nlirobust.run_paths import evalset_of, parse_run
from nlirobust.tables import COLLAPSED_MARK, collapsed

PUBLISHED = Path(__file__).with_name("published_reference.csv")
PUBLISHED_LABEL = "published (reference)"
BREAKING = "breaking_nli/test"
KEYS = ["encoder", "recipe", "lr"]
# the accuracy each recipe's rate is chosen on: its last stage's validation set (snli/validation for snli and
# mnli_snli, mnli/validation_matched for mnli and snli_mnli)
VALIDATION = "validation (last stage)"


def _percent(frame: pd.DataFrame) -> float:
    return float(100 * (frame["gold"] == frame["pred"]).mean())


def answers_one_label(frame: pd.DataFrame) -> bool:
    """The model answered (almost) one label on a set whose gold labels are not (almost) one (tables.collapsed)."""
    shares = [float(frame[c].value_counts(normalize=True).max()) if len(frame) else 0.0 for c in ("pred", "gold")]
    return collapsed(*shares)


def challenge_cells(path: str | Path, two_way: bool) -> tuple[dict[str, float], bool]:
    """One prediction file's cells: `<set>` (all pairs), `<set> <label>`, and for a two-way set with a category
    `<set> <category> <label>` (HANS: heuristic x entailed / non-entailed, as its authors report it); and whether
    the model answered (almost) one label there."""
    frame = pd.read_parquet(path, columns=["gold", "pred", "category"])
    evalset = evalset_of(path)
    names = TWO_WAY_LABEL_NAMES if two_way else LABEL_NAMES
    cells = {evalset: _percent(frame)}
    by = ["category", "gold"] if two_way and frame["category"].notna().any() else ["gold"]
    for values, part in frame.groupby(by, sort=True):
        *category, gold = values if isinstance(values, tuple) else (values,)
        cells[" ".join([evalset, *category, names[int(gold)]])] = _percent(part)
    return cells, answers_one_label(frame)


def attack_drops(summary_files: list[str | Path], prediction_files: list[str | Path]) -> pd.DataFrame:
    """Each attack's drop (points) per encoder, seed and rate: adversarial_tables.attack_effect_long, one encoder at
    a time (its keys are one encoder's)."""
    from nlirobust.adversarial_tables import attack_effect_long

    frames = []
    for encoder in sorted({parse_run(p).encoder for p in summary_files}):
        summaries = [p for p in summary_files if parse_run(p).encoder == encoder]
        predictions = [p for p in prediction_files if parse_run(p).encoder == encoder]
        frames.append(attack_effect_long(summaries, predictions).assign(encoder=encoder))
    columns = ["encoder", "attack", "seed", "lr", "drop_points"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def per_run_cells(
    metric_files: list[str | Path],
    challenge_predictions: list[str | Path],
    final_metrics: list[str | Path],
    attack_drops: pd.DataFrame,
    two_way_sets: list[str],
) -> pd.DataFrame:
    """One row per (encoder, recipe, seed, lr, cell), value in percent (or points for a change).

    `metric_files`: every initial model's metrics (the validation set of its recipe's last stage is read);
    `challenge_predictions`: the initial models' prediction files on the challenge sets; `final_metrics`: Breaking
    NLI metrics of one final tuning (one selection and final rate) of each initial model; `attack_drops`:
    adversarial_tables.attack_effect_long of each encoder, with an `encoder` column."""
    rows = []

    def add(path: str | Path, cell: str, value: float, unit: str = "%", one_label: bool = False) -> None:
        run = parse_run(path)
        rows.append({"encoder": run.encoder, **run.key(), "cell": cell, "value": value, "unit": unit} | {
            "collapsed": one_label})  # fmt: skip

    before = {}
    for path in metric_files:
        run, evalset = parse_run(path), evalset_of(path)
        metrics = json.loads(Path(path).read_text())
        accuracy = 100 * metrics["accuracy"]
        if evalset == validation_set_of(run.recipe):
            one_label = collapsed(metrics.get("most_predicted_share", 0), metrics.get("most_frequent_gold_share", 1))
            add(path, VALIDATION, accuracy, one_label=one_label)
        if evalset == BREAKING:
            before[(run.encoder, run.recipe, run.seed, run.lr)] = accuracy
    for path in challenge_predictions:
        # every cell of a run that answers one label on the set is marked, as the encoder's own tables mark it
        cells, one_label = challenge_cells(path, evalset_of(path).split("/")[0] in two_way_sets)
        for cell, value in cells.items():
            add(path, cell, value, one_label=one_label)
    for path in final_metrics:
        run = parse_run(path)
        after = 100 * json.loads(Path(path).read_text())["accuracy"]
        change = after - before[(run.encoder, run.recipe, run.seed, run.lr)]
        add(path, f"final tuning: {BREAKING} change", change, "points")
    for drop in attack_drops.itertuples():
        rows.append(
            {"encoder": drop.encoder, "recipe": "snli", "seed": int(drop.seed), "lr": float(drop.lr)}
            | {"cell": f"{drop.attack} attack drop", "value": float(drop.drop_points), "unit": "points"}
            | {"collapsed": False}
        )
    return pd.DataFrame(rows)


def chosen_rates(cells: pd.DataFrame) -> dict[tuple[str, str], float]:
    """(encoder, recipe) -> the initial rate with the highest mean validation accuracy over seeds."""
    validation = cells[cells["cell"] == VALIDATION]
    means = validation.groupby(["encoder", "recipe", "lr"], sort=False)["value"].mean().reset_index()
    return {
        (encoder, recipe): float(part.loc[part["value"].idxmax(), "lr"])
        for (encoder, recipe), part in means.groupby(["encoder", "recipe"], sort=False)
    }


def summary(cells: pd.DataFrame) -> pd.DataFrame:
    """Mean, sd and seeds of every cell at each (encoder, recipe)'s chosen rate: the comparison's data."""
    chosen = chosen_rates(cells)
    keep = [chosen.get((e, r)) == lr for e, r, lr in zip(cells["encoder"], cells["recipe"], cells["lr"], strict=True)]
    at_rate = cells[keep]
    grouped = at_rate.groupby([*KEYS, "cell", "unit"], sort=False)
    out = grouped["value"].agg(mean="mean", sd="std", seeds="count").reset_index()
    out["collapsed"] = grouped["collapsed"].any().to_numpy()  # a seed that answered one label marks the cell
    out["source"] = "this run: mean and sd over seeds at the rate chosen on validation"
    return out


def published_rows(encoders: list[dict], published: str | Path = PUBLISHED) -> pd.DataFrame:
    """The reference's numbers as comparison rows (one run each: no sd), then `<encoder> - published` for each
    encoder that is the published model (same name_or_path): ours minus theirs, cell by cell."""
    table = pd.read_csv(published)
    rows = table.assign(encoder=PUBLISHED_LABEL, mean=table["value"], sd=np.nan, seeds=1, collapsed=False)
    return rows[[*KEYS, "cell", "unit", "mean", "sd", "seeds", "collapsed", "source", "model"]]


def distances(ours: pd.DataFrame, published: pd.DataFrame, encoders: list[dict]) -> pd.DataFrame:
    """Ours minus published for every cell both have, for each encoder that is the published model."""
    rows = []
    for entry in encoders:
        same = published[published["model"] == entry["name_or_path"]]
        mine = ours[ours["encoder"] == entry["name"]]
        merged = mine.merge(same[["recipe", "cell", "mean"]], on=["recipe", "cell"], suffixes=("", "_published"))
        for row in merged.itertuples():
            rows.append(
                {"encoder": f"{entry['name']} - published", "recipe": row.recipe, "lr": row.lr, "cell": row.cell}
                | {"unit": "points", "mean": row.mean - row.mean_published, "sd": np.nan, "seeds": row.seeds}
                | {"collapsed": row.collapsed, "source": "this encoder's mean minus the published number"}
            )
    return pd.DataFrame(rows, columns=[*KEYS, "cell", "unit", "mean", "sd", "seeds", "collapsed", "source"])


def comparison(cells: pd.DataFrame, encoders: list[dict], published: str | Path = PUBLISHED) -> pd.DataFrame:
    """Ours (per encoder and recipe), the published rows, and the distances: the long table written as CSV."""
    ours = summary(cells)
    reference = published_rows(encoders, published)
    frame = pd.concat([ours, reference.drop(columns="model"), distances(ours, reference, encoders)], ignore_index=True)
    # per recipe: each encoder, the published row, then each distance to it ("<encoder> - published")
    names = [e["name"] for e in encoders]
    order = {name: i for i, name in enumerate(names + [PUBLISHED_LABEL] + [f"{n} - published" for n in names])}
    frame["order"] = frame["encoder"].map(order)
    recipes = list(dict.fromkeys(cells["recipe"]))
    frame = frame[frame["recipe"].isin(recipes)]
    frame["recipe_order"] = frame["recipe"].map(recipes.index)
    return frame.sort_values(["recipe_order", "order"], kind="stable").drop(columns=["order", "recipe_order"])


def cell_text(row: pd.Series) -> str:
    """`87.3 ± 0.4` over seeds, `91.22` for a published number as printed there, `+0.3` for a distance."""
    if row["encoder"] == PUBLISHED_LABEL:
        return f"{row['mean']:+.2f}" if row["unit"] == "points" else f"{row['mean']:.2f}"
    if row["encoder"].endswith(" - published") or row["unit"] == "points":
        text = f"{round(row['mean'], 1) or 0.0:+.1f}"  # a change that rounds to zero is +0.0, never -0.0
    else:
        text = f"{row['mean']:.1f}"
    text += f" ± {row['sd']:.1f}" if row["seeds"] > 1 and not np.isnan(row["sd"]) else ""
    return text + (COLLAPSED_MARK if row["collapsed"] else "")


def missing_rows(cells: pd.DataFrame) -> list[str]:
    """(encoder, recipe) pairs that have runs but no row: their last stage's validation set was not evaluated, so
    no rate can be chosen for them."""
    chosen = chosen_rates(cells)
    pairs = dict.fromkeys(zip(cells["encoder"], cells["recipe"], strict=True))
    return [f"{e}/{r} ({validation_set_of(r)} not evaluated)" for e, r in pairs if (e, r) not in chosen]


def headline_cells(cells: pd.Series) -> list[str]:
    """Validation, each set overall, the final tuning's change and the attacks' drops (not the per-label cells)."""
    return [c for c in dict.fromkeys(cells) if " " not in c or c == VALIDATION or c.endswith(("change", "drop"))]


def blocks(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Wide tables a reader can hold: the headline cells (validation, each set overall, the final change, the
    attacks' drops), then one per challenge set with its label (or category x label) cells."""
    frame = frame.assign(text=frame.apply(cell_text, axis=1))
    headline = headline_cells(frame["cell"])
    groups = {"headline": headline}
    for cell in dict.fromkeys(frame["cell"]):
        if cell not in headline:
            groups.setdefault(cell.split(" ")[0], []).append(cell)
    wide = {}
    for name, cells in groups.items():
        part = frame[frame["cell"].isin(cells)]
        seeds = part.groupby(KEYS, sort=False)["seeds"].max().rename("seeds")
        table = part.pivot_table(index=KEYS, columns="cell", values="text", aggfunc="first")
        rows = pd.MultiIndex.from_frame(part[KEYS].drop_duplicates())  # the frame's order (comparison), not sorted
        table = table.reindex(index=rows, columns=cells).join(seeds).reset_index().fillna("")
        table["lr"] = table["lr"].map(lr_name)
        wide[name] = table[["encoder", "recipe", "lr", "seeds", *cells]]
    return wide


def write_comparison(
    cells: pd.DataFrame, encoders: list[dict], csv: str | Path, md: str | Path, figure: str | Path
) -> pd.DataFrame:
    """results/tables/encoders_compared.{csv,md} and its figure."""
    from nlirobust.data.io import atomic_path
    from nlirobust.plots import encoder_comparison_figure
    from nlirobust.tables import to_markdown

    frame = comparison(cells, encoders)
    with atomic_path(Path(csv)) as tmp:
        frame.to_csv(tmp, index=False)
    parts = []
    for name, table in blocks(frame).items():
        if name != "headline":
            parts.append(f"**{name}**\n")
        parts.append(to_markdown(table))
    if frame["collapsed"].any():
        parts.append(f"{COLLAPSED_MARK.strip()}: at least one seed answered (almost) one label on that set.\n")
    missing = missing_rows(cells)
    if missing:
        parts.append("No row (no rate could be chosen): " + ", ".join(missing) + ".\n")
    with atomic_path(Path(md)) as tmp:
        tmp.write_text("\n".join(parts))
    encoder_comparison_figure(frame[frame["encoder"].isin([e["name"] for e in encoders])], figure)
    return frame
