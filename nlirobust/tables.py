"""Tables computed from files on disk (predictions metrics, epoch logs); rendering is a separate step.

Every function here reads data files and returns a tidy frame; `to_markdown` renders. Nothing here loads a model.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from nlirobust import run_paths

COLLAPSED_SHARE = 0.95


def collapsed(most_predicted_share: float, most_frequent_gold_share: float) -> bool:
    """A model that answers (almost) one label on a set whose gold labels are not (almost) one label."""
    return most_predicted_share >= COLLAPSED_SHARE and most_frequent_gold_share < COLLAPSED_SHARE


COLLAPSED_MARK = " ⚠ one label"


def accuracy_long(metric_files: list[str | Path]) -> pd.DataFrame:
    """One row per (recipe, seed, lr, evaluation set) from evaluation metrics JSON files."""
    rows = []
    for path in metric_files:
        path = Path(path)
        metrics = json.loads(path.read_text())
        evalset = run_paths.evalset_of(path)
        rows.append(
            run_paths.parse_run(path).key()
            | {"evalset": evalset}
            | {k: metrics[k] for k in ("accuracy", "loss", "examples", "mistakes")}
            | {
                "collapsed": collapsed(
                    metrics.get("most_predicted_share", 0), metrics.get("most_frequent_gold_share", 1)
                )
            }
        )
    return pd.DataFrame(rows)


def epoch_long(epoch_logs: list[str | Path]) -> pd.DataFrame:
    """One row per (recipe, seed, lr, epoch of the last stage) from the training jobs' epoch_log.csv files."""
    frames = []
    for path in epoch_logs:
        frame = pd.read_csv(path)
        for key, value in run_paths.parse_run(path).key().items():
            frame.insert(0, key, value)
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True)
    frame.insert(1, "stage_data", frame["recipe"].str.split("_").str[-1])
    return frame


EPOCH_COLUMNS: tuple[str, ...] = (
    "recipe",
    "seed",
    "lr",
    "epoch",
    "train_loss",
    "eval_loss",
    "eval_accuracy",
    "train_mistakes",
    "train_seconds",
    "mistake_pass_seconds",
)


def epoch_view(epochs: pd.DataFrame) -> pd.DataFrame:
    """The per-epoch table as shown: measurements to 4 decimals, the learning rate as its run name (5e-05, never 0)."""
    from nlirobust.names import lr_name

    view = epochs[[c for c in EPOCH_COLUMNS if c in epochs.columns]].copy()
    measured = [c for c in view.columns if c not in ("recipe", "seed", "lr", "epoch")]
    view[measured] = view[measured].round(4)
    view["lr"] = view["lr"].map(lr_name)
    return view


def mean_sd(values: pd.Series, digits: int = 1, scale: float = 100.0, signed: bool = False) -> str:
    """'87.3 ± 0.4' over seeds ('87.3' for a single seed); `signed` writes the mean as '+1.2'."""
    values = values.astype(float) * scale
    sign = "+" if signed else ""
    if len(values) < 2:
        return f"{values.iloc[0]:{sign}.{digits}f}"
    return f"{values.mean():{sign}.{digits}f} ± {values.std(ddof=1):.{digits}f}"


def kept_overlap_sets(run_files: list[str | Path]) -> dict[tuple, set[str]]:
    """(recipe, seed, lr) -> the scored sets whose pairs the run's model saw in training anywhere along its chain
    (leakage: report): snli_mnli starts from the snli model of the same seed and rate, so it inherits what that one
    kept. `run_files`: the initial runs' run.json."""
    own: dict[tuple, set[str]] = {}
    for path in run_files:
        overlap = json.loads(Path(path).read_text()).get("overlap", {})
        run = run_paths.parse_run(path).key()
        sets = {s for s, n in overlap.get("by_set", {}).items() if n} if overlap.get("kept_overlapping") else set()
        own[(run["recipe"], run["seed"], run["lr"])] = sets
    kept = {}
    for recipe, seed, lr in own:
        stages = recipe.split("_")
        chain = ["_".join(stages[: i + 1]) for i in range(len(stages))]
        kept[(recipe, seed, lr)] = set().union(*(own.get((r, seed, lr), set()) for r in chain))
    return kept


