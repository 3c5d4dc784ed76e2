"""Cluster readiness that needs no cluster: files the lab can read, GPUs without bf16, a CUDA-graph capture that
breaks, deterministic kernels as a setting, and a conda environment that installs what the code is tested with."""

import ast
import os
import re
import sys
from pathlib import Path

import pandas as pd
import pytest
import torch
import yaml

REPO = Path(__file__).resolve().parents[1]


# ---- results readable by the group ----------------------------------------------------------------------------
@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o002, 0o664)])
def test_written_files_get_the_mode_the_umask_gives(tmp_path, umask, mode):
    from nlirobust.data.io import atomic_path, write_json, write_parquet
    from nlirobust.tables import write_table

    previous = os.umask(umask)
    try:
        write_parquet(pd.DataFrame({"a": [1]}), tmp_path / "data.parquet")
        write_json({"a": 1}, tmp_path / "facts.json")
        write_table(pd.DataFrame({"a": [1]}), "| a |\n", tmp_path, "table")
        with atomic_path(tmp_path / "sheet.csv") as tmp:
            tmp.write_text("a\n1\n")
        with open(tmp_path / "plain.txt", "w") as handle:  # what an ordinary open() gives, for comparison
            handle.write("x")
    finally:
        os.umask(previous)
    for name in ("data.parquet", "facts.json", "table.csv", "table.md", "sheet.csv", "plain.txt"):
        assert (tmp_path / name).stat().st_mode & 0o777 == mode, name


# ---- GPUs without bf16 ------------------------------------------------------------------------------------------
def test_bf16_falls_back_to_fp32_on_a_gpu_without_it(monkeypatch, caplog):
    import logging

    from nlirobust.predict import bf16_supported, precision_name

    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device=None: "Tesla V100-SXM2-32GB")
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: including_emulation)
    with caplog.at_level(logging.WARNING):
        assert bf16_supported(True, torch.device("cuda")) is False  # emulated only: not used
    assert "Tesla V100-SXM2-32GB has no native bf16: running in fp32" in caplog.text
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: True)
    assert bf16_supported(True, torch.device("cuda")) is True
    assert bf16_supported(False, torch.device("cuda")) is False
    assert bf16_supported(True, torch.device("cpu")) is False
    assert precision_name(True, "cuda:0") == "bf16" and precision_name(False, "cuda:0") == "fp32"


def test_run_json_records_the_precision_used_and_the_determinism_setting(tiny_model, small_data, tmp_path):
    from nlirobust.run_facts import runs_long
    from nlirobust.training.stage import StageArguments, train_stage

    out = tmp_path / "snli/seed1/lr0.001"
    facts = train_stage(
        StageArguments(model_in=str(tiny_model), train_file=str(small_data["snli_train"]), output_dir=str(out),
                       checkpoint_dir=str(tmp_path / "ckpt"), epochs=1, batch_size=32, max_train_examples=64,
                       threads=1, max_length=64, bf16=True, deterministic=False)
    )  # fmt: skip
    assert facts["precision"] == "fp32"  # bf16 asked, but a CPU computes in fp32: run.json says what ran
    assert facts["deterministic"] is False
    assert not torch.are_deterministic_algorithms_enabled()
    assert runs_long([out / "run.json"])["precision"].tolist() == ["fp32"]
    torch.use_deterministic_algorithms(True, warn_only=True)


def test_deterministic_kernels_set_the_cublas_workspace(monkeypatch):
    from nlirobust.training.stage import set_determinism

    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    set_determinism(True)
    assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"
    assert torch.are_deterministic_algorithms_enabled()
    set_determinism(False)
    assert not torch.are_deterministic_algorithms_enabled()
    set_determinism(True)


# ---- a CUDA-graph capture that breaks ------------------------------------------------------------------------------
class FakeGraph:
    """Stands in for torch.cuda.CUDAGraph on a CPU: the capture context raises as an invalidated capture does."""

    made: list = []

    def __init__(self):
        self.reset_called = False
        FakeGraph.made.append(self)

    def reset(self):
        self.reset_called = True

    def pool(self):
        return None


class BrokenCapture:
    def __init__(self, graph, pool=None):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        # the op inside failed first (exc); ending the capture then fails with a secondary error
        raise RuntimeError("CUDA error: operation failed due to a previous error during capture")


class FakeStream:
    def wait_stream(self, other):
        pass


