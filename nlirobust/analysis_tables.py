"""The error-analysis tables (error types, fixes, the LLM comparison), from the spreadsheets and the LLM's answers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from nlirobust.error_analysis import frequency_table, llm_comparison
from nlirobust.run_paths import evalset_of, llm_evalset_of, one_encoder, parse_run
from nlirobust.tables import mean_sd, to_markdown, write_table


def write_analysis_tables(
    sheet_files: list[str | Path],
    prediction_files: list[str | Path],
    llm_files: list[str | Path],
    out_dir: str | Path,
) -> None:
    """error_types and fixes ranked by frequency, and the model-vs-LLM comparison, as CSV and Markdown."""
    one_encoder([*sheet_files, *prediction_files])  # a table over seeds never mixes encoders
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
