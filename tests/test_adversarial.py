"""The gradient attack against an independent, one-pair-at-a-time saliency computation; sampling; subsets; flows."""

import numpy as np
import pandas as pd
import pytest
import torch

from nlirobust.adversarial import AttackOptions, attack_pairs, balanced_sample, mask_spans
from nlirobust.adversarial_subsets import error_flow, subset_masks


@pytest.fixture(scope="module")
def model_and_pairs(tiny_model, small_data):
    from nlirobust.modeling import load_classifier

    model, tokenizer = load_classifier(tiny_model)
    model.eval()
    pairs = pd.read_parquet(small_data["snli_validation"]).iloc[:24].reset_index(drop=True)
    pairs["part"] = "train"
    return model, tokenizer, pairs


def saliency_by_hook(model, tokenizer, premise: str, hypothesis: str, label: int) -> tuple[list[int], np.ndarray]:
    """The reference computation: one pair, a forward hook keeps the embedding output, `retain_grad`, backward."""
    encoded = tokenizer(premise, hypothesis, return_tensors="pt", truncation=True, max_length=128)
    kept = {}

    def keep(module, inputs, output):
        output.retain_grad()
        kept["embeddings"] = output

    handle = model.get_input_embeddings().register_forward_hook(keep)
    try:
        model.zero_grad()
        logits = model(**encoded).logits
        torch.nn.functional.cross_entropy(logits, torch.tensor([label])).backward()
    finally:
        handle.remove()
    scores = kept["embeddings"].grad[0].abs().sum(dim=-1).numpy()
    hypothesis_positions = [i for i, s in enumerate(encoded.sequence_ids(0)) if s == 1]
    return hypothesis_positions, scores


def test_masked_token_is_the_hypothesis_argmax_of_an_independent_saliency(model_and_pairs):
    model, tokenizer, pairs = model_and_pairs
    attacked = attack_pairs(model, tokenizer, pairs, AttackOptions(method="gradient", batch_size=7), "cpu")
    assert len(attacked) == len(pairs)
    assert attacked["original_id"].tolist() == pairs["id"].tolist()
    for _, row in attacked.iterrows():
        positions, scores = saliency_by_hook(model, tokenizer, row["premise"], row["original_hypothesis"], row["label"])
        (masked,) = row["masked_positions"]
        assert masked in positions  # never [CLS], [SEP], padding or the premise
        assert masked == positions[int(np.argmax(scores[positions]))]
        assert row["scores"][0] == pytest.approx(scores[masked], rel=1e-4)
        # the attacked text, tokenised again, has the mask token exactly where the chosen token was
        again = tokenizer(row["premise"], row["hypothesis"])["input_ids"]
        assert tokenizer.mask_token_id in again
        assert row["premise"] == pairs.set_index("id").loc[row["original_id"], "premise"]


def test_random_control_stays_in_the_hypothesis_and_is_seeded(model_and_pairs):
    model, tokenizer, pairs = model_and_pairs
    first = attack_pairs(model, tokenizer, pairs, AttackOptions(method="random", seed=5), "cpu")
    again = attack_pairs(model, tokenizer, pairs, AttackOptions(method="random", seed=5), "cpu")
    other = attack_pairs(model, tokenizer, pairs, AttackOptions(method="random", seed=6), "cpu")
    assert first["hypothesis"].tolist() == again["hypothesis"].tolist()
    assert first["hypothesis"].tolist() != other["hypothesis"].tolist()
    for _, row in first.iterrows():
        encoded = tokenizer(row["premise"], row["original_hypothesis"])
        assert encoded.sequence_ids()[row["masked_positions"][0]] == 1


