"""results/report.md: the tables on disk, stitched together with one-sentence captions a newcomer can follow."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from nlirobust.labels import LABEL_NAMES
from nlirobust.names import STAGE_VALIDATION, TWO_WAY_DATASETS, TWO_WAY_LABEL_NAMES, lr_name
from nlirobust.tables import mean_sd


def data_section(counts_files: list[str | Path]) -> str:
    """Pairs per split and gold label; a two-way set (HANS) counts under its own label names (non-entailment),
    never under a three-way name it does not have."""
    rows = []
    for path in counts_files:
        dataset = Path(path).parent.name
        names = TWO_WAY_LABEL_NAMES if dataset in TWO_WAY_DATASETS else LABEL_NAMES
        for split, c in json.loads(Path(path).read_text()).items():
            labels = {int(k): v for k, v in c["labels"].items()}
            rows.append(
                {
                    "data set": dataset,
                    "split": split,
                    "pairs": c["pairs"],
                    "dropped (no gold label)": c["dropped_no_gold_label"],
                    # rows whose pair appears again with another label (data.conflicting_duplicates)
                    "pair with two labels": f"{c.get('conflicting_duplicates', 0)}"
                    + (
                        " dropped"
                        if c.get("conflicting_duplicates") and c.get("conflicting_duplicates_action") == "drop"
                        else ""
                    ),
                    **{name: labels.get(i, 0) for i, name in enumerate(names)},
                }
            )
    columns = list(dict.fromkeys(k for row in rows for k in row))
    return pd.DataFrame([{c: row.get(c, "") for c in columns} for row in rows]).to_markdown(index=False)


def validation_set_of(recipe: str) -> str:
    """The validation set of a recipe's last stage (snli_mnli: mnli/validation_matched): where its rate is chosen."""
    stage = recipe.split("_")[-1]
    return f"{stage}/{STAGE_VALIDATION[stage]}"


def chosen_learning_rates(long: pd.DataFrame) -> dict[str, float]:
    """recipe -> the initial learning rate with the highest mean accuracy over seeds on the validation set of the
    recipe's last stage (never a test set); a recipe whose validation set was not evaluated gets none."""
    chosen = {}
    for recipe, part in long.groupby("recipe", sort=False):
        validation = part[part["evalset"] == validation_set_of(recipe)]
        if not validation.empty:
            chosen[recipe] = float(validation.groupby("lr")["accuracy"].mean().idxmax())
    return chosen


def comparison_section(
    accuracy_csv: str | Path, baseline: dict, reference: dict[str, float], run_config: dict | None = None
) -> str:
    """Ours beside the published numbers: each recipe at the learning rate chosen on its validation set, as mean
    ± sd over seeds, every other rate listed beside it; rates are never averaged together."""
    long = pd.read_csv(accuracy_csv)
    lines = [
        f"- Hypothesis-only baseline (logistic regression on hypothesis words) on snli/validation: "
        f"**{100 * baseline['accuracy']:.1f}%** (majority class {100 * baseline['majority_class_accuracy']:.1f}%)."
    ]
    run_config = run_config or {}
    embedded = run_config.get("model") == "embedded"
    chosen = chosen_learning_rates(long)
    lines.append(
        "- Learning rate of each recipe, chosen on its last stage's validation set (highest mean accuracy over "
        "seeds; never on a test set): "
        + (
            ", ".join(f"{recipe} {lr_name(lr)} ({validation_set_of(recipe)})" for recipe, lr in chosen.items())
            or "none"
        )
        + "."
    )
    gaps = []
    for evalset, published in reference.items():
        ours = long[long["evalset"] == evalset]
        if ours.empty:
            continue
        cells, others = {}, []
        for recipe, part in ours.groupby("recipe", sort=False):
            by_rate = {lr: rate_part["accuracy"] for lr, rate_part in part.groupby("lr")}
            if recipe not in chosen:
                others += [f"{recipe} at {lr_name(lr)} {mean_sd(a)}%" for lr, a in by_rate.items()]
                continue
            cells[recipe] = by_rate[chosen[recipe]]
            others += [f"{recipe} at {lr_name(lr)} {mean_sd(a)}%" for lr, a in by_rate.items() if lr != chosen[recipe]]
        seeds = ours.groupby(["recipe", "lr"])["seed"].nunique()
        unit = (
            "one seed"
            if seeds.max() == 1
            else f"mean ± sd over {seeds.max()} seeds"
            if seeds.min() == seeds.max()
            else f"mean ± sd over {seeds.min()} to {seeds.max()} seeds"
        )
        lines.append(
            f"- {evalset}: published reference {100 * published:.1f}%; ours at the chosen rate ({unit}): "
            + (", ".join(f"{r} {mean_sd(a)}%" for r, a in cells.items()) or "none")
            + (f"; at the other rates: {', '.join(others)}" if others else "")
            + "."
        )
        if cells:
            gaps.append((evalset, published, max(float(a.mean()) for a in cells.values())))
    lines.append(f"- Why ours differ: {why_ours_differ(gaps, run_config) if not embedded else EMBEDDED_WHY}.")
    return "\n".join(lines)


