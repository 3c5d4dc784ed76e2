"""Planning (`snakemake -n`) the paper grid and rejecting bad configuration before any job is planned.

Each plan is made in an empty directory, so what a run left in the repository cannot change it.
"""

import re

import pytest
from workflow_helpers import REPO, SNAKEMAKE, planned_jobs, planned_submissions, run_snakemake, write_config


def test_paper_config_plans_four_recipes_with_shared_first_stages(tmp_path):
    out = run_snakemake("-n", "--configfile", str(REPO / "config/config.yaml"), workdir=tmp_path).stdout
    jobs = planned_jobs(out)
    assert jobs["train_stage"] == 4  # snli, snli_mnli (from snli), mnli, mnli_snli (from mnli)
    # the mistakes study: all_epochs x (the recipe's own Table 4 rate + from_schedule) for each initial model
    assert jobs["final_tune"] == 4 * 1 * 2
    # the 4 initial models and the adversarially retrained one; final models are evaluated inside final_tune
    assert jobs["evaluate_model"] == 4 + 1
    assert jobs["epoch_mistakes"] == 4
    assert jobs["mistake_tables"] == 1
    # the adversarial study reuses the snli model as its baseline: two attacks (gradient, random), one retraining
    assert jobs["attack_baseline"] == 2
    assert jobs["retrain_adversarial"] == 1
    assert jobs["evaluate_attack_set"] == 2 * 2  # baseline and retrained model on both attack sets
    # the error analysis: the 4 initial models and the adversarial one, on SNLI test and Breaking NLI
    assert jobs["error_spreadsheet"] == jobs["hidden_state_map"] == 5 * 2
    assert jobs["llm_predictions"] == 2
    assert jobs["run_facts"] == 1
    assert jobs["analysis_tables"] == 1
    assert "resources/models/hub/Qwen--Qwen2.5-1.5B-Instruct" in out  # the LLM is downloaded on the login node
    assert jobs["download_hub_dataset"] == 2
    assert jobs["download_url"] == 3  # Breaking NLI, ChaosNLI, HANS
    assert jobs["challenge_tables"] == 2  # Breaking NLI and HANS
    assert jobs["download_model"] == 2


def test_grid_fans_out_over_seeds_and_learning_rates(tmp_path):
    config = write_config(tmp_path / "grid.yaml", seeds=[1, 2], learning_rates=[5e-5, 3e-5, 2e-5])
    jobs = planned_jobs(run_snakemake("-n", "--configfile", str(config), workdir=tmp_path).stdout)
    assert jobs["train_stage"] == 4 * 2 * 3
    assert jobs["final_tune"] == 4 * 2 * 3 * 1 * 2
    assert jobs["evaluate_model"] == 4 * 2 * 3 + 2 * 3
    assert jobs["attack_baseline"] == 2 * 2 * 3
    assert jobs["retrain_adversarial"] == 2 * 3
    assert jobs["initial_tables"] == 1
    assert jobs["adversarial_tables"] == 1


def test_the_adversarial_study_is_skipped_without_its_config_block(tmp_path):
    config = write_config(tmp_path / "no_adversarial.yaml", adversarial=None)
    out = run_snakemake("-n", "--configfile", str(config), workdir=tmp_path).stdout
    jobs = planned_jobs(out)
    assert "attack_baseline" not in jobs
    assert "adversarial_tables" not in jobs
    assert jobs["train_stage"] == 4
    assert jobs["report"] == 1


def test_adversarial_study_trains_its_snli_baseline_when_no_recipe_does(tmp_path):
    config = write_config(tmp_path / "mnli_only.yaml", recipes=["mnli"])
    out = run_snakemake("-n", "--configfile", str(config), workdir=tmp_path).stdout
    assert planned_jobs(out)["train_stage"] == 2  # mnli, and snli for the adversarial baseline
    assert "results/models/electra-small/snli/seed42/lr5e-05/model" in out