def test_top_k_and_word_level_mask_more(model_and_pairs):
    model, tokenizer, pairs = model_and_pairs
    top2 = attack_pairs(model, tokenizer, pairs, AttackOptions(top_k=2), "cpu")
    assert (top2["masked_positions"].map(len) == 2).all()
    assert (top2["hypothesis"].str.count(r"\[MASK\]") == 2).all()
    words = attack_pairs(model, tokenizer, pairs, AttackOptions(word_level=True), "cpu")
    for _, row in words.iterrows():
        word_ids = tokenizer(row["premise"], row["original_hypothesis"]).word_ids()
        chosen = {word_ids[p] for p in row["masked_positions"]}
        assert len(chosen) == 1  # one word, all of its pieces
        pieces = [
            i
            for i, s in enumerate(tokenizer(row["premise"], row["original_hypothesis"]).sequence_ids())
            if s == 1 and word_ids[i] in chosen
        ]
        assert row["masked_positions"] == pieces


def test_mask_spans_replaces_characters_right_to_left():
    assert mask_spans("a dog runs", [(2, 5), (6, 10)], "[MASK]") == "a [MASK] [MASK]"


def test_balanced_sample_is_seeded_capped_per_class_and_split(small_data):
    pairs = pd.read_parquet(small_data["snli_validation"])
    smallest = pairs["label"].value_counts().min()
    sample = balanced_sample(pairs, per_class=smallest - 5, seed=1, heldout_fraction=0.25)
    assert (sample["label"].value_counts() == smallest - 5).all()
    assert sample["id"].is_unique
    assert set(sample["id"]) <= set(pairs["id"])
    heldout = sample.groupby("label")["part"].apply(lambda p: (p == "heldout").sum())
    assert (heldout == round(0.25 * (smallest - 5))).all()
    assert balanced_sample(pairs, smallest - 5, 1, 0.25).equals(sample)
    assert not balanced_sample(pairs, smallest - 5, 2, 0.25)["id"].equals(sample["id"])
    everything = balanced_sample(pairs, per_class=10**6, seed=1, heldout_fraction=0.25)
    assert len(everything) == len(pairs)


def test_subsets_match_whole_words_and_glued_negation():
    pairs = pd.DataFrame(
        {
            "premise": ["A man takes a note .", "A dog runs .", "Some kids play .", " ".join(["word"] * 21)],
            "hypothesis": ["A man is notable .", "The dog doesn't run .", "Kids play .", "Words ."],
        }
    )
    masks = subset_masks(pairs, ["not", "n't", "no"], ["some", "maybe"], long_words=20)
    assert masks["negation"].tolist() == [False, True, False, False]
    assert masks["ambiguity"].tolist() == [False, False, True, False]
    assert masks["long"].tolist() == [False, False, False, True]
    assert masks["all"].all()


def test_error_flow_counts_fixed_introduced_remaining():
    base = pd.DataFrame({"id": list("abcde"), "gold": [0, 1, 2, 0, 1], "pred": [1, 1, 0, 0, 2]})
    new = pd.DataFrame({"id": list("edcba"), "gold": [1, 0, 2, 1, 0], "pred": [1, 1, 1, 1, 0]})
    flow = error_flow(base, new)
    # a: wrong -> right (fixed); b: right -> right; c: wrong -> wrong; d: right -> wrong; e: wrong -> right
    assert flow == {"pairs": 5, "baseline_errors": 3, "fixed": 2, "introduced": 1, "remaining": 1}


def test_retraining_validates_without_the_originals_of_its_masked_pairs(small_data):
    """The retrained model trains on masked copies of some SNLI validation pairs: its per-epoch validation (the
    learning curve) leaves those pairs' originals out, and keeps every other validation pair."""
    from nlirobust.adversarial import attacked_id, retraining_sets

    train = pd.read_parquet(small_data["snli_train"])
    validation = pd.read_parquet(small_data["snli_validation"])
    attacked = validation.iloc[:30].assign(id=lambda f: f["id"].map(attacked_id), hypothesis="A [MASK] .")
    combined, kept = retraining_sets(train, attacked, validation)
    assert len(combined) == len(train) + 30
    assert set(kept["id"]) == set(validation["id"].iloc[30:])
    # training.max_train_examples caps SNLI's part (as the baseline's), never the attacked pairs after it
    capped, _ = retraining_sets(train, attacked, validation, max_train_examples=50)
    assert capped["id"].tolist() == train["id"].iloc[:50].tolist() + attacked["id"].tolist()