def test_a_broken_capture_turns_graphs_off_for_the_run_and_records_the_root_cause(tiny_model, small_data, monkeypatch):
    from contextlib import nullcontext

    from nlirobust.modeling import load_classifier
    from nlirobust.training import cuda_graphs

    fake_rng = torch.zeros(8, dtype=torch.uint8)
    restored = []
    for name, value in {
        "Stream": FakeStream,
        "stream": lambda s: nullcontext(),
        "current_stream": lambda: FakeStream(),
        "CUDAGraph": FakeGraph,
        "graph": BrokenCapture,
        "synchronize": lambda: None,
        "get_rng_state": lambda: fake_rng,
        "set_rng_state": lambda state: restored.append(state),
    }.items():
        monkeypatch.setattr(cuda_graphs.torch.cuda, name, value)
    model, tokenizer = load_classifier(tiny_model)
    pairs = pd.read_parquet(small_data["snli_train"]).head(4)
    batch = dict(tokenizer(pairs["premise"].tolist(), pairs["hypothesis"].tolist(), padding=True, return_tensors="pt"))
    batch["labels"] = torch.tensor(pairs["label"].to_numpy())

    def compute_loss(model, inputs, return_outputs=False):
        if torch.is_grad_enabled() and calls["n"] == 2:  # the op that cannot be captured, inside the capture
            calls["n"] += 1
            raise RuntimeError("operation not permitted when stream is capturing")
        calls["n"] += 1
        outputs = model(**inputs)
        return (outputs.loss, outputs) if return_outputs else outputs.loss

    calls = {"n": 0}
    step = cuda_graphs.GraphedTrainingStep(model, compute_loss, bf16=False, warmup_steps=2)
    loss, logits = step(batch)  # warm-up twice, then the capture breaks: this step runs eagerly
    assert step.failure.startswith("RuntimeError: operation not permitted when stream is capturing")
    assert "then RuntimeError: CUDA error" in step.failure
    assert FakeGraph.made[-1].reset_called
    assert restored and restored[-1] is fake_rng  # the warm-up's dropout draws discarded
    assert step.graphs == {} and step.eager_steps == 1
    step(batch)
    assert step.eager_steps == 2 and len(FakeGraph.made) == 1  # no second capture: off for the rest of the run
    assert torch.isfinite(loss) and logits.shape == (4, 3)


# ---- the conda environment --------------------------------------------------------------------------------------
# import name -> distribution name, where they differ
DISTRIBUTION = {"yaml": "pyyaml", "sklearn": "scikit-learn", "huggingface_hub": "huggingface-hub", "PIL": "pillow"}
# imported only while Snakemake plans (on the login node, where snakemake runs), never inside a job
PLANNING_ONLY = {"snakemake", "jsonschema"}


def imported_packages() -> set[str]:
    """Third-party top-level packages that nlirobust/ and scripts/ import."""
    names = set()
    for path in list((REPO / "nlirobust").rglob("*.py")) + list((REPO / "scripts").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    local = {"nlirobust", "_cli"} | {p.stem for p in (REPO / "scripts").glob("*.py")}
    optional = {"vllm", "wandb", "tensorboard"}  # chosen in the config, refused while planning when missing
    return {n for n in names - set(sys.stdlib_module_names) - local - optional - PLANNING_ONLY}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_conda_environment_pins_what_the_code_is_tested_with():
    env = yaml.safe_load((REPO / "envs/nlirobust.yaml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    pinned = {}
    for line in pip:
        name, _, version = line.partition("==")
        assert version, f"envs/nlirobust.yaml: pip entry {line!r} is not pinned with =="
        pinned[normalise(name)] = version
    tested = {}
    for line in (REPO / "constraints.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            tested[normalise(name)] = version.strip()
    torch_pin = re.search(r"torch==([\d.]+)", (REPO / ".ci/run").read_text())[1]
    tested["torch"] = torch_pin
    for name, version in pinned.items():
        assert tested.get(name) == version, f"{name}=={version} in the environment, {tested.get(name)} tested"
    for package in imported_packages():
        assert normalise(DISTRIBUTION.get(package, package)) in pinned, f"{package} is imported but not installed"
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    assert not [d for d in conda if re.match(r"(pytorch|torch|transformers)\b", d)], conda  # all from pip


def test_scripts_find_the_package_without_it_being_installed(tmp_path):
    """A conda environment built from envs/nlirobust.yaml does not install the package: a script finds it in the
    checkout it belongs to. Here a copy of the checkout runs with the dependencies importable but no installed
    nlirobust (python -S: no .pth file, so no editable install)."""
    import shutil
    import subprocess

    checkout = tmp_path / "checkout"
    shutil.copytree(REPO / "nlirobust", checkout / "nlirobust", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "scripts", checkout / "scripts", ignore=shutil.ignore_patterns("__pycache__"))
    script = checkout / "scripts/prepare_data.py"
    site = [p for p in sys.path if p.endswith("site-packages")]
    code = (
        f"import runpy, sys; sys.path += {site!r}; sys.path.insert(0, {str(script.parent)!r}); "
        f"sys.argv = [{str(script)!r}, '--help']; runpy.run_path({str(script)!r}, run_name='__main__')"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert result.returncode == 0 and "usage:" in result.stdout, result.stderr[-2000:]
    without = subprocess.run(
        [sys.executable, "-S", "-c", f"import sys; sys.path += {site!r}; import nlirobust"], capture_output=True,
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert without.returncode != 0  # the package is not importable from the environment alone
