"""Configuration derived from configuration: what the rules enumerate, as plain functions of the validated config.

The rules call these while Snakemake parses (so: no heavy imports here), and tests call them without starting
Snakemake. They assume a config that passed nlirobust.config_checks.check (every cross-key problem is found there).
"""

from __future__ import annotations

import re

from nlirobust.data.declared import declaration, is_declared
from nlirobust.names import (
    AMBIGUITY_SELECTIONS,
    EVALUATION_SETS,
    EXTRA_CATEGORY_FIELDS,
    OPTIONAL_DATASETS,
    RESERVED_ENCODER_NAMES,
    SPLITS,
    TWO_WAY_DATASETS,
    lr_name,
)
from nlirobust.run_paths import adversarial_id, final_id, run_id

MODEL_KINDS: tuple[str, ...] = ("initial", "final", "adversarial")
DEFAULT_MAX_LENGTH = 128


def encoder_name_of(name_or_path: str) -> str:
    """The name a lone `model:` block's encoder gets in run paths: the last part of its hub id or directory
    (google/electra-small-discriminator -> electra-small-discriminator), in the letters a name may have."""
    name = re.sub(r"[^A-Za-z0-9_-]", "-", str(name_or_path).rstrip("/").split("/")[-1]).strip("-_")
    return name if name and name not in RESERVED_ENCODER_NAMES else f"model-{name}"


def encoders(config: dict) -> list[dict]:
    """Every encoder the studies fan out over (`models:`, or the one `model:`), each complete: name,
    name_or_path, max_length, learning_rates, final_learning_rates, training (the global settings with this
    encoder's own on top) and resources (rule -> needs that differ from the rule's)."""
    entries = config.get("models") or [{"name": encoder_name_of(config["model"]["name_or_path"]), **config["model"]}]
    return [
        {
            "name": str(entry["name"]),
            "name_or_path": str(entry["name_or_path"]),
            "max_length": int(entry.get("max_length") or DEFAULT_MAX_LENGTH),
            "learning_rates": list(entry.get("learning_rates") or config["learning_rates"]),
            "final_learning_rates": entry.get("final_learning_rates") or config["mistakes"]["final_learning_rates"],
            "training": config["training"] | dict(entry.get("training") or {}),
            "resources": dict(entry.get("resources") or {}),
        }
        for entry in entries
    ]


def encoder_names(config: dict) -> list[str]:
    return [entry["name"] for entry in encoders(config)]


def learning_rates(config: dict, encoder: dict | None = None) -> list[str]:
    """The grid's learning rates as run paths name them: one encoder's (its own list, or `learning_rates`), or,
    without one, every rate any encoder uses (in order of appearance)."""
    rates = encoder["learning_rates"] if encoder else [lr for e in encoders(config) for lr in e["learning_rates"]]
    return list(dict.fromkeys(lr_name(lr) for lr in rates))


def challenge_sets(config: dict) -> list[str]:
    """The sets of Tables 1, 2 and 5-9 (`evaluation.challenge_sets`): Breaking NLI first (the mistakes study is
    built on it), then the others configured."""
    configured = config["evaluation"].get("challenge_sets") or []
    return ["breaking_nli/test"] + [s for s in configured if s != "breaking_nli/test"]


def evaluation_sets(config: dict) -> list[str]:
    """Every set each trained model is scored on: the configured ones, the challenge sets, SNLI validation and
    test for the adversarial study, and the error analysis's sets."""
    sets = list(config["evaluation"]["sets"])
    wanted = challenge_sets(config)
    if config.get("adversarial"):
        wanted += ["snli/validation", "snli/test"]
    if config.get("analysis"):
        wanted += list(config["analysis"]["sets"])
    return sets + [s for s in dict.fromkeys(wanted) if s not in sets]


def declared_sets(config: dict) -> dict[str, dict]:
    """The sets declared under `data:` (any name but a built-in one, with fields and labels), as given."""
    return {name: spec for name, spec in config["data"].items() if name not in SPLITS and is_declared(spec)}


def datasets(config: dict) -> list[str]:
    """The data sets the workflow prepares: every required one, optional ones (HANS) where `data:` names them, and
    every declared one."""
    built_in = [dataset for dataset in SPLITS if dataset not in OPTIONAL_DATASETS or dataset in config["data"]]
    return built_in + list(declared_sets(config))


def dataset_splits(config: dict, dataset: str) -> tuple[str, ...]:
    """The splits a data set provides once prepared: a built-in set's, or a declared set's one split."""
    if dataset in SPLITS:
        return SPLITS[dataset]
    return (declaration(dataset, config["data"][dataset]).split,)


