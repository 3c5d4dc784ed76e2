# Helpers shared by every rules file: config validation, recipe -> stage chain, paths, wildcard constraints.
# Nothing heavy is imported here: parsing the workflow must stay fast (no torch, no transformers).

import importlib.util
import json
import os
import re
import shlex
import sys
from pathlib import Path

from snakemake.utils import validate

from nlirobust.config_checks import config_problem
from nlirobust.model_checks import looks_like_a_path, model_dir_problem
from nlirobust.names import (
    ADVERSARIAL_TABLES,
    AMBIGUITY_SELECTIONS,
    ANALYSIS_TABLES,
    MISTAKE_SELECTIONS,
    MISTAKE_TABLES,
    OPTIONAL_SPLITS,
    RUN_FACT_TABLES,
    SPEED_ONLY_SETTINGS,
    SPLITS,
    STAGE_VALIDATION,
    lr_name,
)

# One line on stderr for a bad config (the key path, the YAML pitfall), then Snakemake's validation fills defaults.
_config_problem = config_problem(
    config,
    workflow.configfiles,
    Path(workflow.basedir) / "config" / "schema.yaml",
)
if _config_problem:
    sys.exit(_config_problem)
validate(config, schema="../config/schema.yaml")

SCRIPTS = Path(workflow.basedir) / "scripts"


def script_path(name):
    """Absolute path of a command line in scripts/ (so the workflow runs from any --directory)."""
    return str(SCRIPTS / name)


class Untracked:
    """A parameter that never makes Snakemake rerun a job (for speed and logging settings, which change no result).

    Snakemake's params trigger compares the values it can represent (text, numbers, containers) and skips other
    objects; the shell sees str(self). tests/test_workflow.py checks both directions (speed edit: nothing retrains;
    learning rate or epochs edit: training is planned again).
    """

    def __init__(self, text):
        self.text = text

    def __str__(self):
        return self.text


LEAKAGE = config.get("leakage", "exclude")
MIN_PAIRS = int(config.get("tables", {}).get("min_pairs", 30))
RECIPES = list(config["recipes"])
SEEDS = [int(s) for s in config["seeds"]]
LRS = [lr_name(lr) for lr in config["learning_rates"]]
EVAL_SETS = list(config["evaluation"]["sets"])
if "breaking_nli/test" not in EVAL_SETS:  # the mistaken-examples study is built on it
    EVAL_SETS.append("breaking_nli/test")
ADVERSARIAL = config.get("adversarial")
if ADVERSARIAL:  # the adversarial study compares models on both
    EVAL_SETS += [s for s in ("snli/validation", "snli/test") if s not in EVAL_SETS]
ANALYSIS = config.get("analysis")
if ANALYSIS:  # the error analysis reads these sets' predictions
    EVAL_SETS += [s for s in ANALYSIS["sets"] if s not in EVAL_SETS]


def require_installed(package, key, value):
    """A config value that needs an optional package: one clear line at parse time, not a job failing later."""
    if importlib.util.find_spec(package) is None:
        raise ValueError(
            f"config: {key}: '{value}' needs the Python package '{package}', which is not installed "
            f"(pip install {package})"
        )


if config["training"].get("report_to", "none") != "none":
    require_installed(
        config["training"]["report_to"],
        "training.report_to",
        config["training"]["report_to"],
    )
if ANALYSIS and ANALYSIS.get("llm", {}).get("backend") == "vllm":
    require_installed("vllm", "analysis.llm.backend", "vllm")


wildcard_constraints:
    recipe="(snli|mnli)(_(snli|mnli))*",
    seed=r"\d+",
    lr=r"[0-9.e+-]+",
    dataset="|".join(SPLITS),
    split="[a-z_]+",
    selection="[a-z0-9_]+",
    final_lr=r"[0-9.e+-]+|from_schedule",
    attack="gradient|random",
    # an initial run (snli/seed1/lr5e-05), a final one (final/all_epochs/final_lr2e-07/snli/seed1/lr5e-05)
    # or an adversarially retrained one (adversarial/gradient/snli/seed1/lr5e-05)
    model=r"(final/[a-z0-9_]+/final_lr[^/]+/|adversarial/(gradient|random)/)?(snli|mnli)(_(snli|mnli))*/seed\d+/lr[0-9.e+-]+",


# ---- recipes ------------------------------------------------------------------------------------------------
def stages(recipe):
    """['snli', 'mnli'] for 'snli_mnli'."""
    return recipe.split("_")


def parent_recipe(recipe):
    """The recipe whose model a stage starts from ('snli' for 'snli_mnli'), or None for a first stage."""
    parts = stages(recipe)
    return "_".join(parts[:-1]) if len(parts) > 1 else None


