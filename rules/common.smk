# Helpers shared by several rules files: the config check, recipe -> stage chain, prepared files, the run
# enumeration, leakage lists and the flags of the training and prediction commands. Paths come from
# nlirobust/run_paths.py, derived config from nlirobust/workflow_config.py; helpers of one rules file live in
# rules/helpers/<that file>.smk (data sources and model locations: helpers/data.smk).
# Nothing heavy is imported here: parsing the workflow must stay fast (no torch, no transformers).

import functools
import json
import os
import re
import shlex
import sys
from pathlib import Path

from nlirobust.config_checks import check
from nlirobust.provenance import file_digest
from nlirobust.names import (
    ADVERSARIAL_TABLES,
    EMBEDDED_ENCODERS,
    AMBIGUITY_SELECTIONS,
    ANALYSIS_TABLES,
    DYNAMICS_SELECTIONS,
    DYNAMICS_TABLES,
    MISTAKE_SELECTIONS,
    CHALLENGE_TABLES,
    MISTAKE_TABLES,
    OPTIONAL_SPLITS,
    RUN_FACT_TABLES,
    SPEED_ONLY_SETTINGS,
    SPLITS,
    STAGE_VALIDATION,
)
from nlirobust.run_paths import (
    RUN_CACHE,
    ENCODER_PATTERN,
    ATTACK_PATTERN,
    FINAL_LR_PATTERN,
    LR_PATTERN,
    MODEL_PATTERN,
    NON_FINAL_MODEL_PATTERN,
    RECIPE_PATTERN,
    SEED_PATTERN,
    SELECTION_PATTERN,
    adversarial_id,
    attack_dir,
    checkpoint_dir,
    final_id,
    leakage_file,
    llm_file,
    figures_dir,
    model_dir,
    parse_run,
    predictions_file,
    run_id,
    tables_dir,
)
from nlirobust.workflow_config import (
    analysis_kinds,
    attacks,
    category_fields,
    challenge_sets,
    dataset_splits,
    datasets,
    declared_sets,
    encoders,
    evaluation_sets,
    final_learning_rates,
    in_distribution_sets,
    learning_rates,
    low_agreement_source,
    model_ids,
    retrain_attacks,
    training_sources,
    two_way_sets,
)

# Every check of the config, once, before anything is planned: the first problem as one line on stderr.
_config_problem = check(config, workflow.configfiles, Path(workflow.basedir) / "config" / "schema.yaml")
if _config_problem:
    sys.exit(_config_problem)


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


SCRIPTS = Path(workflow.basedir) / "scripts"


def script_path(name):
    """Absolute path of a command line in scripts/ (so the workflow runs from any --directory). Untracked: moving
    the checkout or renaming a script changes no result, so it reruns nothing (an edit of the code does not either;
    `--forcerun` the rule after one)."""
    return Untracked(str(SCRIPTS / name))


def attempts(amount):
    """A job's need (memory in MB, runtime in minutes) for its first attempt, grown with each retry (`retries:`).
    The one home of what a job needs: the rules declare it, the SLURM profile says only where jobs run.
    """
    return lambda wildcards, attempt: amount * attempt


def encoder_attempts(rule_name, need, amount):
    """`attempts` for a job of one encoder: the rule's amount, or the encoder's own (`models[].resources`)."""
    return (
        lambda wildcards, attempt: ENCODERS[encoder_of(wildcards)]["resources"].get(rule_name, {}).get(need, amount)
        * attempt
    )


LEAKAGE = config.get("leakage", "exclude")
MIN_PAIRS = int(config.get("tables", {}).get("min_pairs", 30))
RECIPES = list(config["recipes"])
SEEDS = [int(s) for s in config["seeds"]]
ENCODERS = {entry["name"]: entry for entry in encoders(config)}  # `models:` (or the one `model:`), complete
LRS = {name: learning_rates(config, entry) for name, entry in ENCODERS.items()}  # each encoder's own grid
EVAL_SETS = evaluation_sets(config)
DATASETS = datasets(config)  # the prepared data sets: every required one, optional ones (HANS) if configured
ADVERSARIAL = config.get("adversarial")
ANALYSIS = config.get("analysis")
LLM = (ANALYSIS or {}).get("llm")  # optional: without it the LLM rules are skipped


wildcard_constraints:
    encoder="|".join(re.escape(name) for name in ENCODERS),
    recipe=RECIPE_PATTERN,
    seed=SEED_PATTERN,
    lr=LR_PATTERN,
    dataset="|".join(DATASETS),
    split="[a-z][a-z0-9_]*",
    selection=SELECTION_PATTERN,
    final_lr=FINAL_LR_PATTERN,
    attack=ATTACK_PATTERN,
    # a model id (nlirobust/run_paths.py): initial, final or adversarially retrained
    model=MODEL_PATTERN,


# ---- recipes ------------------------------------------------------------------------------------------------
def stages(recipe):
    """['snli', 'mnli'] for 'snli_mnli'."""
    return recipe.split("_")


def parent_recipe(recipe):
    """The recipe whose model a stage starts from ('snli' for 'snli_mnli'), or None for a first stage."""
    parts = stages(recipe)
    return "_".join(parts[:-1]) if len(parts) > 1 else None


def prepared(dataset, split):
    return f"results/data/{dataset}/{split}.parquet"


# ---- runs -----------------------------------------------------------------------------------------------------
def encoder_of(wildcards):
    """The encoder a job belongs to: its `encoder` wildcard, or the first part of its model id."""
    return wildcards.encoder if "encoder" in wildcards.keys() else parse_run(wildcards.model).encoder


