# Helpers shared by every rules file: config validation, recipe -> stage chain, paths, wildcard constraints.
# Nothing heavy is imported here: parsing the workflow must stay fast (no torch, no transformers).

import json
import os
import re
from pathlib import Path

from snakemake.utils import validate

validate(config, schema="../config/schema.yaml")

SCRIPTS = Path(workflow.basedir) / "scripts"


def script_path(name):
    """Absolute path of a command line in scripts/ (so the workflow runs from any --directory)."""
    return str(SCRIPTS / name)


# Splits every source provides once prepared (results/data/{dataset}/{split}.parquet).
SPLITS = {
    "snli": ["train", "validation", "test"],
    "mnli": ["train", "validation_matched", "validation_mismatched"],
    "breaking_nli": ["test"],
    "chaosnli": ["snli", "mnli_m"],
}
# The validation set evaluated after every epoch of a stage trained on each data set.
STAGE_VALIDATION = {"snli": "validation", "mnli": "validation_matched"}


def lr_str(lr):
    """A learning rate as it appears in paths (5e-05, 0.001)."""
    return f"{float(lr):g}"


RECIPES = list(config["recipes"])
SEEDS = [int(s) for s in config["seeds"]]
LRS = [lr_str(lr) for lr in config["learning_rates"]]
EVAL_SETS = list(config["evaluation"]["sets"])


wildcard_constraints:
    recipe="(snli|mnli)(_(snli|mnli))*",
    seed=r"\d+",
    lr=r"[0-9.e+-]+",
    dataset="|".join(SPLITS),
    split="[a-z_]+",


# ---- recipes ------------------------------------------------------------------------------------------------
def stages(recipe):
    """['snli', 'mnli'] for 'snli_mnli'."""
    return recipe.split("_")


def parent_recipe(recipe):
    """The recipe whose model a stage starts from ('snli' for 'snli_mnli'), or None for a first stage."""
    parts = stages(recipe)
    return "_".join(parts[:-1]) if len(parts) > 1 else None


def all_chains():
    """Every stage chain the configured recipes need, shared prefixes once."""
    chains = []
    for recipe in RECIPES:
        parts = stages(recipe)
        for i in range(1, len(parts) + 1):
            chain = "_".join(parts[:i])
            if chain not in chains:
                chains.append(chain)
    return chains


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


# ---- models ---------------------------------------------------------------------------------------------------
def pretrained_model():
    """Directory of the model every first stage starts from."""
    name = str(config["model"]["name_or_path"])
    if name == "embedded":
        return "resources/models/embedded"
    if Path(name).exists():
        return name
    slug = re.sub(r"[^A-Za-z0-9._-]", "--", name)
    return f"resources/models/hub/{slug}"


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


def training_flags():
    """The `training:` config block as command-line flags of scripts/train_stage.py."""
    flags = []
    for key, value in config["training"].items():
        if key == "threads" or value is None:
            continue
        flags.append(f"--{key} {value}")
    flags.append(f"--max_length {config['model']['max_length']}")
    return " ".join(flags)


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