def test_a_two_stage_recipe_alone_still_trains_its_first_stage(tmp_path):
    config = write_config(tmp_path / "one.yaml", recipes=["mnli_snli"], seeds=[1, 2], adversarial=None)
    out = run_snakemake("-n", "--configfile", str(config), workdir=tmp_path).stdout
    assert planned_jobs(out)["train_stage"] == 2 * 2
    assert "results/models/electra-small/mnli/seed2/lr5e-05/model" in out
    assert planned_jobs(out)["evaluate_model"] == 2  # only the requested recipe is evaluated
    assert planned_jobs(out)["final_tune"] == 2 * 1 * 2


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"seeds": []}, "seeds"),
        ({"learning_rates": [-1e-5]}, "learning_rates"),
        ({"learning_rates": [0]}, "learning_rates"),
        ({"recipes": ["snli_wiki"]}, "snli_wiki"),
        ({"training": {"epochs": 0}}, "epochs"),
        ({"training": {"batch_size": "eight"}}, "batch_size"),
        ({"trainig": {"epochs": 3}}, "trainig"),
        ({"evaluation": {"sets": ["snli/dev"]}}, "snli/dev"),
        ({"adversarial": {"attacks": ["gradient", "synonym"]}}, "synonym"),
        ({"adversarial": {"heldout_fraction": 1.0}}, "heldout_fraction"),
        ({"adversarial": {"retrain_from": "scratch"}}, "retrain_from"),
        ({"analysis": {"sets": ["snli/dev"]}}, "snli/dev"),
        ({"analysis": {"models": ["pretrained"]}}, "pretrained"),
        ({"analysis": {"llm": {"model": "Qwen/Qwen2.5-1.5B-Instruct", "backend": "llama.cpp"}}}, "llama.cpp"),
        ({"training": {"report_to": "mlflow"}}, "mlflow"),
        (
            {
                "data": {
                    "snli": {},
                    "mnli": {"embedded": True},
                    "breaking_nli": {"embedded": True},
                    "chaosnli": {"embedded": True},
                }
            },
            "snli",
        ),
    ],
)
def test_bad_config_is_rejected_before_planning(tmp_path, changes, message):
    config = write_config(tmp_path / "bad.yaml", **changes)
    result = run_snakemake("-n", "--configfile", str(config), workdir=tmp_path, check=False)
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("config: "), result.stderr  # one line
    assert message in result.stderr
    assert "Job stats" not in result.stdout
    assert not (tmp_path / "results").exists()
    assert not (tmp_path / "logs").exists()


@pytest.mark.parametrize(
    "changes, message",
    [
        (
            {"analysis": {"llm": {"model": "Qwen/Qwen2.5-1.5B-Instruct", "backend": "vllm"}}},
            "config: analysis.llm.backend: 'vllm' needs the Python package 'vllm', which is not installed",
        ),
        (
            {"training": {"report_to": "tensorboard"}},
            "config: training.report_to: 'tensorboard' needs the Python package 'tensorboard', which is not installed",
        ),
        (
            {"analysis": {"llm": {"model": "/no/such/llm"}}},
            "config: analysis.llm.model: '/no/such/llm' is no directory here",
        ),
    ],
)
def test_optional_backends_and_llm_path_are_checked_before_planning(tmp_path, changes, message):
    import importlib.util

    package = message.split("Python package '")[-1].split("'")[0] if "package" in message else None
    if package and importlib.util.find_spec(package) is not None:
        pytest.skip(f"{package} is installed here, so the configuration is valid")
    config = write_config(tmp_path / "bad.yaml", **changes)
    result = run_snakemake("-n", "--configfile", str(config), workdir=tmp_path, check=False)
    assert result.returncode != 0
    assert message in result.stdout + result.stderr
    assert "Job stats" not in result.stdout
    assert not (tmp_path / "results").exists()


def test_retraining_on_an_attack_that_is_not_built_is_rejected(tmp_path):
    config = write_config(tmp_path / "bad.yaml", adversarial={"attacks": ["random"], "retrain_attacks": ["gradient"]})
    result = run_snakemake("-n", "--configfile", str(config), workdir=tmp_path, check=False)
    assert result.returncode != 0
    assert "adversarial.retrain_attacks: ['gradient'] not among adversarial.attacks" in result.stdout + result.stderr
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize(
    "name, message",
    [
        ("/no/such/model", "is no directory here"),
        ("./models/missing", "is no directory here"),
        ("models/missing", "is no directory here"),  # a `models/` folder exists: a path, not the hub id models/...
        ("electra-small", "is neither an existing directory nor a hub id"),
    ],
)
def test_model_that_is_neither_a_directory_nor_a_hub_id_is_rejected(tmp_path, name, message):
    (tmp_path / "models").mkdir()
    config = write_config(tmp_path / "bad_model.yaml", models=None, model={"name_or_path": name})
    result = run_snakemake("-n", "--configfile", str(config), workdir=tmp_path, check=False)
    assert result.returncode != 0
    assert f"model.name_or_path: '{name}' {message}" in result.stdout + result.stderr
    assert not (tmp_path / "results").exists()


