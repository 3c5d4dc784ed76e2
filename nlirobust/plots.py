"""Figures (matplotlib, PNG) rendered from the study's CSV tables; nothing here computes a result."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on cluster nodes or CI
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def _save(fig, out: str | Path) -> None:
    from nlirobust.data.io import atomic_path

    with atomic_path(out) as tmp:
        fig.savefig(tmp, format="png", dpi=120, bbox_inches="tight")
    plt.close(fig)


def panels_across(panels: int, panel_inches: float, page_inches: float = 28.0) -> int:
    """How many panels of a figure sit side by side: at most 3, and no more than fit a page's width."""
    return max(1, min(panels, 3, int(page_inches // max(panel_inches, 1e-9))))


def lr_label(lr: float) -> str:
    """An initial learning rate as figures name it: 'lr 0.001' (the run-path name, never rounded together)."""
    from nlirobust.names import lr_name

    return f"lr {lr_name(lr)}"


def mistakes_by_category(delta_long: pd.DataFrame, recipes: list[str], out: str | Path) -> None:
    """The change final tuning made: Breaking NLI mistakes after minus before, per category (rows) and recipe,
    initial learning rate and final learning rate (columns), mean over seeds; one heatmap per selection. Blue:
    fewer mistakes. Learning rates are columns of their own, never averaged together."""
    from nlirobust.mistake_frames import final_lr_roles

    data = delta_long[delta_long["group"] != "Total"]
    data = data.assign(final_lr=final_lr_roles(data).astype(str))
    selections = list(dict.fromkeys(data["selection"]))
    recipes = [r for r in recipes if r in set(data["recipe"])]
    initial_rates = sorted(set(data["lr"]))
    rates = list(dict.fromkeys(data["final_lr"]))
    order = data.groupby("group")["examples"].first().sort_values(ascending=False).index.tolist()
    columns = [(recipe, lr, rate) for recipe in recipes for lr in initial_rates for rate in rates]
    cells = data.groupby(["selection", "group", "recipe", "lr", "final_lr"])["delta"].mean()
    limit = max(1.0, float(cells.abs().max()))
    n_cols = panels_across(len(selections), 0.55 * len(columns))
    n_rows = -(-len(selections) // n_cols)
    fig, axes = plt.subplots(
        n_rows, n_cols, figsize=(1.6 + 0.55 * len(columns) * n_cols, 0.9 + 0.32 * len(order) * n_rows),
        squeeze=False, layout="constrained",
    )  # fmt: skip
    image = None
    for ax, selection in zip(axes.flat, selections, strict=False):
        grid = np.array([[cells.get((selection, group, *column), np.nan) for column in columns] for group in order])
        image = ax.imshow(grid, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
        ax.set_yticks(range(len(order)), order, fontsize=7)
        labels = [
            "\n".join(
                [recipe]
                + ([lr_label(lr)] if len(initial_rates) > 1 else [])
                + ([f"final {rate}"] if len(rates) > 1 else [])
            )
            for recipe, lr, rate in columns
        ]
        ax.set_xticks(range(len(columns)), labels, rotation=90, fontsize=7)
        ax.set_title(selection if len(initial_rates) > 1 else f"{selection} ({lr_label(initial_rates[0])})", fontsize=9)
    for ax in list(axes.flat)[len(selections) :]:
        ax.set_visible(False)
    if image is not None:
        fig.colorbar(
            image,
            ax=axes.ravel().tolist(),
            label="mistakes after - before (mean over seeds, at one initial and one final learning rate)",
            shrink=0.8,
        )
    _save(fig, out)


def accuracy_before_after(change_long: pd.DataFrame, recipes: list[str], out: str | Path) -> None:
    """Breaking NLI accuracy before and after final tuning per recipe and initial learning rate (one group of bars
    each), mean with sd over seeds at that rate as error bars; one panel per selection, one bar per final learning
    rate (named as in the tables)."""
    from nlirobust.mistake_frames import final_lr_roles

    change_long = change_long.assign(final_lr=final_lr_roles(change_long).astype(str))
    selections = list(dict.fromkeys(change_long["selection"]))
    rates = list(dict.fromkeys(change_long["final_lr"]))
    recipes = [r for r in recipes if r in set(change_long["recipe"])]
    initial_rates = sorted(set(change_long["lr"]))
    groups = [(recipe, lr) for recipe in recipes for lr in initial_rates]
    width = 0.8 / (1 + len(rates))
    n_cols = panels_across(len(selections), 0.5 * len(groups) * (1 + len(rates)))
    n_rows = -(-len(selections) // n_cols)
    fig, axes = plt.subplots(
        n_rows, n_cols, figsize=(0.8 + 0.5 * len(groups) * (1 + len(rates)) * n_cols, 3.2 * n_rows),
        squeeze=False, sharey=True, layout="constrained",
    )  # fmt: skip
    x = np.arange(len(groups))
    index = pd.MultiIndex.from_tuples(groups, names=["recipe", "lr"])
    before = change_long.drop_duplicates(["recipe", "seed", "lr"]).groupby(["recipe", "lr"])["accuracy_before"]
    labels = [recipe if len(initial_rates) == 1 else f"{recipe}\n{lr_label(lr)}" for recipe, lr in groups]
    for ax, selection in zip(axes.flat, selections, strict=False):
        ax.bar(x, 100 * before.mean().reindex(index), width, yerr=100 * before.std().reindex(index).fillna(0),
               label="before", color="#8da0cb", capsize=3)  # fmt: skip
        for i, rate in enumerate(rates, start=1):
            part = change_long[(change_long["selection"] == selection) & (change_long["final_lr"] == rate)]
            after = part.groupby(["recipe", "lr"])["accuracy_after"]
            ax.bar(x + i * width, 100 * after.mean().reindex(index), width,
                   yerr=100 * after.std().reindex(index).fillna(0), label=f"after, final lr {rate}",
                   capsize=3)  # fmt: skip
        ax.set_xticks(x + width * len(rates) / 2, labels, fontsize=8)
        ax.set_title(selection if len(initial_rates) > 1 else f"{selection} ({lr_label(initial_rates[0])})", fontsize=9)
    for ax in list(axes.flat)[len(selections) :]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("Breaking NLI accuracy (%)\nmean ± sd over seeds")
    axes.flat[0].legend(fontsize=7, loc="best")
    _save(fig, out)


def epoch_overlap(combinations_long: pd.DataFrame, recipes: list[str], out: str | Path) -> None:
    """UpSet-style: how many training examples were wrong in exactly each set of epochs, one column per recipe and
    one row of panels per initial learning rate (mean over seeds at that rate)."""
    exact = combinations_long[combinations_long["kind"] == "exactly"]
    recipes = [r for r in recipes if r in set(exact["recipe"])]
    initial_rates = sorted(set(exact["lr"]))
    subsets = exact.drop_duplicates("epochs")["epochs"].tolist()
    epochs = sorted({int(e) for s in subsets for e in str(s).split(",")})
    fig, axes = plt.subplots(
        2 * len(initial_rates),
        len(recipes),
        figsize=(3.6 * len(recipes), 4.6 * len(initial_rates)),
        squeeze=False,
        gridspec_kw={"height_ratios": [3, 1.2] * len(initial_rates)},
        sharex="col",
        constrained_layout=True,  # else the epoch labels of one column run into the panel beside it
    )
    x = np.arange(len(subsets))
    for block, lr in enumerate(initial_rates):
        bars, dots = axes[2 * block], axes[2 * block + 1]
        for col, recipe in enumerate(recipes):
            part = exact[(exact["recipe"] == recipe) & (exact["lr"] == lr)]
            bars[col].bar(x, part.groupby("epochs")["count"].mean().reindex(subsets), color="#66c2a5")
            bars[col].set_title(f"{recipe}, {lr_label(lr)} ({part['seed'].nunique()} seed(s))", fontsize=9)
            for i, subset in enumerate(subsets):
                members = {int(e) for e in str(subset).split(",")}
                colours = ["black" if e in members else "#dddddd" for e in epochs]
                dots[col].scatter([i] * len(epochs), range(len(epochs)), c=colours, s=22)
            dots[col].set_yticks(range(len(epochs)), [f"epoch {e}" for e in epochs] if col == 0 else [], fontsize=7)
            dots[col].set_xticks([])
        bars[0].set_ylabel("examples wrong in exactly\nthese epochs (mean over seeds)", fontsize=8)
    _save(fig, out)


def error_flow_bars(flows_long: pd.DataFrame, out: str | Path) -> None:
    """Fixed / introduced / remaining errors of each retrained model against the baseline, one panel a subset, one
    group of bars per model and initial learning rate: mean over seeds at that rate, sd as error bars."""
    per_run = flows_long.assign(run=[f"{m}\n{lr_label(lr)}" for m, lr in zip(flows_long["model"], flows_long["lr"],
                                                                              strict=True)])  # fmt: skip
    grouped = per_run.groupby(["evalset", "subset", "run"], sort=False)[["fixed", "introduced", "remaining"]]
    means, sds = grouped.mean(), grouped.std().fillna(0)
    evalsets = means.index.get_level_values("evalset").unique().tolist()
    subsets = means.index.get_level_values("subset").unique().tolist()
    panels = {key: (part.droplevel([0, 1]), sds.loc[part.index].droplevel([0, 1]))
              for key, part in means.groupby(level=[0, 1], sort=False)}  # fmt: skip
    fig, axes = plt.subplots(
        len(evalsets),
        len(subsets),
        figsize=(3.2 * len(subsets), 2.8 * len(evalsets)),
        squeeze=False,
        constrained_layout=True,  # else each row's titles sit on the tick labels of the row above
    )
    colours = {"fixed": "#66c2a5", "introduced": "#fc8d62", "remaining": "#8da0cb"}
    for row, evalset in enumerate(evalsets):
        for col, subset in enumerate(subsets):
            ax = axes[row][col]
            if (evalset, subset) not in panels:
                ax.set_axis_off()
                continue
            part, spread = panels[(evalset, subset)]
            x = np.arange(len(part))
            for k, (name, colour) in enumerate(colours.items()):
                ax.bar(x + (k - 1) * 0.27, part[name], 0.27, yerr=spread[name], color=colour, label=name, capsize=2)
            ax.set_xticks(x, [m.replace("retrained:", "retrained\n") for m in part.index], fontsize=7)
            ax.set_title(f"{evalset}\n{subset}", fontsize=8)
            if col == 0:
                ax.set_ylabel("errors per seed\n(mean ± sd over seeds)", fontsize=8)
    axes[0][0].legend(fontsize=7)
    _save(fig, out)


def learning_curves(steps: pd.DataFrame, epochs: pd.DataFrame, recipe: str, out: str | Path, title: str = "") -> None:
    """Training loss (the mean over each logging interval, each seed a thin line) and validation loss / accuracy per
    epoch (mean and sd over seeds), one colour a learning rate: readable with the paper grid's 5 seeds x 3 rates on
    one recipe. `title` names the runs (default: the recipe)."""
    from matplotlib.lines import Line2D

    title = title or recipe
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 3.6), constrained_layout=True)
    recipe_steps = steps[steps["recipe"] == recipe]
    recipe_epochs = epochs[epochs["recipe"] == recipe]
    handles = []
    for k, lr in enumerate(sorted(recipe_steps["lr"].unique())):
        colour = f"C{k % 10}"
        runs = recipe_steps[recipe_steps["lr"] == lr].groupby("seed", sort=True)
        for _, run in runs:
            ax_loss.plot(run["epoch"], run["loss"], color=colour, lw=0.8, alpha=0.45)
        per_epoch = recipe_epochs[recipe_epochs["lr"] == lr]
        if "eval_loss" in per_epoch and not per_epoch.empty:
            stats = per_epoch.groupby("epoch")[["eval_loss", "eval_accuracy"]].agg(["mean", "std"]).fillna(0)
            loss, acc = stats["eval_loss"], 100 * stats["eval_accuracy"]
            ax_loss.errorbar(stats.index, loss["mean"], yerr=loss["std"], fmt="o--", color=colour, capsize=2, ms=4)
            ax_acc.errorbar(stats.index, acc["mean"], yerr=acc["std"], fmt="o-", color=colour, capsize=2, ms=4)
        handles.append(Line2D([], [], color=colour, marker="o", label=f"{lr_label(lr)} ({runs.ngroups} seed(s))"))
    style = [
        Line2D([], [], color="grey", lw=0.8, alpha=0.6, label="train loss, mean over each logging interval, each seed"),
        Line2D([], [], color="grey", marker="o", ls="--", label="validation, mean ± sd over seeds"),
    ]
    ax_loss.set(xlabel="epoch (of the last stage)", ylabel="loss", title=f"{title}: loss")
    ax_acc.set(xlabel="epoch", ylabel="validation accuracy (%)", title=f"{title}: validation accuracy")
    ax_loss.legend(handles=style, fontsize=7)
    ax_acc.legend(handles=handles, fontsize=7)
    _save(fig, out)


def projection_scatter(points: pd.DataFrame, method: str, title: str, out: str | Path) -> None:
    """Hidden states in 2-D: correct pairs coloured by gold label, wrong ones black; opacity = confidence."""
    from nlirobust.labels import LABEL_NAMES

    fig, ax = plt.subplots(figsize=(5.5, 4.6))
    colours = ["#1b9e77", "#7570b3", "#d95f02"]
    right = points[~points["wrong"]]
    for label, name in enumerate(LABEL_NAMES):
        part = right[right["gold"] == label]
        if part.empty:  # Breaking NLI has no neutral pairs, for one
            continue
        opacity = part["confidence"].clip(0.15, 1)
        xy = (part[f"{method}_x"], part[f"{method}_y"])
        ax.scatter(*xy, s=10, c=colours[label], alpha=opacity, label=f"{name} (right)", linewidths=0)
    wrong = points[points["wrong"]]
    xy = (wrong[f"{method}_x"], wrong[f"{method}_y"])
    if not wrong.empty:
        ax.scatter(
            *xy, s=12, c="black", alpha=wrong["confidence"].clip(0.15, 1), marker="x", label="wrong", linewidths=0.8
        )
    ax.set(title=f"{title} ({method.upper() if method == 'pca' else 't-SNE'})", xticks=[], yticks=[])
    ax.legend(fontsize=7, markerscale=1.5)
    _save(fig, out)


def data_maps(dynamics: pd.DataFrame, recipes: list[str], out: str | Path) -> None:
    """One data map per recipe (columns) and initial learning rate (rows), its seeds pooled: variability against
    confidence of the gold label, as hexagonal bins coloured by the mean correctness of the examples in them
    (550k points stay legible)."""
    recipes = [r for r in recipes if r in set(dynamics["recipe"])]
    initial_rates = sorted(set(dynamics["lr"]))
    fig, axes = plt.subplots(
        len(initial_rates), len(recipes), figsize=(3.6 * len(recipes), 3.6 * len(initial_rates)), squeeze=False,
        sharex=True, sharey=True, layout="constrained",
    )  # fmt: skip
    image = None
    for row, lr in enumerate(initial_rates):
        for ax, recipe in zip(axes[row], recipes, strict=True):
            part = dynamics[(dynamics["recipe"] == recipe) & (dynamics["lr"] == lr)]
            image = ax.hexbin(
                part["variability"], part["confidence"], C=part["correctness"], reduce_C_function=np.mean,
                gridsize=25, extent=(0, 0.5, 0, 1), cmap="viridis", vmin=0, vmax=1, mincnt=1,
            )  # fmt: skip
            ax.set_title(f"{recipe}, {lr_label(lr)}\n({len(part):,} examples, {part['seed'].nunique()} seed(s))",
                         fontsize=9)  # fmt: skip
        axes[row][0].set_ylabel("confidence (gold label)")
    for ax in axes[-1]:
        ax.set_xlabel("variability")
    if image is not None:
        fig.colorbar(image, ax=axes.ravel().tolist(), label="correctness (share of epochs right)")
    _save(fig, out)


def encoder_comparison_figure(summary: pd.DataFrame, out: str | Path) -> None:
    """The comparison's headline cells (validation, each set overall, the changes and drops): one panel per recipe,
    one bar per encoder at its chosen rate (in the legend), mean with sd over seeds as the error bar."""
    from nlirobust.encoder_comparison import headline_cells

    recipes = list(dict.fromkeys(summary["recipe"]))
    encoders = list(dict.fromkeys(summary["encoder"]))
    across = panels_across(len(recipes), 6.0)
    rows = -(-len(recipes) // across)
    fig, axes = plt.subplots(rows, across, figsize=(6.0 * across, 4.8 * rows), squeeze=False, layout="constrained")
    width = 0.8 / max(len(encoders), 1)
    for ax, recipe in zip(axes.flat, recipes, strict=False):
        part = summary[summary["recipe"] == recipe]
        headline = headline_cells(part["cell"])  # this recipe's cells (the attacks' drops are the snli row's)
        x = np.arange(len(headline))
        for i, encoder in enumerate(encoders):
            mine = part[part["encoder"] == encoder].set_index("cell").reindex(headline)
            rate = mine["lr"].dropna()
            label = f"{encoder} ({lr_label(rate.iloc[0])})" if not rate.empty else encoder
            ax.bar(x + i * width, mine["mean"], width, yerr=mine["sd"].fillna(0), label=label, capsize=2)
        ax.set_xticks(x + width * (len(encoders) - 1) / 2, headline, rotation=30, ha="right", fontsize=8)
        ax.set_title(recipe)
        ax.set_ylabel("% (changes and drops: points)")
        ax.axhline(0, color="grey", linewidth=0.5)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(recipes) :]:
        ax.set_visible(False)
    fig.suptitle("Encoders compared: mean ± sd over seeds at each encoder's rate chosen on validation")
    _save(fig, out)
