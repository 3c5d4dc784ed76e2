"""Loading any NLI classifier (a local directory or hub id) for fine-tuning or prediction."""

from __future__ import annotations

from pathlib import Path

from nlirobust.labels import ID2LABEL, LABEL2ID, NUM_LABELS


def head_order(id2label: dict) -> list[int] | None:
    """For a head trained on the three NLI labels in another order, the head row of each project label
    (entailment, neutral, contradiction); None when the head is already in the project's order or untrained."""
    names = {int(k): str(v).lower() for k, v in (id2label or {}).items()}
    if len(names) != NUM_LABELS or set(names.values()) != set(LABEL2ID):
        return None
    order = [next(i for i, n in names.items() if n == label) for label in ID2LABEL.values()]
    return None if order == list(range(NUM_LABELS)) else order


def load_classifier(name_or_path: str | Path):
    """(model, tokenizer) for 3-way NLI from a local directory or hub id; a new head is added if it has none.

    A head trained on the NLI labels in another order (contradiction=0, as several public MNLI checkpoints have)
    is permuted to the project's order (0 entailment, 1 neutral, 2 contradiction), with one info line, and
    `model.nlirobust_head_permuted_from` says what it was; other labels are refused. A tokenizer far smaller than
    the model's vocabulary (tokenizer files missing: transformers then builds an empty one) is refused too.
    """
    import logging

    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

    from nlirobust.data.schema import DataFormatError
    from nlirobust.model_checks import label_problem, model_dir_problem

    if Path(name_or_path).is_dir() and (problem := model_dir_problem(name_or_path)):
        raise DataFormatError(problem)  # one line, not a traceback from deep inside from_pretrained
    config = AutoConfig.from_pretrained(str(name_or_path))
    problem = label_problem(config.to_dict(), str(name_or_path))
    if problem:
        raise DataFormatError(problem)
    order = head_order(config.id2label)
    tokenizer = AutoTokenizer.from_pretrained(str(name_or_path))
    vocab_size = getattr(config, "vocab_size", None)
    if vocab_size and len(tokenizer) < 0.5 * vocab_size:
        raise DataFormatError(
            f"{name_or_path}: the tokenizer has {len(tokenizer)} entries but the model's vocabulary {vocab_size}: its "
            "tokenizer files are missing or belong to another model"
        )
    model = AutoModelForSequenceClassification.from_pretrained(
        str(name_or_path), num_labels=NUM_LABELS, id2label=ID2LABEL, label2id=LABEL2ID
    )
    model.nlirobust_head_permuted_from = None
    if order is not None:
        head = _output_layer(model)
        with torch.no_grad():
            head.weight.copy_(head.weight[order].clone())
            if head.bias is not None:
                head.bias.copy_(head.bias[order].clone())
        original = {i: config.id2label[i] for i in range(NUM_LABELS)}
        logging.getLogger(__name__).info(
            "%s: head labels %s put in the project's order (0 entailment, 1 neutral, 2 contradiction)",
            name_or_path,
            original,
        )
        model.nlirobust_head_permuted_from = original
    return model, tokenizer


def _output_layer(model):
    """The classification head's output layer (its rows are the labels): the last linear layer with one output per
    label, whatever the architecture calls its head (classifier, classification_head, ...)."""
    import torch

    from nlirobust.data.schema import DataFormatError

    layers = [m for m in model.modules() if isinstance(m, torch.nn.Linear) and m.out_features == NUM_LABELS]
    if not layers:
        raise DataFormatError(
            f"{type(model).__name__}: no {NUM_LABELS}-way output layer found to put in our label order"
        )
    return layers[-1]
