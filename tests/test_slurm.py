"""The SLURM profile against a real one-node SLURM (slurmctld + slurmd from Debian's packages, one fake GPU).

Skipped, with the reason, only where the cluster cannot be installed or started (not root, no package mirror).
"""

import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from workflow_helpers import ONE_ENCODER, REPO, run_snakemake, write_config

pytestmark = pytest.mark.workflow

GPU_RULES = ("train_stage", "evaluate_model", "hidden_state_map", "llm_predictions")
# the initial tables, a hidden-state map (in its model's group job with the evaluation), and the LLM's answers (its
# job's memory comes from analysis.llm.mem_mb: the node has ~18 GB)
TARGETS = (
    "results/tables/tiny-electra/initial_accuracy.md",
    "results/analysis/tiny-electra/snli/seed1/lr0.0015/snli/test/projection.parquet",
    "results/analysis/llm/snli/test.parquet",
)
TINY = {
    "seed": 0,
    "sizes": {
        "snli_train": 600,
        "snli_validation": 200,
        "snli_test": 200,
        "mnli_train": 300,
        "mnli_validation": 200,
        "chaosnli": 60,
        "breaking_nli_scale": 0.05,
    },
    "model": {"hidden_size": 64, "num_layers": 2, "num_heads": 2, "intermediate_size": 128, "vocab_size": 600},
}


@pytest.fixture(scope="module")
def slurm_env(tmp_path_factory):
    state = tmp_path_factory.mktemp("slurm_state")
    started = subprocess.run(
        ["bash", str(REPO / "tests/slurm/start-local-slurm.sh"), str(state)], capture_output=True, text=True
    )
    if started.returncode == 3:
        pytest.skip(started.stderr.strip().splitlines()[-1])
    assert started.returncode == 0, started.stderr
    yield {"SLURM_CONF": str(state / "slurm.conf")}
    subprocess.run(["bash", str(REPO / "tests/slurm/stop-local-slurm.sh"), str(state)], check=False)


def slurm(env: dict, *command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, env=os.environ | env, check=True).stdout


def jobs_by_comment(env: dict) -> dict[str, str]:
    """The rule (the plugin's --comment) -> the TRES the job asked for, of every job the cluster remembers."""
    jobs = {}
    for line in slurm(env, "scontrol", "show", "job", "-o").splitlines():
        fields = dict(re.findall(r"(\w+)=(\S*)", line))
        jobs[fields.get("Comment", "")] = fields.get("TresPerJob", "") + fields.get("TresPerNode", "")
    return jobs


def tiny_config(workdir: Path, **changes) -> Path:
    """The embedded default at TINY size, one recipe at one rate, no adversarial study (and `changes`)."""
    settings = {"recipes": ["snli"], "learning_rates": [1.5e-3], "adversarial": None, "embedded": TINY}
    settings = {"models": ONE_ENCODER} | settings | changes
    return write_config(workdir / "tiny.yaml", base="config/demo.yaml", **settings)


@pytest.fixture(scope="module")
def cluster_and_local_runs(slurm_env, tmp_path_factory):
    runs = {}
    for where in ("slurm", "local"):
        workdir = tmp_path_factory.mktemp(f"run_{where}")
        config = tiny_config(workdir, training={"epochs": 1, "logging_steps": 10})
        if where == "slurm":
            profile = [
                "--profile",
                str(REPO / "profiles/slurm"),
                "--workflow-profile",
                str(REPO / "profiles/slurm-local"),
            ]
            result = run_snakemake(
                *TARGETS, *profile, "--configfile", str(config), "--verbose", workdir=workdir, env=slurm_env
            )
        else:
            result = run_snakemake(*TARGETS, "--cores", "2", "--configfile", str(config), workdir=workdir)
        runs[where] = (workdir, result.stdout + result.stderr)
    return runs


RULES = sorted(
    {name for smk in (REPO / "rules").glob("*.smk") for name in re.findall(r"^rule (\w+):", smk.read_text(), re.M)},
    key=len,
    reverse=True,
)


def rules_of(comment: str) -> list[str]:
    """The rules a submission ran: `rule_<rule>_wildcards_..` for one job, `rule_<group id>_<rule>_<rule>..` for a
    group job (the profile's group ids end in a model id or a learning rate: `..lr0.0015_<rules>`)."""
    single = re.match(r"rule_([a-z_]+?)(?:_wildcards|$)", comment)
    if single and single[1] in RULES:
        return [single[1]]
    tail = re.sub(r"^.*?lr[^_]+_", "", comment)
    found = []
    for rule in RULES:  # longest names first, so that a rule's name inside another's is not counted twice
        if rule in tail:
            found.append(rule)
            tail = tail.replace(rule, "")
    return found


