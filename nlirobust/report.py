"""results/report.md: the tables on disk, stitched together with one-sentence captions a newcomer can follow."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from nlirobust.labels import LABEL_NAMES


def data_section(counts_files: list[str | Path]) -> str:
    rows = []
    for path in counts_files:
        dataset = Path(path).parent.name
        for split, c in json.loads(Path(path).read_text()).items():
            labels = {int(k): v for k, v in c["labels"].items()}
            rows.append(
                {
                    "data set": dataset,
                    "split": split,
                    "pairs": c["pairs"],
                    "dropped (no gold label)": c["dropped_no_gold_label"],
                    **{name: labels.get(i, 0) for i, name in enumerate(LABEL_NAMES)},
                }
            )
    return pd.DataFrame(rows).to_markdown(index=False)


def comparison_section(accuracy_csv: str | Path, baseline: dict, reference: dict[str, float]) -> str:
    long = pd.read_csv(accuracy_csv)
    lines = [
        f"- Hypothesis-only baseline (logistic regression on hypothesis words) on snli/validation: "
        f"**{100 * baseline['accuracy']:.1f}%** (majority class {100 * baseline['majority_class_accuracy']:.1f}%)."
    ]
    for evalset, published in reference.items():
        ours = long[long["evalset"] == evalset]
        if ours.empty:
            continue
        best = ours.groupby("recipe")["accuracy"].mean()
        lines.append(
            f"- {evalset}: published reference {100 * published:.1f}%; ours "
            + ", ".join(f"{r} {100 * a:.1f}%" for r, a in best.items())
            + "."
        )
    lines.append(
        "- Differences from published numbers come from the model, epochs, batch size and data: "
        "the embedded default trains a tiny randomly initialised ELECTRA on generated pairs."
    )
    return "\n".join(lines)


def tables_section(
    title: str, intro: str, tables: list[str | Path], figures: list[str | Path], captions: Path, out: Path, prefix=""
) -> list[str]:
    """A report section: each table under its caption, then each figure (captions/{prefix}{file stem}.rst)."""
    parts = [f"## {title}", "", intro, ""]
    for path in tables:
        path = Path(path)
        caption = (captions / f"{prefix}{path.stem}.rst").read_text().strip()
        parts += [f"### {caption}", "", path.read_text().strip(), ""]
    for path in figures:
        path = Path(path)
        caption = (captions / f"{path.stem}.rst").read_text().strip()
        parts += [f"![{caption}]({os.path.relpath(path, out.parent)})", "", f"*{caption}*", ""]
    return parts


MISTAKES_INTRO = (
    "Which training examples each model kept getting wrong, its mistakes on the Breaking NLI challenge set, and "
    "what one more short fine-tuning on a chosen set of examples changed. Negative deltas are fewer mistakes."
)
ADVERSARIAL_INTRO = (
    "The `snli` model of each seed is the baseline. A balanced sample of SNLI validation pairs is attacked by masking "
    "the hypothesis token with the largest input-embedding gradient (`random`: a random hypothesis token, the "
    "control); the baseline is retrained on SNLI train plus the attacked pairs' training part. The attack sets' "
    "held-out part and SNLI test were never trained on; SNLI validation is where the attacked pairs came from."
)


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
    adversarial: list[str | Path] = (),
    adversarial_figures: list[str | Path] = (),
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
        "Pairs per split after loading; pairs without a gold label (SNLI's -1) are dropped and counted.",
        "",
        data_section(counts_files),
        "",
        "## Initial fine-tuning: accuracy",
        "",
        "Accuracy in percent of each recipe's final model (mean ± sd over seeds where there are several); a "
        "recipe such as `snli_mnli` is SNLI then MNLI, with the learning rate reset for the second stage.",
        "",
        Path(accuracy_md).read_text().strip(),
        "",
        comparison_section(accuracy_csv, baseline, run_config.get("reference_accuracy", {})),
        "",
        "## Initial fine-tuning: per epoch",
        "",
        "For the last stage of each recipe: mean training loss, validation loss and accuracy after the epoch, how "
        "many training examples the model got wrong in an eval-mode pass after the epoch (the mistaken examples), "
        "and the seconds spent training and on that pass.",
        "",
        Path(epochs_md).read_text().strip(),
        "",
    ]
    if mistakes:
        parts += tables_section("Mistaken examples", MISTAKES_INTRO, mistakes, figures, Path(captions), Path(out))
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
    with atomic_path(out) as tmp:
        tmp.write_text("\n".join(parts))
