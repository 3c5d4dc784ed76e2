"""Every enumeration is defined once (nlirobust/names.py): the schema's enums, the wildcard patterns and the command
lines' choices are those lists. Adding a selection, an attack or a data set is one line there, and this test says
which other place still differs."""

import re
import subprocess
import sys

import yaml
from workflow_helpers import REPO

from nlirobust import names
from nlirobust.run_paths import ATTACK_PATTERN, RECIPE_PATTERN, SELECTION_PATTERN

SCHEMA = yaml.safe_load((REPO / "config/schema.yaml").read_text())["properties"]


def enum(*path: str) -> list:
    node = SCHEMA
    for key in path:
        node = node["properties"][key] if "properties" in node else node[key]
    node = node.get("items", node)
    return list(node["enum"])


def test_the_schemas_enums_are_the_names_lists():
    assert enum("mistakes", "selections") == list(names.SELECTIONS)
    assert enum("adversarial", "attacks") == list(names.ATTACKS)
    assert enum("adversarial", "retrain_attacks") == list(names.ATTACKS)
    assert enum("adversarial", "retrain_from") == list(names.RETRAIN_FROM)
    assert enum("analysis", "models") == list(names.MODEL_KINDS)
    assert enum("analysis", "llm", "backend") == list(names.LLM_BACKENDS)
    assert enum("training", "mistake_record") == list(names.MISTAKE_RECORDS)
    assert enum("training", "report_to") == list(names.TRACKERS)
    assert enum("data", "conflicting_duplicates") == list(names.CONFLICT_ACTIONS)
    assert enum("mistakes", "low_agreement", "source") == list(names.LOW_AGREEMENT_SOURCES)
    assert list(SCHEMA["leakage"]["enum"]) == list(names.LEAKAGE_ACTIONS)
    assert set(SCHEMA["data"]["properties"]) - {"conflicting_duplicates"} == set(names.SPLITS)
    stages = "|".join(names.STAGE_DATASETS)
    assert SCHEMA["recipes"]["items"]["pattern"] == f"^({stages})(_({stages}))*$"
    for evaluation_set in names.EVALUATION_SETS:
        dataset, split = evaluation_set.split("/")
        assert split in names.SPLITS[dataset], evaluation_set
    # set names are open (a declared set adds its own): the schema checks their shape, config_checks the list
    for key in (("evaluation", "sets"), ("evaluation", "challenge_sets"), ("analysis", "sets")):
        node = SCHEMA[key[0]]["properties"][key[1]]["items"]
        assert node == {"$ref": "#/definitions/set_name"}, key
    assert set(names.CHALLENGE_SETS) <= set(names.EVALUATION_SETS) and set(names.ANALYSIS_SETS) <= set(
        names.EVALUATION_SETS
    )


def test_sets_outside_the_names_lists_are_refused_unless_declared():
    from nlirobust.config_checks import set_names_problem

    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    assert set_names_problem(config) is None
    config["evaluation"]["challenge_sets"] = list(names.CHALLENGE_SETS) + ["snli/train"]
    assert set_names_problem(config).startswith("config: evaluation.challenge_sets[2]: 'snli/train' is not a known")
    config["evaluation"]["challenge_sets"] = list(names.CHALLENGE_SETS)
    config["analysis"]["sets"] = list(names.ANALYSIS_SETS) + ["hans/test"]
    assert "the error analysis reads three-way sets" in set_names_problem(config)


def test_wildcard_patterns_match_exactly_the_names():
    for pattern, values in ((SELECTION_PATTERN, names.SELECTIONS), (ATTACK_PATTERN, names.ATTACKS)):
        for value in values:
            assert re.fullmatch(pattern, value), value
        assert not re.fullmatch(pattern, "not_a_" + values[0])
    for recipe in names.REFERENCE_RECIPES:
        assert re.fullmatch(RECIPE_PATTERN, recipe)
    assert not re.fullmatch(RECIPE_PATTERN, "snli_")


def test_command_line_choices_are_the_names_lists():
    def choices(script: str, flag: str) -> list[str]:
        text = subprocess.run([sys.executable, str(REPO / "scripts" / script), "--help"], capture_output=True,
                              text=True, check=True).stdout  # fmt: skip
        found = re.search(rf"{flag} \{{([^}}]+)\}}", text)
        return found[1].split(",")

    assert choices("select_examples.py", "--rule") == list(names.SELECTIONS)
    assert choices("attack_baseline.py", "--method") == list(names.ATTACKS)
    assert choices("data_overlap.py", "--leakage") == list(names.LEAKAGE_ACTIONS)
    assert choices("prepare_data.py", "--conflicting-duplicates") == list(names.CONFLICT_ACTIONS)


# Rules that are another instance of one job kind run that kind's script (README "Layout").
JOB_KIND_SCRIPTS = {
    "final_tune": "train_stage.py",
    "retrain_adversarial": "train_stage.py",
    "evaluate_attack_set": "evaluate_model.py",
    "select_mistakes": "select_examples.py",
    "select_ambiguous": "select_examples.py",
    "download_hub_dataset": "download.py",
    "download_url": "download.py",
    "download_model": "download.py",
    "prepare_{dataset}": "prepare_data.py",
}
# Command lines a person runs, not a rule.
TOOLS = {"_cli.py", "job_costs.py", "kill_resume_drill.py"}


def rule_scripts() -> dict[str, str]:
    """{rule name: the script its `script=` param names}, from the rules' text."""
    found = {}
    for path in sorted((REPO / "rules").glob("*.smk")):
        text = path.read_text()
        blocks = re.split(r"^\s*rule(?: (\w+))?:\s*$", text, flags=re.M)
        for name, body in zip(blocks[1::2], blocks[2::2], strict=True):
            if name is None:  # a rule made in a loop: `name: f"prepare_{_dataset}"`
                name = re.search(r'name:\s*f?"([^"]+)"', body).group(1).replace("{_dataset}", "{dataset}")
            script = re.search(r'script=script_path\("([\w.]+)"\)', body)
            if script:
                found[name] = script.group(1)
    return found


def test_each_rule_runs_the_script_named_for_it():
    scripts = rule_scripts()
    assert len(scripts) > 30
    wrong = {
        rule: script
        for rule, script in scripts.items()
        if script != JOB_KIND_SCRIPTS.get(rule, f"{rule}.py") and script != f"{rule}.py"
    }
    assert wrong == {}, "rule X runs scripts/X.py (or its job kind's script, JOB_KIND_SCRIPTS)"
    on_disk = {path.name for path in (REPO / "scripts").glob("*.py")}
    assert set(scripts.values()) <= on_disk
    assert on_disk - TOOLS - set(scripts.values()) == set(), "a script no rule runs"


def test_report_is_the_name_of_the_report_alone():
    modules = {path.stem for path in (REPO / "nlirobust").rglob("*.py")}
    assert {m for m in modules if "report" in m} == {"report"}
