"""The gradient-based attack of the adversarial study: mask the hypothesis token the model leans on most.

For a pair and its gold label, the importance of a token is |d loss / d input embedding| summed over the embedding
dimensions (the word-embedding output, before positions are added). Only hypothesis tokens are candidates: never
[CLS]/[SEP], padding or the premise. The chosen token's characters in the hypothesis are replaced by the
tokenizer's mask token, so the attacked pair is plain text again and goes through the same data path as any pair.
A `random` attack picks a hypothesis token uniformly instead: the control that shows whether the gradient matters.
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from nlirobust.names import ATTACKS

ATTACKED_ID_PREFIX = "adv:"


def attacked_id(original: str) -> str:
    """The id of an attacked pair: its source pair's id, prefixed (so both can sit in one training set)."""
    return f"{ATTACKED_ID_PREFIX}{original}"


def original_id(attacked: str) -> str:
    """The id of the pair an attacked pair was made from."""
    return attacked.removeprefix(ATTACKED_ID_PREFIX)


def balanced_sample(pairs: pd.DataFrame, per_class: int, seed: int, heldout_fraction: float) -> pd.DataFrame:
    """Up to `per_class` pairs of each label, drawn with `seed`, with a `part` column: `train` or `heldout`.

    The held-out part is split off per class before any model sees it, so the retrained model can be scored on
    attacked pairs it never trained on.
    """
    rng = np.random.default_rng(seed)
    parts = []
    for label in sorted(pairs["label"].unique()):
        of_label = pairs[pairs["label"] == label]
        chosen = of_label.iloc[np.sort(rng.permutation(len(of_label))[:per_class])].copy()
        n_heldout = int(round(heldout_fraction * len(chosen)))
        heldout = np.zeros(len(chosen), dtype=bool)
        heldout[rng.permutation(len(chosen))[:n_heldout]] = True
        chosen["part"] = np.where(heldout, "heldout", "train")
        parts.append(chosen)
    return pd.concat(parts).sort_index().reset_index(drop=True)


@dataclass
class AttackOptions:
    method: str = "gradient"  # or "random"
    top_k: int = 1
    word_level: bool = False
    batch_size: int = 64
    max_length: int = 128
    seed: int = 0


def token_saliency(model, batch: dict, labels) -> tuple:
    """(saliency, logits): |gradient of the gold-label loss w.r.t. each input embedding|, summed over dimensions.

    The loss is summed over the batch, so each pair's gradient is its own (pairs do not interact in eval mode).
    """
    import torch

    embeddings = model.get_input_embeddings()(batch["input_ids"]).detach().requires_grad_(True)
    inputs = {k: v for k, v in batch.items() if k != "input_ids"}
    logits = model(inputs_embeds=embeddings, **inputs).logits
    loss = torch.nn.functional.cross_entropy(logits.float(), labels, reduction="sum")
    (grad,) = torch.autograd.grad(loss, embeddings)
    return grad.abs().sum(dim=-1), logits.detach()


def _choose_tokens(scores: np.ndarray, candidates: np.ndarray, word_ids: list, options: AttackOptions, rng) -> list:
    """Token positions to mask: the top-k candidates by score (or k random ones), widened to whole words if asked."""
    positions = np.flatnonzero(candidates)
    if options.method == "random":
        ranked = rng.permutation(positions)
    else:
        ranked = positions[np.argsort(-scores[positions], kind="stable")]
    if not options.word_level:
        return sorted(ranked[: options.top_k].tolist())
    chosen_words: list[int] = []
    for position in ranked:
        if word_ids[position] not in chosen_words:
            chosen_words.append(word_ids[position])
        if len(chosen_words) == options.top_k:
            break
    return [p for p in positions.tolist() if word_ids[p] in chosen_words]


def mask_spans(text: str, spans: list[tuple[int, int]], mask_token: str) -> str:
    """`text` with each (start, end) character span replaced by the mask token."""
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + mask_token + text[end:]
    return text


