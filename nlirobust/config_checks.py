"""Configuration errors as one line that names the key path, before Snakemake plans anything.

Imported while the workflow parses: json, re and yaml only. `check` is the one entry point the workflow calls:
YAML pitfalls and the schema (as one readable line), then Snakemake's own validation (which fills in the schema's
defaults), then every check across keys, of models on disk and of optional packages.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

# YAML 1.1 (PyYAML) reads 5e-5 and 1e3 as text: a float needs a dot (5.0e-5).
_NUMBER_AS_TEXT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


class _UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader that refuses a key given twice in one mapping (PyYAML silently keeps the last)."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key '{key}' appears twice (first on line {seen[key] + 1})", key_node.start_mark
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def duplicate_key_problem(path: str | Path) -> str | None:
    """'config: file:LINE: key 'x' appears twice ...' for a YAML file with a repeated key, else None."""
    try:
        yaml.load(Path(path).read_text(), Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.constructor.ConstructorError as err:
        return f"config: {path}:{err.problem_mark.line + 1}: {err.problem}"
    except (OSError, yaml.YAMLError):
        return None  # Snakemake reports unreadable files itself
    return None


def key_path(parts) -> str:
    """training.batch_size, learning_rates[0], mistakes.final_learning_rates.snli[1]."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def schema_problem(config: dict, schema_file: str | Path) -> str | None:
    """The first violation of the schema as one line, or None."""
    import jsonschema

    schema = yaml.safe_load(Path(schema_file).read_text())
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: (len(e.absolute_path), list(map(str, e.path))))
    if not errors:
        return None
    error = jsonschema.exceptions.best_match(errors)
    # inside a oneOf/anyOf the most specific reason is the deepest one
    while error.context:
        error = max(error.context, key=lambda e: len(e.absolute_path))
    where = key_path(error.absolute_path)
    value = error.instance
    if isinstance(value, str) and _NUMBER_AS_TEXT.match(value):
        mantissa, _, exponent = value.lower().partition("e")
        written = (mantissa if "." in mantissa else f"{mantissa}.0") + (f"e{exponent}" if exponent else "")
        return f"config: {where}: '{value}' is text (YAML reads it so); write {written}"
    if error.validator == "additionalProperties" and isinstance(value, dict):
        known = error.schema.get("properties", {})
        unknown = sorted(k for k in value if k not in known)
        where = "" if not error.absolute_path else f" in {where}"
        return f"config: unknown key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}{where} " + (
            f"(known: {', '.join(known)})"
        )
    return f"config: {where}: {error.message}"


def data_names_problem(config: dict) -> str | None:
    """A `data:` entry that is neither a built-in set's source nor a declaration (a typo such as `snil`), or a
    declaration under a built-in set's name."""
    from nlirobust.data.declared import is_declared
    from nlirobust.names import SPLITS

    data = config.get("data")
    if not isinstance(data, dict):
        return None
    for name, spec in data.items():
        if name == "conflicting_duplicates":
            continue
        if name in SPLITS and is_declared(spec):
            return (
                f"config: data.{name}: '{name}' is a built-in set (its loader reads it); declare yours under another "
                "name, or give only its source (path, url, hub or embedded)"
            )
        if name not in SPLITS and not is_declared(spec):
            return (
                f"config: data.{name}: not a built-in set ({', '.join(SPLITS)}); to declare an evaluation set, give "
                "its source, `fields` and `labels` (README: Any evaluation set)"
            )
    return None


def config_problem(config: dict, config_files: list[str | Path], schema_file: str | Path) -> str | None:
    """A repeated YAML key in any config file, a `data:` name that is neither built in nor declared, else the first
    schema violation; None when all is well."""
    for path in config_files:
        problem = duplicate_key_problem(path)
        if problem:
            return problem
    return data_names_problem(config) or schema_problem(config, schema_file) or encoders_problem(config, schema_file)