# ---- data sources ---------------------------------------------------------------------------------------------
def data_source(dataset):
    """('hub'|'url'|'path'|'embedded', value) for a data set, as configured."""
    spec = config["data"][dataset]
    for kind in ("embedded", "hub", "url", "path"):
        if spec.get(kind):
            return kind, spec[kind]
    raise ValueError(f"config: data.{dataset}: give one of embedded, hub, url, path")


def raw_data(dataset):
    """What `prepare_data` reads for a data set: a generated folder, a hub snapshot, a download or a path."""
    kind, value = data_source(dataset)
    if kind == "embedded":
        return f"resources/embedded/{dataset}"
    if kind == "hub":
        return f"resources/hub/{dataset}"
    if kind == "url":
        return f"resources/downloads/{dataset}"
    return value


def prepared(dataset, split):
    return f"results/data/{dataset}/{split}.parquet"


def prepared_splits(dataset):
    """The splits prepare_{dataset} writes: all of them but optional ones no evaluation set names."""
    return [
        split
        for split in SPLITS[dataset]
        if split not in OPTIONAL_SPLITS.get(dataset, ())
        or f"{dataset}/{split}" in EVAL_SETS
    ]


# ---- models ---------------------------------------------------------------------------------------------------
def model_location(name, key, embedded_dir, max_length=None):
    """Where a configured model lives: the embedded build, an existing directory, or a hub download.

    An existing directory is checked now (weights present, `max_length` within its position limit), and a name
    meant as a path that does not exist is refused, not sent to the hub."""
    name = str(name)
    if name == "embedded":
        return embedded_dir
    if Path(name).exists():
        problem = model_dir_problem(name, max_length)
        if problem:
            raise ValueError(f"config: {key}: {problem}")
        return name
    if looks_like_a_path(name):
        raise ValueError(
            f"config: {key}: '{name}' is no directory here (a local path that does not exist yet?)"
        )
    if not re.fullmatch(r"[A-Za-z0-9][\w.-]*/[\w.-]+", name):
        raise ValueError(
            f"config: {key}: '{name}' is neither an existing directory nor a hub id (owner/name)"
        )
    return f"resources/models/hub/{hub_slug(name)}"


def hub_slug(model_id):
    return re.sub(r"[^A-Za-z0-9._-]", "--", model_id)


def pretrained_model():
    """Directory of the model every first stage starts from."""
    return model_location(
        config["model"]["name_or_path"],
        "model.name_or_path",
        "resources/models/embedded",
        config["model"]["max_length"],
    )


pretrained_model()  # a bad model (missing path, no weights, too short for max_length) stops planning here


def run_dir(recipe="{recipe}", seed="{seed}", lr="{lr}"):
    return f"results/models/{recipe}/seed{seed}/lr{lr}"


def stage_input_model(wildcards):
    parent = parent_recipe(wildcards.recipe)
    if parent is None:
        return pretrained_model()
    return f"{run_dir(parent, wildcards.seed, wildcards.lr)}/model"


def stage_train_data(wildcards):
    return prepared(stages(wildcards.recipe)[-1], "train")


def stage_validation_data(wildcards):
    dataset = stages(wildcards.recipe)[-1]
    return prepared(dataset, STAGE_VALIDATION[dataset])


def scored_sets():
    """Prepared files of every evaluation set: what training pairs are checked against (`leakage`)."""
    return [prepared(*evalset.split("/")) for evalset in EVAL_SETS]


def evaluation_set_flags(model):
    """`--set NAME PAIRS OUT_PREFIX` for every evaluation set, for scripts/evaluate_model.py."""
    return " ".join(
        f"--set {e} {shlex.quote(prepared(*e.split('/')))} "
        + shlex.quote(f"results/predictions/{model}/{e}")
        for e in EVAL_SETS
    )


def evaluation_flags():
    """Options of prediction passes: bf16 changes the numbers (tracked); batch size and cache only the speed."""
    training = config["training"]
    return "--bf16" if training.get("bf16") else ""


def evaluation_speed_flags():
    """Batch size and tokenisation cache of prediction passes: untracked, so editing them reruns nothing."""
    training = config["training"]
    flags = [f"--batch-size {int(training.get('eval_batch_size', 128))}"]
    if training.get("tokenization_cache"):
        flags.append(
            f"--tokenization-cache {shlex.quote(str(training['tokenization_cache']))}"
        )
    return Untracked(" ".join(flags))


def training_flags(**overrides):
    """The result-changing part of `training:` (with `overrides`) as flags of scripts/train_stage.py."""
    flags = []
    for key, value in (config["training"] | overrides).items():
        if key in SPEED_ONLY_SETTINGS or value is None:
            continue
        flags.append(f"--{key} {shlex.quote(str(value))}")
    flags.append(f"--max_length {int(config['model']['max_length'])}")
    flags.append(f"--leakage {LEAKAGE}")
    return " ".join(flags)