EMBEDDED_WHY = (
    "this run is the embedded default: a tiny ELECTRA (2 layers) trained from random weights on generated "
    "SNLI-/MNLI-shaped pairs, so its numbers measure the workflow, not the published model"
)
CHANCE = 1 / 3


def why_ours_differ(gaps: list[tuple[str, float, float]], run_config: dict) -> str:
    """The gap to the published numbers said plainly: small gaps have ordinary causes, large ones do not."""
    training = run_config.get("training", {})
    setting = (
        f"`{run_config.get('model')}`, {training.get('epochs')} epoch(s) a stage, batch size "
        f"{training.get('batch_size')}, learning rates {', '.join(map(str, run_config.get('learning_rates', [])))}"
    )
    if not gaps:
        return f"no published number for the sets evaluated here ({setting})"
    worst = max(gaps, key=lambda g: g[1] - g[2])
    evalset, published, ours = worst
    gap = 100 * (published - ours)
    if ours <= CHANCE + 0.05:
        return (
            f"on {evalset} our best recipe at its chosen rate scores {100 * ours:.1f}%, at chance for three labels, "
            f"against a published {100 * published:.1f}%: the model learned nothing. Likely causes: a learning rate "
            "too high for this model (it collapses to one class), a model without its pretrained weights, or labels "
            f"mapped in another order than 0 entailment, 1 neutral, 2 contradiction ({setting})"
        )
    if abs(gap) <= 2:
        return (
            f"within {abs(gap):.1f} points of the published numbers, the size of the difference that another "
            f"schedule, batch size, checkpoint selection or seed makes ({setting})"
        )
    direction = "below" if gap > 0 else "above"
    return (
        f"on {evalset} our best recipe at its chosen rate is {abs(gap):.1f} points {direction} the published "
        f"{100 * published:.1f}%, "
        "more than another schedule or seed explains. Check the model (the intended checkpoint, pretrained weights "
        "loaded), the data (the full training split, no `max_train_examples`), the learning rate and the number of "
        f"epochs ({setting})"
    )


LEAKAGE_WORDS = {
    "exclude": "each training or tuning job dropped those pairs before training and counts them in its run.json",
    "fail": "none may overlap (leakage: fail), so every count here is 0",
    "report": (
        "they were kept (leakage: report): every cell computed on a model trained on pairs of the set it is scored "
        "on ends in †"
    ),
}


def leakage_section(overlap_md: str | Path | None, leakage: str) -> list[str]:
    """Pairs that training or tuning sources share with the scored sets, and what the run did about them."""
    if overlap_md is None:
        return []
    return [
        "## Leakage: training pairs in scored sets",
        "",
        "Pairs (normalised premise and hypothesis) each training or tuning source shares with each set models are "
        f"scored on; {LEAKAGE_WORDS[leakage]}. The adversarial study's retraining pairs are masked copies of SNLI "
        "validation pairs: its `overall` table says how it scored SNLI validation.",
        "",
        Path(overlap_md).read_text().strip(),
        "",
    ]


# How the per-epoch mistakes were recorded (`training.mistake_record`), as the report says it.
MISTAKE_RECORD_WORDS = {
    "eval_pass": "in an eval-mode pass over the training set after the epoch",
    "train_forward": (
        "in the epoch's own training forward passes (train mode, dropout on, weights still moving: not the "
        "reference's eval-mode pass)"
    ),
}


