"""What every training run cost and ran on, from its run.json and logs: the report's run-facts section."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from nlirobust.run_paths import evalset_of, one_encoder, parse_run
from nlirobust.tables import mean_sd, to_markdown, write_table

HYPERPARAMETERS: tuple[str, ...] = (
    "epochs", "batch_size", "learning_rate", "weight_decay", "warmup_ratio", "max_grad_norm", "max_length",
    "max_train_examples",
)  # fmt: skip


def runs_long(run_files: list[str | Path]) -> pd.DataFrame:
    """One row per training run: what it was, its hyperparameters, its cost and the machine it ran on."""
    rows = []
    for path in run_files:
        facts = json.loads(Path(path).read_text())
        arguments, hardware = facts["arguments"], facts["hardware"]
        epochs = int(arguments["epochs"])
        rows.append(
            {"kind": parse_run(path).kind, "run": parse_run(path).model}
            | parse_run(path).key()
            | {k: arguments.get(k) for k in HYPERPARAMETERS}
            | {
                "learning_rate_used": facts.get("learning_rate_used", arguments["learning_rate"]),
                "train_examples": facts["train_examples"],
                "global_steps": facts["global_steps"],
                # the epochs' training seconds, summed over every job of a resumed run (older runs: this job's)
                "train_seconds": facts.get("train_seconds", facts["wall_seconds"]),
                "train_examples_per_second": facts["train_examples"]
                * epochs
                / facts.get("train_seconds", facts["wall_seconds"]),
                "resumes": facts.get("resumes", 0),
                "last_job_wall_seconds": facts["wall_seconds"],
                "device": hardware.get("gpu") or f"CPU ({hardware.get('torch_threads')} threads)",
                "visible_gpus": facts.get("visible_gpus", 0),
                "precision": facts.get("precision", "fp32"),
            }
            | {f"hw_{k}": v for k, v in hardware.items()}
        )
    return pd.DataFrame(rows)


def hardware_table(runs: pd.DataFrame) -> pd.DataFrame:
    """The distinct machines and software the runs used, with how many runs each."""
    columns = ["hw_cpu_model", "hw_cpu_count", "hw_gpu", "hw_gpu_memory_gib", "hw_torch", "hw_cuda", "hw_transformers"]
    table = runs.fillna({c: "-" for c in columns}).groupby(columns, dropna=False).size().reset_index(name="runs")
    return table.rename(columns={c: c.removeprefix("hw_").replace("_", " ") for c in columns})


def inference_long(metric_files: list[str | Path]) -> pd.DataFrame:
    """Per model and evaluation set: examples, seconds and examples per second of the prediction pass."""
    rows = []
    for path in metric_files:
        metrics = json.loads(Path(path).read_text())
        run = parse_run(path)
        rows.append(
            {"kind": run.kind, "model": run.model, "evalset": evalset_of(path)}
            | {k: metrics.get(k) for k in ("examples", "accuracy", "seconds", "examples_per_second")}
        )
    return pd.DataFrame(rows)


def learning_curve_frames(
    train_logs: list[str | Path], epoch_logs: list[str | Path]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(steps, epochs) of training runs, with recipe, seed, lr and attack (None but for an adversarial
    retraining) columns."""

    def read(path: str | Path) -> pd.DataFrame:
        run = parse_run(path)
        return pd.read_csv(path).assign(**run.key(), attack=run.attack)

    steps = pd.concat([read(p) for p in train_logs], ignore_index=True)
    epochs = pd.concat([read(p) for p in epoch_logs], ignore_index=True)
    return steps, epochs


def job_costs(benchmark_root: str | Path) -> pd.DataFrame:
    """Per rule, from the Snakemake benchmark files under `benchmark_root` (logs/benchmarks/<rule>/...tsv): how
    many jobs, and the median and max of their wall minutes and peak memory (max RSS, MB): what to give
    `attempts(...)` in the rule's `resources:` for the next grid."""
    rows = []
    for path in sorted(Path(benchmark_root).rglob("*.tsv")):
        rule = path.relative_to(benchmark_root).parts[0]
        frame = pd.read_csv(path, sep="\t")
        rss = pd.to_numeric(frame.get("max_rss"), errors="coerce")  # '-' where the job was too short to measure
        rows.append({"rule": rule, "minutes": float(frame["s"].iloc[-1]) / 60, "max_rss_mb": float(rss.iloc[-1])})
    if not rows:
        return pd.DataFrame(columns=["rule", "jobs"])
    costs = pd.DataFrame(rows).groupby("rule")
    return pd.DataFrame(
        {
            "jobs": costs.size(),
            "minutes (median)": costs["minutes"].median().round(2),
            "minutes (max)": costs["minutes"].max().round(2),
            "peak MB (median)": costs["max_rss_mb"].median().round(0),
            "peak MB (max)": costs["max_rss_mb"].max().round(0),
        }
    ).reset_index()


def write_run_facts(
    run_files: list[str | Path],
    metric_files: list[str | Path],
    out_dir: str | Path,
    train_logs: list[str | Path],
    epoch_logs: list[str | Path],
    recipes: list[str],
    attacks: list[str],
    curves: list[str | Path],
) -> None:
    """The run-facts tables: runs (every training job), hardware, hyperparameters (initial runs) and inference
    timing; and the learning curves (write_learning_curves)."""
    one_encoder([*run_files, *metric_files, *train_logs])  # a table over seeds never mixes encoders
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
    write_learning_curves(train_logs, epoch_logs, recipes, attacks, curves)


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
