"""The training-dynamics study's table and figure: data-map region counts and forgetting events of every run, and
one data map per recipe."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from nlirobust.dynamics import region_counts
from nlirobust.run_paths import one_encoder, parse_run
from nlirobust.tables import mean_sd, to_markdown, write_table


def write_dynamics_tables(
    dynamics_files: list[str | Path], recipes: list[str], mistake_record: str, out_dir: str | Path, figure: str | Path
) -> None:
    """regions.csv (one row per run) and regions.md (mean ± sd over seeds per recipe and learning rate), and the
    data maps figure."""
    one_encoder(list(dynamics_files))  # a table over seeds never mixes encoders
    from nlirobust.plots import data_maps

    frames = {path: pd.read_parquet(path) for path in dynamics_files}
    counts = pd.DataFrame([parse_run(path).key() | region_counts(frame) for path, frame in frames.items()])
    counts.insert(3, "mistake_record", mistake_record)
    shown = counts.groupby(["recipe", "lr"], sort=False).agg(
        **{
            column: (column, lambda v: mean_sd(v, digits=0, scale=1.0))
            for column in counts.columns
            if column not in ("recipe", "seed", "lr", "mistake_record")
        }
    )
    shown = shown.reindex([r for r in recipes if r in shown.index.get_level_values(0)], level=0).reset_index()
    write_table(counts, to_markdown(shown), Path(out_dir), "regions")
    runs = pd.concat([frame.assign(**parse_run(path).key()) for path, frame in frames.items()])
    data_maps(runs, recipes, figure)
