"""Loading any NLI classifier (a local directory or hub id) for fine-tuning or prediction."""

from __future__ import annotations

from pathlib import Path

from nlirobust.labels import ID2LABEL, LABEL2ID, NUM_LABELS


def load_classifier(name_or_path: str | Path):
    """(model, tokenizer) for 3-way NLI from a local directory or hub id; a new head is added if it has none."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from nlirobust.data.schema import DataFormatError
    from nlirobust.model_checks import model_dir_problem

    if Path(name_or_path).is_dir() and (problem := model_dir_problem(name_or_path)):
        raise DataFormatError(problem)  # one line, not a traceback from deep inside from_pretrained
    tokenizer = AutoTokenizer.from_pretrained(str(name_or_path))
    model = AutoModelForSequenceClassification.from_pretrained(
        str(name_or_path), num_labels=NUM_LABELS, id2label=ID2LABEL, label2id=LABEL2ID
    )
    return model, tokenizer