def known_sets(config: dict) -> list[str]:
    """Every set a model can be scored on: the built-in ones and each declared set's <name>/<split>."""
    return list(EVALUATION_SETS) + [f"{name}/{dataset_splits(config, name)[0]}" for name in declared_sets(config)]


def two_way_sets(config: dict) -> list[str]:
    """Data sets labelled entailment / non-entailment: HANS and the declared two-way ones."""
    declared = [name for name, spec in declared_sets(config).items() if declaration(name, spec).two_way]
    return list(TWO_WAY_DATASETS) + declared


def category_fields(config: dict, dataset: str) -> tuple[str, ...]:
    """A set's category columns past `category` (HANS: subcase; a declared set: its further `categories`)."""
    if dataset in SPLITS:
        return EXTRA_CATEGORY_FIELDS.get(dataset, ())
    return declaration(dataset, config["data"][dataset]).category_columns[1:]


def in_distribution_sets(config: dict) -> list[str]:
    """Sets whose accuracy is compared before and after final tuning (does the Breaking NLI gain cost anything?)."""
    return [s for s in ("snli/validation", "mnli/validation_matched") if s in evaluation_sets(config)]


def final_learning_rates(config: dict, recipe: str, encoder: dict | None = None) -> list[str]:
    """A recipe's final learning rates: one list for all recipes (a grid), or the recipe's own list (a mapping);
    an encoder's own `final_learning_rates` where it has them."""
    rates = (encoder or {}).get("final_learning_rates") or config["mistakes"]["final_learning_rates"]
    if isinstance(rates, dict):
        rates = rates[recipe]
    return [lr if lr == "from_schedule" else lr_name(lr) for lr in rates]


def attacks(config: dict) -> list[str]:
    return list(config["adversarial"]["attacks"]) if config.get("adversarial") else []


def retrain_attacks(config: dict) -> list[str]:
    """The attacks a model is retrained on (each among the attacks built)."""
    if not config.get("adversarial"):
        return []
    return list(config["adversarial"].get("retrain_attacks", ["gradient"]))


def analysis_kinds(config: dict) -> list[str]:
    """The kinds of model the error analysis covers (adversarial ones only when that study runs)."""
    if not config.get("analysis"):
        return []
    return [k for k in config["analysis"]["models"] if k != "adversarial" or config.get("adversarial")]


def model_ids(config: dict, kinds: list[str] | tuple[str, ...] = MODEL_KINDS, encoder: str | None = None) -> list[str]:
    """Every trained model of the given kinds, as model ids (`nlirobust.run_paths`), in a fixed order: encoder by
    encoder (or the one named), initial (recipe, seed, lr), final (selection, recipe, final lr, seed, lr),
    adversarial (attack, seed, lr); each encoder over its own learning rates."""
    seeds, recipes = config["seeds"], config["recipes"]
    models = []
    for entry in encoders(config):
        name, lrs = entry["name"], learning_rates(config, entry)
        if encoder is not None and name != encoder:
            continue
        if "initial" in kinds:
            models += [run_id(name, recipe, seed, lr) for recipe in recipes for seed in seeds for lr in lrs]
        if "final" in kinds:
            models += [
                final_id(name, selection, final_lr, recipe, seed, lr)
                for selection in config["mistakes"]["selections"]
                for recipe in recipes
                for final_lr in final_learning_rates(config, recipe, entry)
                for seed in seeds
                for lr in lrs
            ]
        if "adversarial" in kinds:
            models += [
                adversarial_id(name, attack, seed, lr)
                for attack in retrain_attacks(config)
                for seed in seeds
                for lr in lrs
            ]
    return models


def low_agreement_source(config: dict) -> str:
    return config["mistakes"].get("low_agreement", {}).get("source", "chaosnli")


def training_sources(config: dict) -> dict[str, tuple[str, str]]:
    """Every data set split a model trains or tunes on, {name: (dataset, split)}: checked for leakage."""
    sources = {f"{dataset}/train": (dataset, "train") for dataset in ("snli", "mnli")}
    selections = set(config["mistakes"]["selections"]) & set(AMBIGUITY_SELECTIONS)
    if selections - {"snli_low_agreement"} or (
        "snli_low_agreement" in selections and low_agreement_source(config) == "chaosnli"
    ):
        sources |= {f"chaosnli/{part}": ("chaosnli", part) for part in SPLITS["chaosnli"]}
    return sources
