"""The kill-and-resume drill: kill a training job with SIGKILL at chosen points, restart it, compare the results.

A point is `NAME:N` (a failpoint, see `nlirobust.failpoints`: the job kills itself at the N-th hit, so the test is
exact) or `after:SECONDS` (killed from outside after that long, as a node failure would, for larger runs). After
each kill the same command is run again, without a kill, and must finish with results equal to an uninterrupted
run: the per-epoch training predictions (the mistake sets), the epoch log, and the final model's weights.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd


@dataclass
class DrillOutcome:
    point: str
    killed: bool  # the first attempt really died of SIGKILL
    resumed_from: str  # the checkpoint the second attempt started from ("" = from scratch)
    identical: bool  # predictions, mistakes, epoch log and weights equal the uninterrupted run's
    seconds: float


def stage_command(script: str | Path, flags: dict[str, object], run_dir: Path) -> list[str]:
    """The train_stage command line with outputs and checkpoints under `run_dir`."""
    flags = flags | {"output_dir": run_dir / "run", "checkpoint_dir": run_dir / "checkpoints"}
    return [sys.executable, str(script), *(f"--{k}={v}" for k, v in flags.items() if v is not None)]


def _run(command: list[str], point: str | None, log: Path) -> int:
    env = dict(os.environ)
    env.pop("NLIROBUST_KILL_AT", None)
    if point and not point.startswith("after:"):
        env["NLIROBUST_KILL_AT"] = point
    with open(log, "a") as handle:
        process = subprocess.Popen(command, env=env, stdout=handle, stderr=subprocess.STDOUT)
        if point and point.startswith("after:"):
            try:
                return process.wait(timeout=float(point.split(":", 1)[1]))
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
        return process.wait()


def same_results(run_a: Path, run_b: Path) -> bool:
    """Equal per-epoch training predictions, epoch logs (timings aside) and model weights."""
    from safetensors.torch import load_file

    timing = ["train_seconds", "examples_per_second", "eval_seconds", "mistake_pass_seconds"]
    a_epochs = pd.read_csv(run_a / "epoch_log.csv").drop(columns=timing, errors="ignore")
    b_epochs = pd.read_csv(run_b / "epoch_log.csv").drop(columns=timing, errors="ignore")
    weights_a = load_file(run_a / "model" / "model.safetensors")
    weights_b = load_file(run_b / "model" / "model.safetensors")
    return (
        pd.read_parquet(run_a / "train_predictions.parquet").equals(
            pd.read_parquet(run_b / "train_predictions.parquet")
        )
        and a_epochs.equals(b_epochs)
        and weights_a.keys() == weights_b.keys()
        and all(weights_a[k].equal(weights_b[k]) for k in weights_a)
    )


def kill_resume_drill(
    script: str | Path, flags: dict[str, object], points: list[str], work_dir: str | Path
) -> list[DrillOutcome]:
    """Run once uninterrupted, then once per point: killed there, restarted, compared with the first run."""
    work = Path(work_dir)
    work.mkdir(parents=True, exist_ok=True)
    reference = work / "uninterrupted"
    if _run(stage_command(script, flags, reference), None, work / "uninterrupted.log") != 0:
        raise RuntimeError(f"the uninterrupted run failed; see {work / 'uninterrupted.log'}")
    outcomes = []
    for point in points:
        run_dir = work / point.replace(":", "_").replace(" ", "_")
        log = run_dir.with_suffix(".log")
        start = time.perf_counter()
        first = _run(stage_command(script, flags, run_dir), point, log)
        log_before = log.read_text()
        second = _run(stage_command(script, flags, run_dir), None, log)
        resumed = [line for line in log.read_text()[len(log_before) :].splitlines() if "resumed from" in line]
        outcomes.append(
            DrillOutcome(
                point=point,
                killed=first == -signal.SIGKILL,
                resumed_from=Path(resumed[0].split("resumed from ")[1].split(" ")[0]).name if resumed else "",
                identical=second == 0 and same_results(reference / "run", run_dir / "run"),
                seconds=time.perf_counter() - start,
            )
        )
    return outcomes