def run_dir(encoder="{encoder}", recipe="{recipe}", seed="{seed}", lr="{lr}"):
    """results/models/{encoder}/{recipe}/seed{seed}/lr{lr} (wildcards by default)."""
    return model_dir(run_id(encoder, recipe, seed, lr))


def stage_input_model(wildcards):
    parent = parent_recipe(wildcards.recipe)
    if parent is None:
        return pretrained_model(wildcards.encoder)
    return f"{run_dir(wildcards.encoder, parent, wildcards.seed, wildcards.lr)}/model"


def stage_train_data(wildcards):
    return prepared(stages(wildcards.recipe)[-1], "train")


def stage_validation_data(wildcards):
    dataset = stages(wildcards.recipe)[-1]
    return prepared(dataset, STAGE_VALIDATION[dataset])


def scored_sets():
    """Prepared files of every evaluation set: what training pairs are checked against (`leakage`)."""
    return [prepared(*evalset.split("/")) for evalset in EVAL_SETS]


def leakage_input(source, run_json):
    """A training job's leakage list (the pairs scored sets share with its `source`, written by data_overlap).

    Ancient: data_overlap runs again whenever a scored set is added, and a list that did not change must not
    retrain anything. A list whose content differs from the one the finished run trained with (its run.json
    `leakage_list_digest`) is given plainly: newer than the run's outputs, it retrains exactly that run.
    """
    path = leakage_file(source)
    if Path(run_json).exists() and Path(path).exists():
        recorded = json.loads(Path(run_json).read_text()).get("leakage_list_digest")
        if recorded is not None and recorded != leakage_digest(path):
            return path
    return ancient(path)


@functools.cache
def leakage_digest(path):
    """A leakage list's digest, read once per planning (every run of a source compares with it)."""
    return file_digest(path)


def evaluation_set_flags(model):
    """`--set NAME PAIRS OUT_PREFIX` for every evaluation set, for scripts/evaluate_model.py."""
    return " ".join(
        f"--set {e} {shlex.quote(prepared(*e.split('/')))} "
        + shlex.quote(predictions_file(model, e).removesuffix(".parquet"))
        for e in EVAL_SETS
    )


def evaluation_flags(encoder):
    """Options of an encoder's prediction passes: its max_length and bf16 change the numbers (tracked); batch size
    and cache only the speed. The declared two-way sets are named (HANS is known to the code: a config without
    such a set passes nothing new)."""
    training = ENCODERS[encoder]["training"]
    declared_two_way = [name for name in two_way_sets(config) if name in declared_sets(config)]
    flags = [f"--max-length {ENCODERS[encoder]['max_length']}"] + (["--bf16"] if training.get("bf16") else [])
    if declared_two_way:
        flags.append("--two-way-sets " + " ".join(declared_two_way))
    return " ".join(flags)


def evaluation_speed_flags(encoder):
    """Batch size and tokenisation cache of prediction passes: untracked, so editing them reruns nothing."""
    training = ENCODERS[encoder]["training"]
    flags = [f"--batch-size {int(training.get('eval_batch_size', 128))}"]
    if training.get("tokenization_cache"):
        flags.append(f"--tokenization-cache {shlex.quote(str(training['tokenization_cache']))}")
    return Untracked(" ".join(flags))


def training_flags(encoder, **overrides):
    """The result-changing part of an encoder's `training:` (with `overrides`) as flags of scripts/train_stage.py."""
    flags = []
    for key, value in (ENCODERS[encoder]["training"] | overrides).items():
        if key in SPEED_ONLY_SETTINGS or value is None:
            continue
        flags.append(f"--{key} {shlex.quote(str(value))}")
    flags.append(f"--max_length {int(ENCODERS[encoder]['max_length'])}")
    flags.append(f"--encoder {encoder} --encoder_name_or_path {shlex.quote(ENCODERS[encoder]['name_or_path'])}")
    flags.append(f"--leakage {LEAKAGE}")
    return " ".join(flags)


def train_command(learning_rate="--learning_rate {wildcards.lr}", extra=""):
    """The shell command shared by train_stage, final_tune and retrain_adversarial: the same inputs, params and
    log names, so the three differ only in what they pass here."""
    return (
        "python {params.script:q} --model_in {input.model:q} --train_file {input.train:q} "
        "--validation_file {input.validation:q} --leakage_list {input.leakage:q} "
        "--output_dir {params.out_dir:q} --checkpoint_dir {params.checkpoints:q} --seed {wildcards.seed} "
        f"{learning_rate} --threads {{threads}} {{params.flags}} {{params.speed}} {extra}"
    ).rstrip()


def training_speed_flags(encoder):
    """The speed- and logging-only part of an encoder's `training:` (SPEED_ONLY_SETTINGS but threads, which the
    rule sets)."""
    training = ENCODERS[encoder]["training"]
    flags = [
        f"--{key} {shlex.quote(str(training[key]))}"
        for key in SPEED_ONLY_SETTINGS
        if key != "threads" and training.get(key) is not None
    ]
    return Untracked(" ".join(flags))


# ---- every run ------------------------------------------------------------------------------------------------
def models_of(kinds, encoder=None):
    """Model ids of the given kinds (initial, final, adversarial), of every encoder or the one named: the one
    enumeration of the grid."""
    return model_ids(config, kinds, encoder)


def all_prediction_metrics(encoder):
    return [
        predictions_file(model, evalset, "json") for model in models_of(["initial"], encoder) for evalset in EVAL_SETS
    ]


def all_training_runs(filename, encoder):
    return [f"{model_dir(model)}/{filename}" for model in models_of(["initial"], encoder)]
