"""A 2-D map of the classifier's hidden states: the errors and up to N correct pairs, by PCA and by t-SNE."""

from __future__ import annotations

import numpy as np
import pandas as pd

METHODS: tuple[str, ...] = ("pca", "tsne")


def choose_points(predictions: pd.DataFrame, max_errors: int, max_correct: int, seed: int = 0) -> pd.DataFrame:
    """The wrong predictions (at most `max_errors`) and at most `max_correct` right ones, drawn with `seed`."""
    rng = np.random.default_rng(seed)
    wrong = predictions[predictions["gold"] != predictions["pred"]]
    right = predictions[predictions["gold"] == predictions["pred"]]
    parts = [
        frame.iloc[np.sort(rng.permutation(len(frame))[:cap])]
        for frame, cap in ((wrong, max_errors), (right, max_correct))
    ]
    chosen = pd.concat(parts).sort_index()
    probs = chosen[["prob_e", "prob_n", "prob_c"]].to_numpy()
    chosen = chosen[["id", "gold", "pred"]].assign(
        wrong=chosen["gold"] != chosen["pred"], confidence=probs[np.arange(len(chosen)), chosen["pred"].to_numpy()]
    )
    return chosen.reset_index(drop=True)


def cls_hidden_states(model, tokenizer, pairs: pd.DataFrame, batch_size: int, max_length: int, device) -> np.ndarray:
    """The last layer's hidden state at the first ([CLS]) position for each pair, in order, in eval mode."""
    import torch
    from torch.utils.data import DataLoader
    from transformers import DataCollatorWithPadding

    from nlirobust.encoding import encode_pairs

    dataset = encode_pairs(pairs, tokenizer, max_length).remove_columns("labels")
    loader = DataLoader(dataset, batch_size=batch_size, collate_fn=DataCollatorWithPadding(tokenizer))
    model.eval()
    states = []
    with torch.inference_mode():
        for batch in loader:
            output = model(**{k: v.to(device) for k, v in batch.items()}, output_hidden_states=True)
            states.append(output.hidden_states[-1][:, 0].float().cpu().numpy())
    return np.concatenate(states)


def project(states: np.ndarray, method: str, seed: int = 0) -> np.ndarray:
    """(n, 2) coordinates: PCA, or t-SNE (perplexity 30, or less for small n) started from the PCA."""
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    if method == "pca":
        return PCA(n_components=2, random_state=seed).fit_transform(states)
    if method == "tsne":
        perplexity = float(min(30, max(2, (len(states) - 1) // 3)))
        return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(states)
    raise ValueError(f"unknown projection '{method}' (expected one of {', '.join(METHODS)})")


def hidden_state_map(
    model_dir: str, predictions: pd.DataFrame, pairs: pd.DataFrame, max_errors: int, max_correct: int,
    batch_size: int = 128, max_length: int = 128, seed: int = 0,
) -> pd.DataFrame:  # fmt: skip
    """The chosen points with `pca_x, pca_y, tsne_x, tsne_y`."""
    import torch

    from nlirobust.modeling import load_classifier

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model, tokenizer = load_classifier(model_dir)
    model.to(device)
    points = choose_points(predictions, max_errors, max_correct, seed)
    chosen_pairs = pairs.set_index("id").loc[points["id"]].reset_index()
    states = cls_hidden_states(model, tokenizer, chosen_pairs, batch_size, max_length, device)
    for method in METHODS:
        xy = project(states, method, seed)
        points[f"{method}_x"], points[f"{method}_y"] = xy[:, 0], xy[:, 1]
    return points
