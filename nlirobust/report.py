"""results/report.md: the tables on disk, stitched together with one-sentence captions a newcomer can follow."""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path

import pandas as pd

from nlirobust.labels import LABEL_NAMES
from nlirobust.names import TWO_WAY_DATASETS, TWO_WAY_LABEL_NAMES
from nlirobust.reference_comparison import comparison_section


def data_section(counts_files: list[str | Path], two_way_sets: tuple[str, ...] = TWO_WAY_DATASETS) -> str:
    """Pairs per split and gold label; a two-way set (HANS, a declared two-way set) counts under its own label
    names (non-entailment), never under a three-way name it does not have."""
    rows = []
    for path in counts_files:
        dataset = Path(path).parent.name
        names = TWO_WAY_LABEL_NAMES if dataset in two_way_sets else LABEL_NAMES
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


def caption_of(entry: dict, captions: Path) -> str:
    """The one-sentence caption of a manifest entry (rules/captions/<caption>.rst)."""
    return (captions / f"{entry['caption']}.rst").read_text().strip()


def table_lines(entries: list[dict], captions: Path, level: str = "###") -> list[str]:
    """Each table under its caption."""
    parts = []
    for entry in entries:
        parts += [f"{level} {caption_of(entry, captions)}", "", Path(entry["path"]).read_text().strip(), ""]
    return parts


def figure_lines(entries: list[dict], captions: Path, out: Path) -> list[str]:
    """Each figure, its caption as alt text and below it."""
    parts = []
    for entry in entries:
        caption = caption_of(entry, captions)
        parts += [f"![{caption}]({os.path.relpath(entry['path'], out.parent)})", "", f"*{caption}*", ""]
    return parts


def tables_section(
    title: str, intro: str, tables: list[dict], figures: list[dict], captions: Path, out: Path
) -> list[str]:
    """A report section: its intro, each table under its caption, then each figure."""
    return [f"## {title}", "", intro, ""] + table_lines(tables, captions) + figure_lines(figures, captions, out)


def challenge_sections(tables: list[dict], captions: Path) -> list[str]:
    """Tables 1, 2 and 5-9 of each challenge set (results/tables/mistakes/<data set>/), one subsection a set."""
    parts = []
    by_set: dict[str, list[dict]] = {}
    for entry in tables:
        by_set.setdefault(Path(entry["path"]).parent.name, []).append(entry)
    for name, entries in by_set.items():
        parts += [f"### Challenge set: {name}", ""] + table_lines(entries, captions, level="####")
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


def analysis_section(sections: dict[str, list[dict]], captions: Path, out: Path) -> list[str]:
    """Run facts, learning curves, error types and fixes, the LLM comparison and the hidden-state maps."""

    def figure(path: str | Path, caption: str) -> list[str]:
        return [f"![{caption}]({os.path.relpath(path, out.parent)})", ""]

    parts = ["## Run facts", ""] + table_lines(sections["run_facts"], captions)
    curve_caption = (captions / "learning_curves.rst").read_text().strip()
    parts += ["### " + curve_caption, ""]
    for entry in sections["curves"]:
        parts += figure(entry["path"], f"{Path(entry['path']).stem}: {curve_caption}")
    sheets = [entry["path"] for entry in sections["sheets"]]
    parts += [
        "## Error analysis and the LLM comparison",
        "",
        "Each analysed model's errors on each set are in a spreadsheet with the text, the softmax confidence of the "
        "prediction and of the gold label, the LLM's answer, and `error_type`, `cause`, `fix` filled by transparent "
        "rules (`annotated_by = rule`). Edit those columns and run the workflow again: your values are kept "
        "(`annotated_by = person`) and the tables below are recounted. Spreadsheets: "
        + ", ".join(f"`{p}`" for p in sheets[:6])
        + (f" and {len(sheets) - 6} more" if len(sheets) > 6 else "")
        + ".",
        "",
    ]
    parts += table_lines(sections["analysis"], captions)
    for entry in sections["llm_facts"]:
        path = entry["path"]
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
    for entry in sections["projections"]:
        path = entry["path"]
        parts += figure(path, Path(path).as_posix().split("figures/projections/")[-1].removesuffix(".png"))
    return parts


def by_section(manifest: list[dict]) -> dict[str, list[dict]]:
    """The manifest's entries grouped by section, in their order (a section with no entry: an empty list)."""
    sections: dict[str, list[dict]] = defaultdict(list)
    for entry in manifest:
        sections[entry["section"]].append(entry)
    return sections


def encoders_section(shared: dict[str, list[dict]], encoders: list[dict], captions: Path, out: Path) -> list[str]:
    """Every encoder side by side, first: the comparison table and its figure (one encoder: one line says so)."""
    if not shared["encoders"]:
        return []
    names = ", ".join(f"`{e['name']}` (`{e['name_or_path']}`)" for e in encoders)
    intro = (
        f"One encoder in this run, {names}: nothing to compare it with but the published numbers."
        if len(encoders) == 1
        else f"{len(encoders)} encoders: {names}. Each is read at its own rate, chosen per recipe on the recipe's "
        "last stage's validation set; every cell is one encoder, one recipe and one rate (mean ± sd over seeds)."
    )
    parts = ["## Encoders compared", "", intro, ""] + table_lines(shared["encoders"], captions)
    if len(encoders) > 1:
        parts += figure_lines(shared["encoders_figure"], captions, out)
    return parts


