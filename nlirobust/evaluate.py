"""Evaluate one trained model on several prepared evaluation sets: predictions Parquet + metrics JSON each."""

from __future__ import annotations

import math
import os
from pathlib import Path


def evaluate_model(
    model_dir: str | Path,
    sets: dict[str, str | Path],
    outputs: dict[str, str | Path],
    batch_size: int = 256,
    max_length: int = 128,
    threads: int | None = None,
    bf16: bool = False,
    tokenization_cache: str | Path | None = None,
    two_way_sets: tuple[str, ...] = (),
) -> dict[str, dict]:
    """For each name in `sets` (pairs Parquet), write `{outputs[name]}.parquet` and `.json`; return the metrics.
    A set of a two-way data set (HANS, or a declared one in `two_way_sets`) is scored entailment / non-entailment."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import pandas as pd
    import torch
    import transformers
    from transformers import DataCollatorWithPadding

    from nlirobust.data.io import write_json, write_parquet
    from nlirobust.encoding import encode_pairs
    from nlirobust.modeling import load_classifier
    from nlirobust.names import TWO_WAY_DATASETS
    from nlirobust.predict import bf16_supported, precision_name, predict_dataset, prediction_frame, summary_metrics

    transformers.utils.logging.set_verbosity_error()
    if threads:
        torch.set_num_threads(threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    bf16 = bf16_supported(bf16, device)
    model, tokenizer = load_classifier(model_dir)
    model.to(device)
    collator = DataCollatorWithPadding(tokenizer)
    results = {}
    for name, path in sets.items():
        pairs = pd.read_parquet(path)
        result = predict_dataset(
            model,
            encode_pairs(pairs, tokenizer, max_length, tokenization_cache),
            collator,
            batch_size,
            device,
            desc=name,
            bf16=bf16,
        )
        frame = prediction_frame(pairs, result, two_way=name.split("/")[0] in TWO_WAY_DATASETS + tuple(two_way_sets))
        metrics = summary_metrics(frame) | {
            "model": str(model_dir),
            "data": str(path),
            "seconds": result.seconds,
            "precision": precision_name(bf16, device),
            "examples_per_second": len(frame) / max(result.seconds, 1e-9),
            "steps_per_second": math.ceil(len(frame) / batch_size) / max(result.seconds, 1e-9),
        }
        write_parquet(frame, f"{outputs[name]}.parquet")
        write_json(metrics, f"{outputs[name]}.json")
        results[name] = metrics
    return results