def tables_section(
    title: str, intro: str, tables: list[str | Path], figures: list[str | Path], captions: Path, out: Path, prefix=""
) -> list[str]:
    """A report section: each table under its caption, then each figure (captions/{prefix}{file stem}.rst)."""
    parts = [f"## {title}", "", intro, ""]
    for path in tables:
        path = Path(path)
        caption = (captions / f"{prefix}{path.stem}.rst").read_text().strip()
        parts += [f"### {caption}", "", path.read_text().strip(), ""]
    return parts + figure_lines(figures, captions, out)


def figure_lines(figures: list[str | Path], captions: Path, out: Path) -> list[str]:
    parts = []
    for path in figures:
        path = Path(path)
        caption = (captions / f"{path.stem}.rst").read_text().strip()
        parts += [f"![{caption}]({os.path.relpath(path, out.parent)})", "", f"*{caption}*", ""]
    return parts


def challenge_sections(tables: list[str | Path], captions: Path) -> list[str]:
    """Tables 1, 2 and 5-7 of each challenge set (results/tables/mistakes/<data set>/), one subsection a set."""
    parts = []
    by_set: dict[str, list[Path]] = {}
    for path in map(Path, tables):
        by_set.setdefault(path.parent.name, []).append(path)
    for name, paths in by_set.items():
        parts += [f"### Challenge set: {name}", ""]
        for path in paths:
            caption = (captions / f"{path.stem}.rst").read_text().strip()
            parts += [f"#### {caption}", "", path.read_text().strip(), ""]
    return parts


DYNAMICS_INTRO = (
    "For every training example of each run's last stage: the mean probability of its gold label over the epochs "
    "(confidence), its spread (variability), the share of epochs it was right (correctness) and how often a right "
    "answer turned wrong at the next epoch (forgetting events). Examples are `easy` (confident, stable), `ambiguous` "
    "(variable) or `hard_to_learn` (unconfident, stable) on the data map; `hard_to_learn`, `ambiguous_map` and "
    "`forgettable` can be chosen as final-tuning selections beside `all_epochs`."
)
MISTAKES_INTRO = (
    "Which training examples each model kept getting wrong, its mistakes on each challenge set (Breaking NLI, and "
    "those in `evaluation.challenge_sets`), and what one more short fine-tuning on a chosen set of examples "
    "changed. Negative deltas are fewer mistakes. The figures are Breaking NLI's."
)
ADVERSARIAL_INTRO = (
    "The `snli` model of each seed is the baseline. A balanced sample of SNLI validation pairs is attacked by masking "
    "the hypothesis token with the largest input-embedding gradient (`random`: a random hypothesis token, the "
    "control); the baseline is retrained on SNLI train plus the attacked pairs' training part. The attack sets' "
    "held-out part and SNLI test were never trained on; SNLI validation is where the attacked pairs came from."
)


def analysis_section(analysis: dict, captions: Path, out: Path) -> list[str]:
    """Run facts, learning curves, error types and fixes, the LLM comparison and the hidden-state maps."""
    tables = {Path(p).stem: Path(p) for p in analysis["tables"]}

    def table(name: str) -> list[str]:
        caption = (captions / f"analysis_{name}.rst").read_text().strip()
        return [f"### {caption}", "", tables[name].read_text().strip(), ""]

    def figure(path: str | Path, caption: str) -> list[str]:
        return [f"![{caption}]({os.path.relpath(path, out.parent)})", ""]

    parts = ["## Run facts", ""]
    for name in ("hardware", "hyperparameters", "runs", "inference"):
        parts += table(name)
    curve_caption = (captions / "learning_curves.rst").read_text().strip()
    parts += ["### " + curve_caption, ""]
    for path in analysis["curves"]:
        parts += figure(path, f"{Path(path).stem}: {curve_caption}")
    parts += [
        "## Error analysis and the LLM comparison",
        "",
        "Each analysed model's errors on each set are in a spreadsheet with the text, the softmax confidence of the "
        "prediction and of the gold label, the LLM's answer, and `error_type`, `cause`, `fix` filled by transparent "
        "rules (`annotated_by = rule`). Edit those columns and run the workflow again: your values are kept "
        "(`annotated_by = person`) and the tables below are recounted. Spreadsheets: "
        + ", ".join(f"`{p}`" for p in analysis["sheets"][:6])
        + (f" and {len(analysis['sheets']) - 6} more" if len(analysis["sheets"]) > 6 else "")
        + ".",
        "",
    ]
    for name in ("error_types", "fixes", "llm_comparison"):
        parts += table(name)
    for path in analysis["llm_facts"]:
        facts = json.loads(Path(path).read_text())
        note = (
            " (the embedded default's tiny LM has random weights: chance is its best)"
            if "embedded_llm" in facts["model"]
            else ""
        )
        parts += [
            f"- LLM `{facts['model']}` ({facts['backend']}, {facts['device']}) on {facts['examples']} pairs of "
            f"`{Path(path).parent.name}/{Path(path).stem}`: accuracy {100 * facts['accuracy']:.1f}%, "
            f"{facts['examples_per_second']:.1f} pairs/s{note}."
        ]
    parts += ["", "### " + (captions / "projection.rst").read_text().strip(), ""]
    for path in analysis["projections"]:
        parts += figure(path, Path(path).as_posix().split("figures/projections/")[-1].removesuffix(".png"))
    return parts


