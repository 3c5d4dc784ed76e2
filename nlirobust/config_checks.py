"""Configuration errors as one line that names the key path, before Snakemake plans anything.

Imported while the workflow parses: json, re and yaml only. `snakemake.utils.validate` still runs afterwards (it
fills in the schema's defaults); this module only makes the first error readable and catches what YAML hides.
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


def config_problem(config: dict, config_files: list[str | Path], schema_file: str | Path) -> str | None:
    """A repeated YAML key in any config file, else the first schema violation; None when all is well."""
    for path in config_files:
        problem = duplicate_key_problem(path)
        if problem:
            return problem
    return schema_problem(config, schema_file)


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


def workflow_problem(config: dict) -> str | None:
    """Every check that needs more than the schema (keys that must agree, models on disk, optional packages), run
    once while planning: the first problem as one `config:` line, or None. `config` has the schema's defaults."""
    from nlirobust import workflow_config
    from nlirobust.model_checks import model_name_problem

    problem = recipe_problem(config)
    if problem:
        return problem
    try:
        workflow_config.datasets(config)  # an evaluation set of an optional data set left out of data:
        for recipe in config["recipes"]:
            workflow_config.final_learning_rates(config, recipe)  # a rate mapping without a recipe
        workflow_config.retrain_attacks(config)  # retraining on an attack that is not built
    except ValueError as err:
        return str(err)
    models = [("model.name_or_path", config["model"]["name_or_path"], config["model"].get("max_length"))]
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