def encoders_problem(config: dict, schema_file: str | Path) -> str | None:
    """`model:` and `models:` both or neither; an encoder name given twice or one results/ uses for a folder; an
    encoder's `training:` override that the `training:` block's schema refuses (unknown key, wrong type)."""
    import jsonschema

    from nlirobust.names import RESERVED_ENCODER_NAMES

    if ("model" in config) == ("models" in config):
        return "config: give `model:` (one encoder) or `models:` (a list of encoders), not " + (
            "both" if "model" in config else "neither"
        )
    seen: set[str] = set()
    for i, entry in enumerate(config.get("models") or []):
        name = entry["name"]
        if name in seen:
            return f"config: models[{i}].name: '{name}' is given twice"
        if name in RESERVED_ENCODER_NAMES:
            return (
                f"config: models[{i}].name: '{name}' names a folder of results/ beside the encoders' "
                f"({', '.join(RESERVED_ENCODER_NAMES)}); choose another"
            )
        seen.add(name)
        training = yaml.safe_load(Path(schema_file).read_text())["properties"]["training"]
        overrides = {k: v for k, v in training.items() if k != "required"}
        for error in jsonschema.Draft202012Validator(overrides).iter_errors(entry.get("training") or {}):
            where = key_path(["models", i, "training", *error.absolute_path])
            if error.validator == "additionalProperties":
                unknown = sorted(set(error.instance) - set(training["properties"]))
                return f"config: unknown key {unknown[0]!r} in {where} (known: {', '.join(training['properties'])})"
            return f"config: {where}: {error.message}"
    return None


def recipe_problem(config: dict) -> str | None:
    """A recipe that trains on one data set twice (`snli_snli`, likely a typo for snli_mnli), unless the config
    says `allow_repeated_stages: true`."""
    import difflib

    from nlirobust.names import REFERENCE_RECIPES

    if config.get("allow_repeated_stages"):
        return None
    for i, recipe in enumerate(config["recipes"]):
        stages = recipe.split("_")
        repeated = sorted({s for s in stages if stages.count(s) > 1})
        if repeated:
            # the reference recipe of the same length that starts where this one starts (snli_snli: snli_mnli)
            same_start = [
                r for r in REFERENCE_RECIPES if r.split("_")[0] == stages[0] and r.count("_") == len(stages) - 1
            ]
            nearest = difflib.get_close_matches(recipe, same_start or REFERENCE_RECIPES, n=1, cutoff=0)[0]
            return (
                f"config: recipes[{i}]: '{recipe}' trains on {', '.join(repeated)} more than once; did you mean "
                f"'{nearest}'? (set allow_repeated_stages: true to train it as written)"
            )
    return None


