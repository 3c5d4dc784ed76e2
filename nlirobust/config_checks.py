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
