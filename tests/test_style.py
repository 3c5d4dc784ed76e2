"""The workflow lints clean and the code is formatted (snakefmt for rules, ruff for Python)."""

import subprocess
import sys
from pathlib import Path

from workflow_helpers import REPO, run_snakemake

BIN = Path(sys.executable).parent


def test_snakemake_lint_has_no_findings():
    result = run_snakemake("--lint", "--configfile", str(REPO / "config/demo.yaml"), check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Lints for" not in output, output


def test_python_is_formatted_and_clean():
    for command in (["ruff", "check", "."], ["ruff", "format", "--check", "."]):
        result = subprocess.run([str(BIN / command[0]), *command[1:]], cwd=REPO, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


def test_rules_are_formatted():
    result = subprocess.run(
        [str(BIN / "snakefmt"), "--check", "Snakefile", "rules"], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
