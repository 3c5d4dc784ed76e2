"""Writing the error-analysis tables (from the spreadsheets and the LLM's predictions) and the run-facts tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from nlirobust.error_analysis import frequency_table, llm_comparison
from nlirobust.run_facts import HYPERPARAMETERS, hardware_table, inference_long, runs_long
from nlirobust.run_paths import evalset_of, llm_evalset_of, parse_run
from nlirobust.tables import mean_sd, to_markdown, write_table


def write_analysis_tables(
    sheet_files: list[str | Path],
    prediction_files: list[str | Path],
    llm_files: list[str | Path],
    out_dir: str | Path,
) -> None:
    """error_types and fixes ranked by frequency, and the model-vs-LLM comparison, as CSV and Markdown."""
    sheets = []
    for path in sheet_files:
        run = parse_run(path)
        sheet = pd.read_csv(path, dtype=str, keep_default_na=False)
        sheets.append(sheet.assign(model=run.model, kind=run.kind, evalset=evalset_of(path)))
    sheets = pd.concat(sheets, ignore_index=True)
    out = Path(out_dir)
    for name, column in (("error_types", "error_type"), ("fixes", "fix")):
        table = frequency_table(sheets, column)
        write_table(table, to_markdown(table), out, name)

    if not llm_files:  # analysis.llm left out of the config: the comparison table says so instead of failing
        note = pd.DataFrame({"llm_comparison": ["not run: no LLM configured (analysis.llm is not in the config)"]})
        write_table(
            note,
            "No LLM comparison: `analysis.llm` is not in the config, so no LLM was asked.\n",
            out,
            "llm_comparison",
        )
        return
    llm = {llm_evalset_of(p): pd.read_parquet(p) for p in llm_files}
    predictions_of = {(parse_run(p).model, evalset_of(p)): p for p in prediction_files}
    rows = []
    for (model, evalset), _ in sheets.groupby(["model", "evalset"], sort=True):
        if evalset not in llm:
            continue
        predictions = pd.read_parquet(predictions_of[(model, evalset)])
        rows.append(
            {"kind": parse_run(predictions_of[(model, evalset)]).kind, "model": model, "evalset": evalset}
            | llm_comparison(predictions, llm[evalset])
        )
    comparison = pd.DataFrame(rows)
    shown = (
        comparison.groupby(["evalset", "kind"], sort=True)
        .agg(
            models=("model", "size"),
            examples=("examples", "first"),
            **{
                "model accuracy (%)": ("model_accuracy", lambda v: mean_sd(v)),
                "LLM accuracy (%)": ("llm_accuracy", lambda v: mean_sd(v)),
                "agreement (%)": ("agreement", lambda v: mean_sd(v)),
            },
            both_right=("both_right", "sum"),
            model_right_llm_wrong=("model_right_llm_wrong", "sum"),
            model_wrong_llm_right=("model_wrong_llm_right", "sum"),
            both_wrong=("both_wrong", "sum"),
        )
        .reset_index()
    )
    write_table(comparison, to_markdown(shown), out, "llm_comparison")


def write_run_facts(run_files: list[str | Path], metric_files: list[str | Path], out_dir: str | Path) -> None:
    """runs (every training job), hardware, hyperparameters (initial runs) and inference timing."""
    out = Path(out_dir)
    runs = runs_long(run_files)
    columns = ["kind", "run", "epochs", "batch_size", "learning_rate_used", "train_examples", "train_seconds"]
    shown = runs[columns + ["train_examples_per_second", "resumes", "device", "visible_gpus", "precision"]].round(
        {"train_seconds": 1, "train_examples_per_second": 1}
    )
    write_table(runs, to_markdown(shown), out, "runs")
    hardware = hardware_table(runs)
    write_table(hardware, to_markdown(hardware), out, "hardware")
    initial = runs[runs["kind"] == "initial"]
    hyper = initial.groupby(["recipe", "lr"], sort=False)[list(HYPERPARAMETERS)].first().reset_index()
    hyper.insert(
        2,
        "seeds",
        initial.groupby(["recipe", "lr"], sort=False)["seed"]
        .apply(lambda s: ", ".join(map(str, sorted(s))))
        .to_numpy(),
    )
    write_table(hyper, to_markdown(hyper), out, "hyperparameters")
    inference = inference_long(metric_files)
    summary = inference.groupby(["kind", "evalset"], sort=True).agg(
        models=("model", "size"), examples=("examples", "first"),
        seconds=("seconds", lambda v: mean_sd(v, digits=2, scale=1.0)),
        **{"examples/s": ("examples_per_second", lambda v: mean_sd(v, digits=0, scale=1.0))},
    ).reset_index()  # fmt: skip
    write_table(inference, to_markdown(summary), out, "inference")


def write_learning_curves(
    train_logs: list[str | Path],
    epoch_logs: list[str | Path],
    recipes: list[str],
    attacks: list[str],
    curves: list[str | Path],
) -> None:
    """One figure per recipe (its initial runs), then one per retraining attack (its retrained runs), to the paths
    in `curves`, in that order."""
    from nlirobust.plots import learning_curves
    from nlirobust.run_facts import learning_curve_frames

    if len(curves) != len(recipes) + len(attacks):
        raise ValueError(f"{len(curves)} figure paths for {len(recipes)} recipes and {len(attacks)} attacks")
    steps, epochs = learning_curve_frames(train_logs, epoch_logs)
    for recipe, out in zip(recipes, curves[: len(recipes)], strict=True):
        learning_curves(steps[steps["attack"].isna()], epochs[epochs["attack"].isna()], recipe, out)
    for attack, out in zip(attacks, curves[len(recipes) :], strict=True):
        learning_curves(
            steps[steps["attack"] == attack],
            epochs[epochs["attack"] == attack],
            "snli",
            out,
            title=f"snli retrained on {attack}-attacked pairs (validated without their originals)",
        )