def training_speed_flags():
    """The speed- and logging-only part of `training:` (SPEED_ONLY_SETTINGS but threads, which the rule sets)."""
    training = config["training"]
    flags = [
        f"--{key} {shlex.quote(str(training[key]))}"
        for key in SPEED_ONLY_SETTINGS
        if key != "threads" and training.get(key) is not None
    ]
    return Untracked(" ".join(flags))


# ---- targets --------------------------------------------------------------------------------------------------
def predictions(recipe, seed, lr, evalset, ext="parquet"):
    return f"results/predictions/{recipe}/seed{seed}/lr{lr}/{evalset}.{ext}"


def all_prediction_metrics():
    return [
        predictions(recipe, seed, lr, evalset, "json")
        for recipe in RECIPES
        for seed in SEEDS
        for lr in LRS
        for evalset in EVAL_SETS
    ]


def all_training_runs(filename):
    return [
        f"{run_dir(recipe, seed, lr)}/{filename}"
        for recipe in RECIPES
        for seed in SEEDS
        for lr in LRS
    ]


# ---- the mistaken-examples study ------------------------------------------------------------------------------
MISTAKES = config["mistakes"]
FINAL_SELECTIONS = list(MISTAKES["selections"])


def final_lrs(recipe):
    """The final learning rates of a recipe: one list for all (a grid), or the recipe's own list (a mapping)."""
    rates = MISTAKES["final_learning_rates"]
    if isinstance(rates, dict):
        if recipe not in rates:
            raise ValueError(
                f"config: mistakes.final_learning_rates: no rates for recipe '{recipe}' "
                f"(the mapping names {', '.join(rates)})"
            )
        rates = rates[recipe]
    return [lr if lr == "from_schedule" else lr_name(lr) for lr in rates]


for _recipe in RECIPES:  # a recipe missing from the mapping is refused while planning
    final_lrs(_recipe)
# Accuracy on these is compared before and after final tuning (does the Breaking NLI gain cost anything?).
IN_DISTRIBUTION_SETS = [
    s for s in ("snli/validation", "mnli/validation_matched") if s in EVAL_SETS
]


def final_dir(
    selection="{selection}",
    final_lr="{final_lr}",
    recipe="{recipe}",
    seed="{seed}",
    lr="{lr}",
):
    return f"results/models/final/{selection}/final_lr{final_lr}/{recipe}/seed{seed}/lr{lr}"


LOW_AGREEMENT = MISTAKES.get("low_agreement", {})


def ambiguity_source(wildcards):
    """The ChaosNLI part matching the recipe's last stage (SNLI pairs for SNLI, MNLI matched for MNLI), or for
    snli_low_agreement with `low_agreement.source: snli_train`, SNLI's own training pairs (5 annotator labels).
    """
    if (
        wildcards.selection == "snli_low_agreement"
        and LOW_AGREEMENT.get("source", "chaosnli") == "snli_train"
    ):
        return prepared("snli", "train")
    return prepared(
        "chaosnli", "snli" if stages(wildcards.recipe)[-1] == "snli" else "mnli_m"
    )


def final_learning_rate_flags(wildcards, input):
    """A fixed final learning rate, or `from_schedule`: the rate of the initial run's last optimizer step."""
    if wildcards.final_lr == "from_schedule":
        return f"--learning_rate_from {shlex.quote(input.initial_log)}"
    return f"--learning_rate {wildcards.final_lr}"


def _runs():
    return [
        f"{recipe}/seed{seed}/lr{lr}"
        for recipe in RECIPES
        for seed in SEEDS
        for lr in LRS
    ]


def _final_runs():
    """final/{selection}/final_lr{rate}/{recipe}/seed{seed}/lr{lr} of every final fine-tuning."""
    return [
        f"final/{selection}/final_lr{final_lr}/{recipe}/seed{seed}/lr{lr}"
        for selection in FINAL_SELECTIONS
        for recipe in RECIPES
        for final_lr in final_lrs(recipe)
        for seed in SEEDS
        for lr in LRS
    ]


def all_initial_runs(pattern, in_distribution=False):
    sets = IN_DISTRIBUTION_SETS if in_distribution else [None]
    return [
        pattern.format(run=run, evalset=evalset) for run in _runs() for evalset in sets
    ]


def all_final_runs(pattern, in_distribution=False):
    sets = IN_DISTRIBUTION_SETS if in_distribution else [None]
    return [
        pattern.format(run=run, evalset=evalset)
        for run in _final_runs()
        for evalset in sets
    ]


# ---- the adversarial study ------------------------------------------------------------------------------------
ATTACKS = list(ADVERSARIAL["attacks"]) if ADVERSARIAL else []
RETRAIN_ATTACKS = list(ADVERSARIAL["retrain_attacks"]) if ADVERSARIAL else []
if set(RETRAIN_ATTACKS) - set(ATTACKS):
    raise ValueError(
        f"config: adversarial.retrain_attacks: {sorted(set(RETRAIN_ATTACKS) - set(ATTACKS))} "
        f"not among adversarial.attacks {ATTACKS}"
    )