def attack_pairs(model, tokenizer, pairs: pd.DataFrame, options: AttackOptions, device) -> pd.DataFrame:
    """One attacked pair per input pair (same premise and label), with what was masked and its saliency.

    Columns: the pair schema (hypothesis = masked text, source = `adversarial-{method}`) plus `original_id`,
    `original_hypothesis`, `masked_tokens`, `masked_positions` (token indices in the encoded pair), `scores`,
    `baseline_pred` and `baseline_loss` (the model on the clean pair) and every extra column of `pairs` (`part`).
    Pairs whose hypothesis has no token left after truncation are dropped and counted in `attrs["skipped"]`.
    """
    import torch
    from tqdm.auto import tqdm

    if options.method not in ATTACKS:
        raise ValueError(f"unknown attack '{options.method}' (expected one of {', '.join(ATTACKS)})")
    if tokenizer.mask_token is None:
        raise ValueError("the tokenizer has no mask token: the attack replaces a token with it")
    model.eval()
    rng = np.random.default_rng(options.seed)
    # Similar lengths together pad less; rows are put back in input order at the end.
    order = np.argsort((pairs["premise"].str.len() + pairs["hypothesis"].str.len()).to_numpy(), kind="stable")
    rows, skipped = [], 0
    starts = range(0, len(order), options.batch_size)
    for start in tqdm(starts, desc=f"attack ({options.method})", mininterval=1 if sys.stderr.isatty() else 30):
        chunk = pairs.iloc[order[start : start + options.batch_size]]
        encoded = tokenizer(
            chunk["premise"].tolist(),
            chunk["hypothesis"].tolist(),
            truncation=True,
            max_length=options.max_length,
            padding=True,
            return_offsets_mapping=True,
            return_tensors="pt",
        )
        offsets = encoded.pop("offset_mapping").numpy()
        batch = {k: v.to(device) for k, v in encoded.items()}
        labels = torch.tensor(chunk["label"].to_numpy(), device=device)
        # Computed for the random control too: its tokens' saliency shows what the gradient would have picked.
        saliency, logits = token_saliency(model, batch, labels)
        saliency = saliency.float().cpu().numpy()
        clean_pred = logits.argmax(dim=-1).cpu().numpy()
        clean_loss = torch.nn.functional.cross_entropy(logits.float(), labels, reduction="none").cpu().numpy()
        for i, (_, pair) in enumerate(chunk.iterrows()):
            # sequence id 1 = hypothesis; None = [CLS]/[SEP]/padding
            candidates = np.array([s == 1 for s in encoded.sequence_ids(i)])
            if not candidates.any():
                skipped += 1
                continue
            word_ids = encoded.word_ids(i)
            positions = _choose_tokens(saliency[i], candidates, word_ids, options, rng)
            spans = [tuple(int(x) for x in offsets[i, p]) for p in positions]
            tokens = tokenizer.convert_ids_to_tokens(encoded["input_ids"][i, positions].tolist())
            rows.append(
                pair.to_dict()
                | {
                    "id": attacked_id(pair["id"]),
                    "hypothesis": mask_spans(pair["hypothesis"], spans, tokenizer.mask_token),
                    "source": f"adversarial-{options.method}",
                    "original_id": pair["id"],
                    "original_hypothesis": pair["hypothesis"],
                    "masked_tokens": tokens,
                    "masked_positions": positions,
                    "scores": [float(saliency[i, p]) for p in positions],
                    "baseline_pred": int(clean_pred[i]),
                    "baseline_loss": float(clean_loss[i]),
                }
            )
    attacked = pd.DataFrame(rows)
    attacked["_order"] = attacked["original_id"].map({pid: k for k, pid in enumerate(pairs["id"])})
    attacked = attacked.sort_values("_order").drop(columns="_order").reset_index(drop=True)
    attacked.attrs["skipped"] = skipped
    return attacked


def write_attack_set(attacked: pd.DataFrame, out_dir: str | Path, options: AttackOptions) -> dict:
    """attack.jsonl (every attacked pair, with what was masked), train/heldout.parquet (pair schema), summary.json."""
    from nlirobust.data.io import atomic_path, write_json, write_parquet
    from nlirobust.data.schema import PAIR_COLUMNS, check_pairs

    out = Path(out_dir)
    for part in ("train", "heldout"):
        rows = attacked[attacked["part"] == part]
        write_parquet(check_pairs(rows[list(PAIR_COLUMNS)], f"attack set ({part})"), out / f"{part}.parquet")
    with atomic_path(out / "attack.jsonl") as tmp:
        attacked.to_json(tmp, orient="records", lines=True, force_ascii=False)
    summary = {
        "options": dataclasses.asdict(options),
        "pairs": int(len(attacked)),
        "skipped": int(attacked.attrs.get("skipped", 0)),
        "parts": {str(k): int(v) for k, v in attacked["part"].value_counts().sort_index().items()},
        "clean_accuracy": float((attacked["baseline_pred"] == attacked["label"]).mean()),
        "clean_loss": float(attacked["baseline_loss"].mean()),
        "mean_masked_saliency": float(attacked["scores"].map(np.mean).mean()),
    }
    write_json(summary, out / "summary.json")
    return summary


def run_attack(model_dir: str | Path, sample_file: str | Path, out_dir: str | Path, options: AttackOptions) -> dict:
    """Attack every pair of a sample with the model in `model_dir`; write the attack set (see `write_attack_set`)."""
    import torch

    from nlirobust.modeling import load_classifier

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model, tokenizer = load_classifier(model_dir)
    model.to(device)
    attacked = attack_pairs(model, tokenizer, pd.read_parquet(sample_file), options, device)
    return write_attack_set(attacked, out_dir, options)


def retraining_sets(
    train: pd.DataFrame, attacked_train: pd.DataFrame, validation: pd.DataFrame, max_train_examples: int | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(training set, validation set) of the adversarial retraining: SNLI train (its first `max_train_examples`, as
    the baseline trained on) plus every pair of the attack's training part, and SNLI validation without the pairs
    those attacked copies were made from. Validating on them would score the model on the originals of what it
    trains on, as the `overall` table's SNLI validation cell never does. The cap is applied here, to SNLI's part
    only: the training job's own cut of the first N pairs would drop the attacked pairs appended after them."""
    from nlirobust.data.schema import PAIR_COLUMNS, check_pairs

    train = train.iloc[:max_train_examples] if max_train_examples else train
    combined = check_pairs(pd.concat([train, attacked_train], ignore_index=True)[list(PAIR_COLUMNS)], "retraining set")
    originals = set(attacked_train["id"].astype(str).map(original_id))
    kept = validation[~validation["id"].astype(str).isin(originals)].reset_index(drop=True)
    return combined, kept