def test_gpu_rules_ran_as_slurm_jobs_that_asked_for_a_gpu(cluster_and_local_runs, slurm_env):
    _, log = cluster_and_local_runs["slurm"]
    submitted = re.findall(r"sbatch call: (sbatch .*)", log)
    by_rule = {}
    for call in submitted:
        for rule in rules_of(re.search(r"--comment '?([^\s']+)", call)[1]):
            by_rule.setdefault(rule, []).append(call)
    assert set(GPU_RULES) <= set(by_rule)
    for rule, calls in by_rule.items():
        for call in calls:
            asks_gpu = bool(re.search(r"--gpus[= ]\S+|--gres[= ]\S*gpu", call))
            assert asks_gpu == (rule in GPU_RULES), f"{rule}: {call}"
    # the model's evaluation and its hidden-state map went as one group job that asked for one GPU, not two
    (group,) = [call for call in submitted if "rule_evaluate_tiny-electra/snli/" in call]
    assert "evaluate_model" in group and "hidden_state_map" in group
    assert re.search(r"--gpus[= ]1\b", group), group
    assert "initial_tables" not in by_rule
    assert "localrule initial_tables" in log  # tables run on the login node
    # and the cluster agrees: those jobs exist there and were given a GPU
    jobs = jobs_by_comment(slurm_env)
    for rule in GPU_RULES:
        tres = [t for comment, t in jobs.items() if rule in comment]
        assert tres, (rule, tres)
        assert all("gpu:1" in t for t in tres), (rule, tres)


def test_results_through_slurm_equal_a_local_run(cluster_and_local_runs):
    cluster, local = cluster_and_local_runs["slurm"][0], cluster_and_local_runs["local"][0]
    files = sorted(p.relative_to(local) for p in (local / "results/predictions").rglob("*.parquet"))
    assert files
    for path in files + [Path("results/models/tiny-electra/snli/seed1/lr0.0015/train_predictions.parquet")]:
        pd.testing.assert_frame_equal(pd.read_parquet(cluster / path), pd.read_parquet(local / path))
    pd.testing.assert_frame_equal(
        pd.read_csv(cluster / "results/tables/tiny-electra/initial_accuracy.csv"),
        pd.read_csv(local / "results/tables/tiny-electra/initial_accuracy.csv"),
    )
    assert list((cluster / ".snakemake/slurm_logs").rglob("*.log"))  # SLURM's own logs, beside the rules' logs/


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def test_requeued_training_job_resumes_from_its_checkpoint_with_the_same_result(
    slurm_env, tiny_model, small_data, tmp_path
):
    flags = [
        f"--model_in={tiny_model}",
        f"--train_file={small_data['snli_train']}",
        f"--validation_file={small_data['snli_validation']}",
        "--seed=7",
        "--learning_rate=1e-3",
        "--epochs=3",
        "--batch_size=16",
        "--eval_batch_size=64",
        "--max_length=64",
        "--logging_steps=5",
        "--threads=1",
    ]
    script = str(REPO / "scripts/train_stage.py")

    def command(run: str) -> list[str]:
        return [
            sys.executable,
            script,
            *flags,
            f"--output_dir={tmp_path / run}",
            f"--checkpoint_dir={tmp_path / run}_ckpt",
        ]

    subprocess.run(command("uninterrupted"), check=True, capture_output=True)

    out = tmp_path / "job.out"
    job = slurm(
        slurm_env | {"HF_HUB_OFFLINE": "1"},
        "sbatch",
        "--parsable",
        "--requeue",
        "--open-mode=append",
        f"--output={out}",
        "--gpus=1",
        "--wrap",
        # exec: the job's main process is Python itself, as under srun, so SLURM waits for it to checkpoint and exit
        "exec " + shlex.join(command("requeued")),
    ).strip()
    wait_for(lambda: out.exists() and "epoch 1:" in out.read_text(), 180, "the first epoch")
    slurm(slurm_env, "scontrol", "requeue", job)  # what preemption does: SIGTERM, then the job goes back in the queue

    def state() -> str:
        return slurm(slurm_env, "squeue", "-h", "--states=all", "-j", job, "-o", "%T").strip()

    # A requeued job may start again only ~2 minutes later (its begin time); once it is pending, the test says now.
    wait_for(lambda: state() == "PENDING", 60, "the job to be pending again")
    slurm(slurm_env, "scontrol", "update", f"JobId={job}", "StartTime=now")

    def finished():
        now = state()
        return now if now in ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT") else None

    final = wait_for(finished, 300, "the requeued job to finish")
    assert final == "COMPLETED", out.read_text()[-3000:] + slurm(slurm_env, "scontrol", "show", "job", job)
    details = slurm(slurm_env, "scontrol", "show", "job", job)
    assert "Restarts=1" in details
    text = out.read_text()
    assert "signal 15 received" in text
    assert "resumed from" in text
    resumed = re.search(r"resumed from \S+checkpoint-(\d+)", text)
    assert resumed
    assert int(resumed[1]) > 0
    for name in ("train_predictions.parquet", "epoch_log.csv"):
        read = pd.read_parquet if name.endswith("parquet") else pd.read_csv
        a, b = read(tmp_path / "uninterrupted" / name), read(tmp_path / "requeued" / name)
        timing = [c for c in a.columns if "seconds" in c or c == "examples_per_second"]
        pd.testing.assert_frame_equal(a.drop(columns=timing), b.drop(columns=timing))