def mark_kept_overlap(long: pd.DataFrame, run_files: list[str | Path]) -> pd.DataFrame:
    """`overlap_kept`: the run's model, or one of the earlier stages it started from, trained on pairs of this
    evaluation set and kept them (leakage: report)."""
    kept = kept_overlap_sets(run_files)
    return long.assign(
        overlap_kept=[r.evalset in kept.get((r.recipe, r.seed, r.lr), set()) for r in long.itertuples()]
        if len(long)
        else []
    )


def percent(values: pd.Series) -> str:
    """Accuracies (fractions) as percent, mean ± sd over seeds."""
    return mean_sd(values, digits=2)


def points(values: pd.Series) -> str:
    """Changes already in points, signed, mean ± sd over seeds."""
    return mean_sd(values, digits=2, scale=1.0, signed=True)


def accuracy_wide(long: pd.DataFrame, recipes: list[str] | None = None) -> pd.DataFrame:
    """Recipes x evaluation sets, accuracy in percent as mean ± sd over seeds, one block per learning rate.

    A cell whose model trained on pairs of that set (kept under leakage: report) ends in ' †'; one whose model
    answered (almost) one label there ends in ' ⚠ one label'."""
    if "overlap_kept" not in long.columns:
        long = long.assign(overlap_kept=False)
    if "collapsed" not in long.columns:
        long = long.assign(collapsed=False)
    table = (
        long.groupby(["recipe", "lr", "evalset"])[["accuracy", "overlap_kept", "collapsed"]]
        .apply(
            lambda part: (
                mean_sd(part["accuracy"])
                + (" †" if part["overlap_kept"].any() else "")
                + (COLLAPSED_MARK if part["collapsed"].any() else "")
            )
        )
        .unstack("evalset")
        .reset_index()
    )
    table.columns.name = None
    if recipes:
        table["recipe"] = pd.Categorical(table["recipe"], categories=recipes, ordered=True)
        table = table.sort_values(["lr", "recipe"])
    return table


def to_markdown(frame: pd.DataFrame) -> str:
    """The frame as a Markdown table. Text columns are printed as written: tabulate would otherwise read a
    one-seed cell such as "80.0" as a number and print "80"."""
    text = [i for i, column in enumerate(frame.columns) if not pd.api.types.is_numeric_dtype(frame[column])]
    return frame.to_markdown(index=False, disable_numparse=text) + "\n"


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """A table's data, atomically; in an encoder's tables folder its first column is `encoder`, so that one
    encoder's rows stay named when CSVs of several are put together (the Markdown, under the encoder's heading,
    leaves it out)."""
    from nlirobust.data.io import atomic_path

    encoder = run_paths.tables_encoder(path)  # the path as the rule names it (results/ may be a link to scratch)
    if encoder is not None and "encoder" not in frame.columns:
        frame = frame.copy()
        frame.insert(0, "encoder", encoder)
    with atomic_path(Path(path)) as tmp:
        frame.to_csv(tmp, index=False)


def write_table(frame: pd.DataFrame, markdown: str, out_dir: Path, name: str) -> None:
    """`name`.csv (the data, write_csv) and `name`.md (its rendering) in `out_dir`, each written atomically."""
    from nlirobust.data.io import atomic_path

    write_csv(frame, out_dir / f"{name}.csv")
    with atomic_path(out_dir / f"{name}.md") as tmp:
        tmp.write_text(markdown)


def markdown_blocks(frame: pd.DataFrame, keys: list[str], render) -> str:
    """Render one Markdown block per value of `keys` (a heading line each when there are several)."""
    groups = list(frame.groupby(keys, sort=True, dropna=False))
    parts = []
    for values, part in groups:
        values = values if isinstance(values, tuple) else (values,)
        if len(groups) > 1 or "selection" in keys:
            parts.append(
                "**" + ", ".join(f"{k.replace('_', ' ')} = {v}" for k, v in zip(keys, values, strict=True)) + "**\n"
            )
        parts.append(to_markdown(render(part)))
    return "\n".join(parts)