def write_report(
    out: str | Path,
    accuracy_md: str | Path,
    epochs_md: str | Path,
    accuracy_csv: str | Path,
    baseline_json: str | Path,
    counts_files: list[str | Path],
    run_config: dict,
    mistakes: list[str | Path] = (),
    figures: list[str | Path] = (),
    captions: str | Path = ".",
    challenges: list[str | Path] = (),
    adversarial: list[str | Path] = (),
    adversarial_figures: list[str | Path] = (),
    analysis: dict | None = None,
    overlap_md: str | Path | None = None,
    dynamics: tuple[str | Path, str | Path] | None = None,
) -> None:
    from nlirobust.data.io import atomic_path

    baseline = json.loads(Path(baseline_json).read_text())
    training = run_config["training"]
    parts = [
        "# nlirobust report",
        "",
        f"Model `{run_config['model']}`; recipes {', '.join(run_config['recipes'])}; seeds "
        f"{', '.join(map(str, run_config['seeds']))}; learning rates {', '.join(run_config['learning_rates'])}; "
        f"{training['epochs']} epoch(s) a stage, batch size {training['batch_size']}.",
        "",
        "## Data",
        "",
        "Pairs per split after loading; pairs without a gold label (SNLI's -1) are dropped and counted, and so are "
        "rows whose pair appears again in the split with another label (kept unless data.conflicting_duplicates "
        "says drop).",
        "",
        data_section(counts_files),
        "",
        *leakage_section(overlap_md, run_config.get("leakage", "exclude")),
        "## Initial fine-tuning: accuracy",
        "",
        "Accuracy in percent of each recipe's final model (mean ± sd over seeds where there are several); a "
        "recipe such as `snli_mnli` is SNLI then MNLI, with the learning rate reset for the second stage.",
        "",
        Path(accuracy_md).read_text().strip(),
        "",
        comparison_section(accuracy_csv, baseline, run_config.get("reference_accuracy", {}), run_config),
        "",
        "## Initial fine-tuning: per epoch",
        "",
        "For the last stage of each recipe: mean training loss, validation loss and accuracy after the epoch, how "
        "many training examples the model got wrong "
        + MISTAKE_RECORD_WORDS.get(training.get("mistake_record", "eval_pass"), "")
        + " (the mistaken examples), and the seconds spent training and on that pass.",
        "",
        Path(epochs_md).read_text().strip(),
        "",
    ]
    if mistakes:
        parts += tables_section("Mistaken examples", MISTAKES_INTRO, mistakes, [], Path(captions), Path(out))
        parts += challenge_sections(challenges, Path(captions))
        parts += figure_lines(figures, Path(captions), Path(out))
    if dynamics:
        record = training.get("mistake_record", "eval_pass")
        intro = (
            DYNAMICS_INTRO
            + " Probabilities here come "
            + MISTAKE_RECORD_WORDS[record]
            + ("." if record == "train_forward" else "; the papers record them during training (`train_forward`).")
        )
        parts += tables_section(
            "Training dynamics", intro, [dynamics[0]], [dynamics[1]], Path(captions), Path(out), prefix="dynamics_"
        )
    if adversarial:
        parts += tables_section(
            "Gradient-based adversarial training",
            ADVERSARIAL_INTRO,
            adversarial,
            adversarial_figures,
            Path(captions),
            Path(out),
            prefix="adversarial_",
        )
    if analysis and analysis["tables"]:
        parts += analysis_section(analysis, Path(captions), Path(out))
    with atomic_path(out) as tmp:
        tmp.write_text("\n".join(parts))
