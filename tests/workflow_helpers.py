"""Running Snakemake from tests: the repository's Snakefile against a config in a temporary directory."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
# Tests that run jobs use the demo's first encoder alone (tiny-electra); test_grid.py runs the sweep over both.
ONE_ENCODER = yaml.safe_load((REPO / "config/demo.yaml").read_text())["models"][:1]
# A declared evaluation set in ANLI's shape (uid, letter labels, a reason field; "-" rows dropped): data.<name>
ANLI_LIKE_DECLARATION = {
    "format": "jsonl",
    "fields": {
        "premise": "premise",
        "hypothesis": "hypothesis",
        "label": "label",
        "id": "uid",
        "categories": ["reason"],
    },
    "labels": {"entailment": ["e"], "neutral": ["n"], "contradiction": ["c"], "drop": ["-"]},
}


def run_snakemake(
    *args: str, workdir: Path | None = None, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    command = [SNAKEMAKE, "-s", str(REPO / "Snakefile"), *args]
    if workdir is not None:
        command += ["--directory", str(workdir)]
    env = (
        os.environ
        | {"HF_HUB_OFFLINE": "1", "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
        | (env or {})
    )
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=workdir or REPO)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def planned_submissions(output: str) -> list[dict]:
    """What a cluster dry run would submit: one entry per job or group job, with its rules, its wildcards and
    whether it asks for a GPU (localrules run on the login node and are left out)."""
    submissions = []
    for block in re.split(r"^\[[^\]\n]*\] ?", output, flags=re.M)[1:]:  # a top-level job starts at column 0
        first = block.lstrip().splitlines()[0]
        if first.startswith("localrule "):
            continue
        group = re.match(r"Group job (\S+)", first)
        if not group and not first.startswith("rule "):
            continue
        submissions.append(
            {
                "group": group[1] if group else None,
                "rules": re.findall(r"^\s*rule (\w+):", block, re.M),
                "wildcards": re.findall(r"^\s*wildcards: ([^\n]*)", block, re.M),
                "gpu": bool(re.search(r"^\s*resources: [^\n]*\bgpu=1\b", block, re.M)),
            }
        )
    return submissions


def planned_jobs(output: str) -> dict[str, int]:
    """Rule -> job count from the 'Job stats' table of a dry run."""
    counts = {}
    table = output.split("Job stats:", 1)[1]
    for line in table.splitlines()[3:]:
        match = re.match(r"^(\w+)\s+(\d+)$", line.strip())
        if not match:
            break
        if match[1] != "total":
            counts[match[1]] = int(match[2])
    return counts


def write_config(path: Path, base: str = "config/config.yaml", **changes) -> Path:
    """A copy of a repository config with top-level keys replaced (nested dicts merged one level; None removes)."""
    config = yaml.safe_load((REPO / base).read_text())
    for key, value in changes.items():
        if value is None:
            config.pop(key, None)
        elif isinstance(value, dict) and isinstance(config.get(key), dict):
            config[key] = config[key] | value
        else:
            config[key] = value
    path.write_text(yaml.safe_dump(config))
    return path