def demoted(lines: list[str]) -> list[str]:
    """Markdown headings one level down (an encoder's sections under its own heading)."""
    return ["#" + line if line.startswith("#") else line for line in lines]


def write_report(out: str | Path, manifest: list[dict], run_config: dict, captions: str | Path) -> None:
    """results/report.md from the files the manifest lists ({section, path, caption, encoder}; rules/report.smk):
    the data, the leakage and the encoders compared, then each encoder's studies (under its own heading when there
    are several)."""
    from nlirobust.data.io import atomic_path

    out, captions = Path(out), Path(captions)
    shared = by_section([entry for entry in manifest if not entry.get("encoder")])
    encoders = run_config["encoders"]
    overlap = shared["leakage"][0]["path"] if shared["leakage"] else None
    parts = ["# nlirobust report", ""]
    for encoder in encoders:
        training = encoder["training"]
        parts += [
            f"Encoder `{encoder['name']}` (`{encoder['name_or_path']}`, max length {encoder['max_length']}); recipes "
            f"{', '.join(run_config['recipes'])}; seeds {', '.join(map(str, run_config['seeds']))}; learning rates "
            f"{', '.join(encoder['learning_rates'])}; {training['epochs']} epoch(s) a stage, batch size "
            f"{training['batch_size']}.",
            "",
        ]
    parts += [
        "## Data",
        "",
        "Pairs per split after loading; pairs without a gold label (SNLI's -1) are dropped and counted, and so are "
        "rows whose pair appears again in the split with another label (kept unless data.conflicting_duplicates "
        "says drop).",
        "",
        data_section(
            [entry["path"] for entry in shared["data"]], tuple(run_config.get("two_way_sets", TWO_WAY_DATASETS))
        ),
        "",
        *leakage_section(overlap, run_config.get("leakage", "exclude")),
    ]
    parts += encoders_section(shared, encoders, captions, out)
    for encoder in encoders:
        sections = by_section([entry for entry in manifest if entry.get("encoder") == encoder["name"]])
        body = encoder_parts(sections, encoder, run_config, captions, out)
        if len(encoders) > 1:
            body = [f"## Encoder `{encoder['name']}` (`{encoder['name_or_path']}`)", "", *demoted(body)]
        parts += body
    with atomic_path(out) as tmp:
        tmp.write_text("\n".join(parts))


def encoder_parts(
    sections: dict[str, list[dict]], encoder: dict, run_config: dict, captions: Path, out: Path
) -> list[str]:
    """One encoder's studies: initial fine-tuning, mistaken examples, dynamics, adversarial, error analysis."""
    accuracy_csv, baseline_json = (entry["path"] for entry in sections["reference"])
    baseline = json.loads(Path(baseline_json).read_text())
    training = encoder["training"]
    setting = {"model": encoder["name_or_path"], "training": training, "learning_rates": encoder["learning_rates"]}
    parts = [
        "## Initial fine-tuning: accuracy",
        "",
        "Accuracy in percent of each recipe's final model (mean ± sd over seeds where there are several); a "
        "recipe such as `snli_mnli` is SNLI then MNLI, with the learning rate reset for the second stage.",
        "",
        Path(sections["accuracy"][0]["path"]).read_text().strip(),
        "",
        comparison_section(accuracy_csv, baseline, run_config.get("reference_accuracy", {}), setting),
        "",
        "## Initial fine-tuning: per epoch",
        "",
        "For the last stage of each recipe: mean training loss, validation loss and accuracy after the epoch, how "
        "many training examples the model got wrong "
        + MISTAKE_RECORD_WORDS.get(training.get("mistake_record", "eval_pass"), "")
        + " (the mistaken examples), and the seconds spent training and on that pass.",
        "",
        Path(sections["epochs"][0]["path"]).read_text().strip(),
        "",
    ]
    if sections["mistakes"]:
        parts += tables_section("Mistaken examples", MISTAKES_INTRO, sections["mistakes"], [], captions, out)
        parts += challenge_sections(sections["challenge"], captions)
        parts += figure_lines(sections["mistake_figures"], captions, out)
    if sections["dynamics"]:
        record = training.get("mistake_record", "eval_pass")
        intro = (
            DYNAMICS_INTRO
            + " Probabilities here come "
            + MISTAKE_RECORD_WORDS[record]
            + ("." if record == "train_forward" else "; the papers record them during training (`train_forward`).")
        )
        parts += tables_section(
            "Training dynamics", intro, sections["dynamics"], sections["dynamics_figures"], captions, out
        )
    if sections["adversarial"]:
        parts += tables_section(
            "Gradient-based adversarial training",
            ADVERSARIAL_INTRO,
            sections["adversarial"],
            sections["adversarial_figures"],
            captions,
            out,
        )
    if sections["run_facts"]:
        parts += analysis_section(sections, captions, out)
    return parts