def test_a_model_directory_without_weights_or_too_short_is_refused_while_planning(tmp_path, tiny_model):
    import shutil

    broken = tmp_path / "half_downloaded"
    broken.mkdir()
    shutil.copy(tiny_model / "config.json", broken / "config.json")
    config = write_config(tmp_path / "a.yaml", models=None, model={"name_or_path": str(broken), "max_length": 64})
    result = run_snakemake("-n", "--configfile", str(config), workdir=tmp_path, check=False)
    assert result.returncode != 0
    assert "config.json but no weights" in result.stdout + result.stderr
    config = write_config(tmp_path / "b.yaml", models=None, model={"name_or_path": str(tiny_model), "max_length": 4096})
    result = run_snakemake("-n", "--configfile", str(config), workdir=tmp_path, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "model.max_length 4096 is above" in output
    assert "position limit 64" in output
    assert not (tmp_path / "results").exists()


def test_slurm_profile_plans_the_paper_grid_without_slurm(tmp_path):
    out = run_snakemake(
        "-n",
        "--profile",
        str(REPO / "profiles/slurm"),
        "--configfile",
        str(REPO / "config/config.yaml"),
        workdir=tmp_path,
    ).stdout
    jobs = planned_jobs(out)
    assert jobs["train_stage"] == 4
    assert jobs["final_tune"] == 8
    train = re.search(r"rule train_stage:.*?resources: ([^\n]*)", out, re.S)[1]
    assert "gpu=1" in train and "gpu_model=a100" in train


def test_paper_grid_goes_to_slurm_in_at_most_300_gpu_submissions_one_model_each(tmp_path):
    """4 recipes x 5 seeds x 3 learning rates, every study: the profile's groups bundle what follows each model."""
    import yaml

    grid = yaml.safe_load((REPO / "config/config.yaml").read_text())
    grid |= {"seeds": [1, 2, 3, 4, 5], "learning_rates": [5e-5, 3e-5, 2e-5]}
    (tmp_path / "grid.yaml").write_text(yaml.safe_dump(grid))
    profile = (REPO / "profiles/slurm/config.yaml").read_text()
    ungrouped = tmp_path / "ungrouped"
    ungrouped.mkdir()
    without_groups = re.sub(r"\ngroups:.*?\nset-resource-scopes:\n  - gpu=local\n", "\n", profile, flags=re.S)
    (ungrouped / "config.yaml").write_text(without_groups)

    def plan(profile_dir) -> list[dict]:
        out = run_snakemake("-n", "--profile", str(profile_dir), "--configfile", str(tmp_path / "grid.yaml"),
                            workdir=tmp_path).stdout  # fmt: skip
        return planned_submissions(out)

    grouped, alone = plan(REPO / "profiles/slurm"), plan(ungrouped)
    gpu, gpu_alone = [s for s in grouped if s["gpu"]], [s for s in alone if s["gpu"]]
    assert len(gpu) <= 300
    assert len(gpu_alone) == 512  # the README says both numbers
    assert len(gpu) == 227
    # the same GPU jobs, only fewer submissions
    assert sorted(r for s in gpu for r in s["rules"]) == sorted(r for s in gpu_alone for r in s["rules"])
    for submission in gpu:
        if submission["group"] and submission["group"].startswith("evaluate_"):
            models = {re.search(r"model=([^,]+)", w)[1] for w in submission["wildcards"]}
            assert models == {submission["group"].removeprefix("evaluate_")}, submission
        if submission["group"] and submission["group"].startswith("tune_"):
            runs = {tuple(re.findall(r"(?:^|, )(?:recipe|seed|lr)=([^,]+)", w)) for w in submission["wildcards"]}
            assert len(runs) == 1, submission  # one initial model's final tunes
            assert len(submission["rules"]) == 2  # configured and from_schedule final rates (config.yaml)


def test_two_hub_encoders_plan_per_encoder_paths_groups_and_needs(tmp_path):
    """A config listing two hub encoders (nothing downloaded): every run path names its encoder, each is downloaded
    once (beside the LLM), a SLURM group never mixes encoders, and the larger encoder's own GPU needs reach its jobs
    only."""
    import yaml

    grid = yaml.safe_load((REPO / "config/config.yaml").read_text())
    grid["seeds"] = [1, 2]
    grid["models"] = [
        {"name": "electra-small", "name_or_path": "google/electra-small-discriminator"},
        {
            "name": "roberta-large",
            "name_or_path": "FacebookAI/roberta-large",
            "learning_rates": [1.0e-5],
            "training": {"batch_size": 16},
            "resources": {"train_stage": {"mem_mb": 64000, "runtime": 2880}, "evaluate_model": {"mem_mb": 32000}},
        },
    ]
    (tmp_path / "two.yaml").write_text(yaml.safe_dump(grid))
    out = run_snakemake("-n", "--profile", str(REPO / "profiles/slurm"), "--configfile", str(tmp_path / "two.yaml"),
                        workdir=tmp_path).stdout  # fmt: skip
    jobs = planned_jobs(out)
    assert jobs["download_model"] == 2 + 1 and jobs["train_stage"] == 4 * 2 * 2 and jobs["compare_encoders"] == 1
    assert "results/models/roberta-large/mnli_snli/seed2/lr1e-05/model" in out
    assert "results/models/electra-small/final/all_epochs/final_lr2.7e-07/snli/seed1/lr5e-05/model" in out
    assert "results/tables/roberta-large/mistakes/breaking_nli/table7_accuracy.md" in out
    for block in re.split(r"^\[[^\]\n]*\] ?", out, flags=re.M):
        if re.search(r"^\s*rule train_stage:", block, re.M):
            needs = re.search(r"resources: ([^\n]*)", block)[1]
            large = "encoder=roberta-large" in block
            assert ("mem_mb=64000" in needs and "runtime=2880" in needs) == large, block
            assert "--batch_size 16" in block or not large
    for submission in planned_submissions(out):
        named = [re.search(r"(?:encoder|model)=([^,/]+)", w) for w in submission["wildcards"]]
        encoders = {match[1] for match in named if match}
        assert len(encoders) <= 1, submission  # one encoder's jobs per submission
        if submission["group"] and submission["group"].startswith("tune_"):
            assert submission["group"].startswith(tuple(f"tune_{e}_" for e in encoders))


def test_bare_profile_name_works_after_the_install_step(tmp_path):
    import os
    import subprocess

    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    installed = subprocess.run(
        ["bash", str(REPO / "profiles/install-profile.sh")], env=os.environ | env, capture_output=True, text=True
    )
    assert installed.returncode == 0, installed.stderr
    assert (tmp_path / "config/snakemake/slurm").resolve() == REPO / "profiles/slurm"
    # the exact command a user types, from the repository (a fresh clone plans the paper grid)
    result = subprocess.run(
        [SNAKEMAKE, "--profile", "slurm", "-n"],
        cwd=REPO,
        env=os.environ | env | {"HF_HUB_OFFLINE": "1"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "This was a dry-run" in result.stdout  # planning only: SLURM is not contacted
    assert "slurm_partition=gpu" in result.stdout  # the resources came from the installed profile
    # installing again is harmless; a foreign profile of that name is left alone with a clear error
    assert subprocess.run(["bash", str(REPO / "profiles/install-profile.sh")], env=os.environ | env).returncode == 0
    other = tmp_path / "config/snakemake/other"
    other.mkdir()
    clash = subprocess.run(
        ["bash", str(REPO / "profiles/install-profile.sh"), "other"],
        env=os.environ | env,
        capture_output=True,
        text=True,
    )
    assert clash.returncode == 1
    assert "is not this repository's profile" in clash.stderr


def test_planning_imports_neither_torch_nor_transformers(tmp_path):
    """The Snakefile's parse path stays light: every job, and every `snakemake -n`, pays for what it imports.
    (pandas is not on the list: Snakemake itself imports it.)"""
    import os
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from snakemake.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('HEAVY:', sorted(m for m in ('torch', 'transformers', 'datasets', 'sklearn') if m in sys.modules))\n"
    )
    command = [sys.executable, "-c", code, "-s", str(REPO / "Snakefile"), "-n", "-q", "--configfile",
               str(REPO / "config/config.yaml"), "--directory", str(tmp_path)]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, env=os.environ | {"HF_HUB_OFFLINE": "1"})
    assert "HEAVY: []" in result.stdout, result.stdout[-500:] + result.stderr[-2000:]


def test_paper_config_gives_each_recipe_its_own_table4_rate(tmp_path):
    """The reference's Table 4: 2.7e-7 (SNLI only), 2.6e-7 (SNLI+MNLI), 2.4e-7 (MNLI only), 2.0e-7 (MNLI+SNLI)."""
    out = run_snakemake("-n", "--configfile", str(REPO / "config/config.yaml"), workdir=tmp_path).stdout
    table4 = {"snli": "2.7e-07", "snli_mnli": "2.6e-07", "mnli": "2.4e-07", "mnli_snli": "2e-07"}
    for recipe, rate in table4.items():
        assert f"results/models/electra-small/final/all_epochs/final_lr{rate}/{recipe}/seed42/lr5e-05/model" in out
        assert (
            f"results/models/electra-small/final/all_epochs/final_lrfrom_schedule/{recipe}/seed42/lr5e-05/model" in out
        )
        for other in set(table4.values()) - {rate}:
            assert f"final_lr{other}/{recipe}/" not in out


def test_a_rate_mapping_that_misses_a_recipe_is_refused(tmp_path):
    config = write_config(
        tmp_path / "bad.yaml",
        mistakes={"final_learning_rates": {"snli": [1e-7], "mnli": [1e-7], "snli_mnli": [1e-7]}},
    )
    result = run_snakemake("-n", "--configfile", str(config), workdir=tmp_path, check=False)
    assert result.returncode != 0
    assert "config: mistakes.final_learning_rates: no rates for recipe 'mnli_snli'" in result.stdout + result.stderr
    assert not (tmp_path / "results").exists()


def test_learning_rates_that_differ_in_the_seventh_digit_are_two_runs(tmp_path):
    config = write_config(tmp_path / "close.yaml", learning_rates=[1.0e-4, 1.000001e-4], adversarial=None)
    out = run_snakemake("-n", "--configfile", str(config), workdir=tmp_path).stdout
    assert planned_jobs(out)["train_stage"] == 4 * 2
    assert "results/models/electra-small/snli/seed42/lr0.0001/model" in out
    assert "results/models/electra-small/snli/seed42/lr0.0001000001/model" in out


def test_without_an_llm_the_llm_rules_are_skipped(tmp_path):
    import yaml

    analysis = yaml.safe_load((REPO / "config/config.yaml").read_text())["analysis"]
    analysis.pop("llm")
    config = write_config(tmp_path / "no_llm.yaml", analysis=None)
    config.write_text(yaml.safe_dump(yaml.safe_load(config.read_text()) | {"analysis": analysis}))
    out = run_snakemake("-n", "--configfile", str(config), workdir=tmp_path).stdout
    jobs = planned_jobs(out)
    assert "llm_predictions" not in jobs
    assert "download_model" in jobs
    assert jobs["download_model"] == 1
    assert jobs["error_spreadsheet"] == 10
    assert jobs["analysis_tables"] == 1


def test_mnli_validation_mismatched_is_prepared_only_when_evaluated(tmp_path):
    sets = ["snli/validation", "snli/test", "mnli/validation_matched", "breaking_nli/test"]
    config = write_config(tmp_path / "matched.yaml", base="config/demo.yaml", evaluation={"sets": sets})
    out = run_snakemake("-n", "--configfile", str(config), workdir=tmp_path).stdout
    assert "results/data/mnli/validation_mismatched.parquet" not in out
    out = run_snakemake("-n", "--configfile", str(REPO / "config/demo.yaml"), workdir=tmp_path).stdout
    assert "results/data/mnli/validation_mismatched.parquet" in out


@pytest.mark.parametrize(
    "text, message",
    [
        ("learning_rates: [5e-5]\n", "config: learning_rates[0]: '5e-5' is text (YAML reads it so); write 5.0e-5"),
        ("seeds: [7]\n", "key 'seeds' appears twice (first on line"),
        ("trainig: {epochs: 3}\n", "config: unknown key 'trainig' (known: model, models, data,"),
    ],
)
def test_yaml_pitfalls_get_one_line_naming_the_key(tmp_path, text, message):
    config = tmp_path / "pitfall.yaml"
    base = (REPO / "config/config.yaml").read_text()
    if text.startswith("learning_rates"):
        base = base.replace("learning_rates: [5.0e-5]\n", "")
    config.write_text(base + text)
    result = run_snakemake("-n", "--configfile", str(config), workdir=tmp_path, check=False)
    assert result.returncode != 0
    assert message in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert not (tmp_path / "results").exists()


def test_every_edit_line_of_the_slurm_profile_can_be_deleted_on_its_own(tmp_path):
    """The profile's comments say "delete this line": doing so must leave a profile that plans."""
    lines = (REPO / "profiles/slurm/config.yaml").read_text().splitlines(keepends=True)
    edits = [i for i, line in enumerate(lines) if "# EDIT" in line]
    assert len(edits) == 4
    for i in edits:
        profile = tmp_path / f"without_{i}"
        profile.mkdir()
        (profile / "config.yaml").write_text("".join(lines[:i] + lines[i + 1 :]))
        result = run_snakemake(
            "-n", "--profile", str(profile), "--configfile", str(REPO / "config/config.yaml"), workdir=tmp_path,
            check=False,
        )  # fmt: skip
        assert result.returncode == 0, (lines[i], result.stdout[-1500:] + result.stderr[-1500:])
        train = re.search(r"rule train_stage:.*?resources: ([^\n]*)", result.stdout, re.S)[1]
        assert "gpu=1" in train
        if "gpu_model" in lines[i]:
            assert "gpu_model" not in train  # any GPU
        prepare = re.search(r"rule prepare_snli:.*?resources: ([^\n]*)", result.stdout, re.S)
        assert prepare is not None
        assert "gpu" not in prepare[1]  # CPU jobs: their own partition, no GPU


def planned_resources(output: str) -> dict[tuple, dict]:
    """(rule, wildcards) -> the resources a dry run shows for that job (group members included)."""
    jobs = {}
    for match in re.finditer(
        r"^\s*rule (\w+):\n(.*?)(?=^\s*$|^\[|^\s*(?:local)?rule |^\s*Group job|\Z)", output, re.M | re.S
    ):
        body = match[2]
        wildcards = re.search(r"^\s*wildcards: ([^\n]*)", body, re.M)
        resources = re.search(r"^\s*resources: ([^\n]*)", body, re.M)
        if resources:
            pairs = dict(item.split("=", 1) for item in resources[1].split(", "))
            jobs[(match[1], wildcards[1] if wildcards else "")] = pairs
    return jobs


def test_each_jobs_needs_have_one_home_beside_its_rule(tmp_path):
    """Memory, runtime and the GPU are declared in the rules; the SLURM profile only says where a job runs. The
    profile neither repeats nor changes a need, every GPU rule goes to the GPU partition, and the test cluster's
    profile needs no line per rule."""
    import yaml

    config = str(REPO / "config/config.yaml")
    with_profile = planned_resources(
        run_snakemake("-n", "--profile", str(REPO / "profiles/slurm"), "--configfile", config, workdir=tmp_path).stdout
    )
    alone = planned_resources(run_snakemake("-n", "--configfile", config, workdir=tmp_path).stdout)
    local = set(re.findall(r"^    (\w+),$", (REPO / "Snakefile").read_text().split("localrules:")[1], re.M))
    gpu_rules = set()
    for (rule, wildcards), resources in with_profile.items():
        if rule in local:
            continue
        for need in ("mem_mb", "runtime"):
            assert need in resources, (rule, need)
            assert resources[need] == alone[(rule, wildcards)][need], (rule, need)  # the profile changes no need
        if resources.get("gpu") == "1":
            gpu_rules.add(rule)
            assert resources["slurm_partition"] == "gpu", rule
        else:
            assert resources["slurm_partition"] == "cpu", rule
    profile = yaml.safe_load((REPO / "profiles/slurm/config.yaml").read_text())
    assert set(profile["set-resources"]) == gpu_rules  # a GPU rule without its partition line fails here
    needs = {"mem_mb", "mem", "mem_mib", "runtime", "gpu", "gres"}
    for rule, settings in profile["set-resources"].items():
        assert not needs & set(settings), rule
    assert not needs & set(profile["default-resources"])
    local_profile = yaml.safe_load((REPO / "profiles/slurm-local/config.yaml").read_text())
    assert set(local_profile["set-resources"]) <= local  # nothing per submitted rule: no line for a new GPU rule