def attack_dir(attack="{attack}", seed="{seed}", lr="{lr}"):
    """Where the attack set built from the `snli` baseline of a seed and learning rate lives."""
    return f"results/adversarial/{attack}/snli/seed{seed}/lr{lr}"


def retrained_dir(attack="{attack}", seed="{seed}", lr="{lr}"):
    return f"results/models/adversarial/{attack}/snli/seed{seed}/lr{lr}"


def adversarial_retrain_start(wildcards):
    """The pretrained model (the baseline's recipe, repeated on more data) or the baseline itself."""
    if ADVERSARIAL["retrain_from"] == "baseline":
        return f"{run_dir('snli', wildcards.seed, wildcards.lr)}/model"
    return pretrained_model()


def attack_sets_of_model(wildcards):
    """Both parts of the attack set built from the baseline of the model's seed and learning rate."""
    seed, lr = re.search(r"seed(\d+)/lr([^/]+)$", wildcards.model).groups()
    return {
        part: f"{attack_dir(wildcards.attack, seed, lr)}/{part}.parquet"
        for part in ("train", "heldout")
    }


def adversarial_models():
    """The baseline and every retrained model, as `results/models/{model}` paths below results/models/."""
    return [
        model
        for seed in SEEDS
        for lr in LRS
        for model in [f"snli/seed{seed}/lr{lr}"]
        + [f"adversarial/{attack}/snli/seed{seed}/lr{lr}" for attack in RETRAIN_ATTACKS]
    ]


def adversarial_predictions(ext):
    """Predictions (or metrics) of every model of the study on SNLI validation/test and on every attack set."""
    sets = ["snli/validation", "snli/test"] + [
        f"attack/{attack}/{part}" for attack in ATTACKS for part in ("train", "heldout")
    ]
    return [
        f"results/predictions/{model}/{evalset}.{ext}"
        for model in adversarial_models()
        for evalset in sets
    ]


# ---- leakage between training and scored sets -----------------------------------------------------------------
# Every source a model trains or tunes on, checked against every evaluation set by `data_overlap`.
TRAINING_SOURCES = {
    f"{dataset}/train": prepared(dataset, "train") for dataset in ("snli", "mnli")
}
if set(FINAL_SELECTIONS) & {"chaosnli_max50", "chaosnli_max60"} or (
    "snli_low_agreement" in FINAL_SELECTIONS
    and LOW_AGREEMENT.get("source", "chaosnli") == "chaosnli"
):
    TRAINING_SOURCES |= {
        f"chaosnli/{part}": prepared("chaosnli", part) for part in SPLITS["chaosnli"]
    }


# ---- error analysis, LLM comparison, run facts ----------------------------------------------------------------
ANALYSIS_SETS = list(ANALYSIS["sets"]) if ANALYSIS else []
ANALYSIS_KINDS = list(ANALYSIS["models"]) if ANALYSIS else []
if "adversarial" in ANALYSIS_KINDS and not ADVERSARIAL:
    ANALYSIS_KINDS.remove(
        "adversarial"
    )  # no adversarial study configured, so no such models


LLM = (ANALYSIS or {}).get("llm")  # optional: without it the LLM rules are skipped


def llm_model():
    return model_location(
        LLM["model"], "analysis.llm.model", "resources/models/embedded_llm"
    )


def llm_predictions_of(dataset, split):
    """The LLM's answers on a set, or nothing when no LLM is configured."""
    return [f"results/analysis/llm/{dataset}/{split}.parquet"] if LLM else []


# Every hub model the workflow may download (the classifier and the LLM), by the folder name it lands in.
HUB_MODELS = {
    hub_slug(name): name
    for name in [config["model"]["name_or_path"]] + ([LLM["model"]] if LLM else [])
    if re.fullmatch(r"[A-Za-z0-9][\w.-]*/[\w.-]+", str(name))
    and not Path(name).exists()
}


def all_models_of(kinds):
    """Model paths below results/models/ of the given kinds (initial, final, adversarial)."""
    models = []
    if "initial" in kinds:
        models += _runs()
    if "final" in kinds:
        models += _final_runs()
    if "adversarial" in kinds and ADVERSARIAL:
        models += [
            f"adversarial/{attack}/snli/seed{seed}/lr{lr}"
            for attack in RETRAIN_ATTACKS
            for seed in SEEDS
            for lr in LRS
        ]
    return models


def analysis_outputs(pattern):
    return [
        pattern.format(model=model, evalset=evalset)
        for model in all_models_of(ANALYSIS_KINDS)
        for evalset in ANALYSIS_SETS
    ]