SELECTIONS = ("all_epochs", "ambiguous_map", "forgettable")


def final_run(selection: str) -> str:
    return f"results/models/tiny-electra/final/{selection}/final_lr0.0001/snli/seed1/lr0.0015"


def log_span(log: Path) -> tuple[str, str]:
    """(first, last) timestamp of a job's log (the scripts log `YYYY-MM-DD HH:MM:SS,mmm ...`)."""
    stamps = re.findall(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) ", log.read_text(), re.M)
    return stamps[0], stamps[-1]


def test_a_failing_group_member_keeps_the_finished_ones_and_members_never_overlap(slurm_env, tmp_path_factory):
    """Three final tunes of one initial model go as one group job. The last fails on its first attempt (a
    failpoint): Snakemake then removes every member's outputs. Run again: the finished ones are reused, not
    trained again, every result equals a clean local run, and the members ran one at a time on the one GPU."""
    runs = {}
    for where in ("slurm", "local"):
        workdir = tmp_path_factory.mktemp(f"group_{where}")
        config = tiny_config(
            workdir,
            analysis=None,
            training={"epochs": 2, "logging_steps": 10},
            evaluation={"sets": ["snli/validation", "breaking_nli/test"], "challenge_sets": []},
            mistakes={"selections": list(SELECTIONS), "final_learning_rates": [1e-4]},
        )
        targets = [f"{final_run(s)}/run.json" for s in SELECTIONS]
        runs[where] = (workdir, config, targets)
    workdir, config, targets = runs["local"]
    run_snakemake(*targets, "--cores", "2", "--configfile", str(config), workdir=workdir)
    # A group's inner run stops at its first failure, so the failing member must start last. Snakemake's default
    # ILP scheduler breaks ties among equal members arbitrarily; the greedy one (passed on to the group job) starts
    # the member with the largest inputs first, so the one with the smallest selection is last. The selections are
    # the local run's, byte for byte (same data, seed and code).
    sizes = {s: (workdir / f"results/mistakes/tiny-electra/snli/seed1/lr0.0015/selection/{s}.parquet").stat().st_size
             for s in SELECTIONS}  # fmt: skip
    last = min(sizes, key=sizes.get)

    workdir, config, targets = runs["slurm"]
    # two cores for the group: Snakemake's inner run could start two members side by side; the GPU lock may not
    profile = ["--profile", str(REPO / "profiles/slurm"), "--workflow-profile", str(REPO / "profiles/slurm-local"),
               "--set-resources", "final_tune:cpus_per_task=2", "--scheduler", "greedy"]  # fmt: skip
    failing = final_run(last)
    first = run_snakemake(
        *targets, *profile, "--configfile", str(config), workdir=workdir, check=False,
        env=slurm_env | {"NLIROBUST_FAIL_AT": f"train_start:{failing}"},
    )  # fmt: skip
    assert first.returncode != 0
    cache = workdir / "results/cache/final_tune"
    finished = [
        s
        for s in SELECTIONS
        if "epoch 1:" in (workdir / f"logs/{final_run(s).removeprefix('results/models/')}.log").read_text()
    ]  # noqa: E501
    assert finished and last not in finished, (sizes, first.stdout[-3000:], first.stderr[-3000:])
    assert len(list(cache.glob("[0-9a-f]*"))) == len(finished)
    for selection in finished:  # what Snakemake did to the group's outputs: the reason for the cache
        assert not (workdir / final_run(selection) / "run.json").exists()
    assert_one_at_a_time(
        [log_span(workdir / f"logs/{final_run(s).removeprefix('results/models/')}.log") for s in finished]
    )

    run_snakemake(*targets, *profile, "--configfile", str(config), workdir=workdir, env=slurm_env)
    spans = []
    for selection in SELECTIONS:
        log = workdir / f"logs/{final_run(selection).removeprefix('results/models/')}.log"
        text = log.read_text()
        if selection in finished:
            assert "reused the finished run" in text and "epoch 1:" not in text, text[-2000:]
        else:
            assert "epoch 1:" in text
        spans.append(log_span(log))
        local_dir = runs["local"][0]
        for evalset in ("snli/validation", "breaking_nli/test"):
            path = f"results/predictions/{final_run(selection).removeprefix('results/models/')}/{evalset}.parquet"
            pd.testing.assert_frame_equal(pd.read_parquet(workdir / path), pd.read_parquet(local_dir / path))
    assert_one_at_a_time(spans)


def assert_one_at_a_time(spans: list[tuple[str, str]]) -> None:
    """No job's log starts before the one before it ended."""
    spans = sorted(spans)
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert end <= start, spans
