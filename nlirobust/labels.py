"""The one label convention used everywhere (as in HF `snli` and `glue/mnli`)."""

LABEL_NAMES: tuple[str, str, str] = ("entailment", "neutral", "contradiction")
NUM_LABELS = len(LABEL_NAMES)
ID2LABEL: dict[int, str] = dict(enumerate(LABEL_NAMES))
LABEL2ID: dict[str, int] = {name: i for i, name in enumerate(LABEL_NAMES)}

# Spellings found in the real files: full words (SNLI/MNLI/Breaking NLI) and single letters (ChaosNLI).
_LABEL_SPELLINGS: dict[str, int] = {
    **LABEL2ID,
    "e": 0,
    "n": 1,
    "c": 2,
}


def label_to_id(value: object) -> int:
    """Map a label string ("entailment", "e", ...) or an integer-like value to 0/1/2; raise ValueError otherwise."""
    if isinstance(value, str):
        key = value.strip().lower()
        if key in _LABEL_SPELLINGS:
            return _LABEL_SPELLINGS[key]
        if key.lstrip("-").isdigit():
            value = int(key)
        else:
            raise ValueError(f"unknown label {value!r}; expected one of {', '.join(LABEL_NAMES)} or 0/1/2")
    if isinstance(value, bool) or value is None:
        raise ValueError(f"unknown label {value!r}; expected one of {', '.join(LABEL_NAMES)} or 0/1/2")
    if not isinstance(value, int):
        try:
            as_int = int(value)  # numpy integers, floats such as 1.0 from CSV
        except (TypeError, ValueError):
            raise ValueError(f"unknown label {value!r}; expected one of {', '.join(LABEL_NAMES)} or 0/1/2") from None
        if as_int != value:
            raise ValueError(f"label {value!r} is not an integer")
        value = as_int
    if value not in ID2LABEL:
        raise ValueError(f"label {value} out of range; expected 0 (entailment), 1 (neutral) or 2 (contradiction)")
    return value