def _installed(package: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(package) is not None


def optional_dataset_problem(config: dict) -> str | None:
    """An evaluation set of an optional data set (HANS) that `data:` leaves out."""
    from nlirobust.names import OPTIONAL_DATASETS
    from nlirobust.workflow_config import evaluation_sets

    for evaluation_set in evaluation_sets(config):
        dataset = evaluation_set.split("/")[0]
        if dataset in OPTIONAL_DATASETS and dataset not in config["data"]:
            key = next(
                (
                    f"evaluation.{key}"
                    for key in ("sets", "challenge_sets")
                    if evaluation_set in config["evaluation"].get(key, [])
                ),
                "analysis.sets",
            )
            return (
                f"config: {key} names {evaluation_set}, but data.{dataset} is not configured "
                f"(give data.{dataset}: {{embedded: true}}, a url, a hub id or a path)"
            )
    return None


def declared_sets_problem(config: dict) -> str | None:
    """Each declared set's own problems (nlirobust.data.declared.declaration_problem: labels, fields, and the first
    lines of a local file)."""
    from nlirobust.data.declared import declaration_problem
    from nlirobust.workflow_config import declared_sets

    for name, spec in declared_sets(config).items():
        problem = declaration_problem(name, spec)
        if problem:
            return problem
    return None


def set_names_problem(config: dict) -> str | None:
    """A set in evaluation.sets, evaluation.challenge_sets or analysis.sets that is neither built in nor declared;
    a two-way or built-in-only set where only three-way sets are analysed."""
    from nlirobust.names import ANALYSIS_SETS, EVALUATION_SETS
    from nlirobust.workflow_config import declared_sets, known_sets, two_way_sets

    known = known_sets(config)
    declared = known[len(EVALUATION_SETS) :]
    keys = [("evaluation", "sets"), ("evaluation", "challenge_sets"), ("analysis", "sets")]
    for section, key in keys:
        for i, name in enumerate((config.get(section) or {}).get(key) or []):
            if name not in known:
                return (
                    f"config: {section}.{key}[{i}]: '{name}' is not a known set (built in: "
                    f"{', '.join(EVALUATION_SETS)}; declared: {', '.join(declared) or 'none'})"
                )
            dataset = name.split("/")[0]
            if (
                section == "analysis"
                and name not in ANALYSIS_SETS
                and (dataset not in declared_sets(config) or dataset in two_way_sets(config))
            ):
                return (
                    f"config: analysis.sets[{i}]: '{name}': the error analysis reads three-way sets (SNLI, MNLI, "
                    "Breaking NLI or a declared three-way set)"
                )
    return None


def final_rates_problem(config: dict) -> str | None:
    """A mapping of final learning rates per recipe (the study's or an encoder's) that leaves a recipe out."""
    mappings = [("mistakes.final_learning_rates", config["mistakes"]["final_learning_rates"])]
    mappings += [
        (f"models[{i}].final_learning_rates", entry.get("final_learning_rates"))
        for i, entry in enumerate(config.get("models") or [])
    ]
    for key, rates in mappings:
        if not isinstance(rates, dict):
            continue
        for recipe in config["recipes"]:
            if recipe not in rates:
                return f"config: {key}: no rates for recipe '{recipe}' (the mapping names {', '.join(rates)})"
    return None


def retrain_attacks_problem(config: dict) -> str | None:
    """Retraining on an attack that is not built."""
    from nlirobust.workflow_config import attacks, retrain_attacks

    missing = sorted(set(retrain_attacks(config)) - set(attacks(config)))
    if missing:
        return f"config: adversarial.retrain_attacks: {missing} not among adversarial.attacks {attacks(config)}"
    return None


def workflow_problem(config: dict) -> str | None:
    """Every check that needs more than the schema (keys that must agree, models on disk, optional packages): the
    first problem as one `config:` line, or None. `config` has the schema's defaults."""
    from nlirobust.model_checks import model_name_problem

    cross_key_checks = (
        recipe_problem,
        declared_sets_problem,
        optional_dataset_problem,
        set_names_problem,
        final_rates_problem,
        retrain_attacks_problem,
    )
    for cross_key_check in cross_key_checks:
        problem = cross_key_check(config)
        if problem:
            return problem
    from nlirobust.workflow_config import encoders

    models = [
        ("model.name_or_path" if "model" in config else f"models[{i}].name_or_path", e["name_or_path"], e["max_length"])
        for i, e in enumerate(encoders(config))
    ]
    llm = (config.get("analysis") or {}).get("llm")
    if llm:
        models.append(("analysis.llm.model", llm["model"], None))
    for key, name, max_length in models:
        problem = model_name_problem(name, key, max_length)
        if problem:
            return problem
    tracker = config["training"].get("report_to", "none")
    optional = [("training.report_to", tracker, tracker)] if tracker != "none" else []
    if llm and llm.get("backend") == "vllm":
        optional.append(("analysis.llm.backend", "vllm", "vllm"))
    for key, value, package in optional:
        if not _installed(package):
            return (
                f"config: {key}: '{value}' needs the Python package '{package}', which is not installed "
                f"(pip install {package})"
            )
    return None


def check(config: dict, config_files: list[str | Path], schema_file: str | Path) -> str | None:
    """Every check of a configuration, in order, once: the first problem as one `config:` line, or None.

    Snakemake's `validate` runs between the readable schema check and the cross-key checks: it fills `config`
    with the schema's defaults in place, which the cross-key checks and every rule then read.
    """
    from snakemake.utils import validate

    problem = config_problem(config, config_files, schema_file)
    if problem:
        return problem
    validate(config, schema=str(schema_file))
    return workflow_problem(config)
