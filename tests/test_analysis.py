"""Error analysis: the annotation rules, the spreadsheet merge that keeps a person's values, the LLM's label scores
against an unbatched recomputation, and the hidden-state map."""

import numpy as np
import pandas as pd
import pytest
import torch

from nlirobust.error_analysis import EXPLANATIONS, build_spreadsheet, frequency_table, llm_comparison, rules_for
from nlirobust.labels import LABEL_NAMES

LEXICON = {
    "negation_words": ["not", "n't", "no", "never"],
    "ambiguity_words": ["maybe"],
    "cue_words": ["sleeping", "cat"],
    "long_pair_words": 20,
}


@pytest.mark.parametrize(
    "premise, hypothesis, confidence, first",
    [
        ("A man runs .", "A man doesn't run .", 0.9, "negation"),
        ("Two dogs run .", "Three dogs run .", 0.9, "number_swap"),
        ("A red car .", "A blue car .", 0.9, "colour_swap"),
        ("A tall man sings .", "A short man sings .", 0.9, "word_swap"),
        ("A woman reads a book in the park .", "A cat is on a mat .", 0.9, "cue_word"),
        ("A woman reads a book in the park .", "A woman reads a book .", 0.9, "high_overlap"),
        (" ".join(["word"] * 21), "Something else entirely here .", 0.9, "long_pair"),
        ("A woman reads .", "Somebody plays chess outside .", 0.4, "low_confidence"),
        ("A woman reads .", "Somebody plays chess outside .", 0.9, "other"),
    ],
)
def test_each_rule_fires_on_its_case(premise, hypothesis, confidence, first):
    assert rules_for(premise, hypothesis, confidence, LEXICON)[0] == first


def predictions_with_errors(n: int = 90, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    gold = rng.integers(0, 3, n)
    pred = np.where(rng.random(n) < 0.6, (gold + 1) % 3, gold)
    probs = rng.dirichlet([1, 1, 1], n)
    probs[np.arange(n), pred] += 1
    probs /= probs.sum(1, keepdims=True)
    ids = [f"p{i:03d}" for i in range(n)]
    predictions = pd.DataFrame(
        {"id": ids, "gold": gold, "pred": pred, "prob_e": probs[:, 0], "prob_n": probs[:, 1], "prob_c": probs[:, 2]}
        | {"category": [None] * n}
    )
    pairs = pd.DataFrame(
        {"id": ids, "premise": [f"A man {i} runs ." for i in range(n)], "hypothesis": ["A man runs ."] * n}
    )
    return predictions, pairs


def test_spreadsheet_has_confidences_sampled_rows_and_rule_annotations():
    predictions, pairs = predictions_with_errors()
    sheet = build_spreadsheet(predictions, pairs, LEXICON, rows=20, seed=1)
    assert len(sheet) == 20
    assert sheet["id"].is_unique
    wrong = predictions[predictions["gold"] != predictions["pred"]].set_index("id")
    assert set(sheet["id"]) <= set(wrong.index)
    row = sheet.iloc[0]
    probs = wrong.loc[row["id"], ["prob_e", "prob_n", "prob_c"]].to_numpy(dtype=float)
    assert row["confidence_pred"] == pytest.approx(probs[LABEL_NAMES.index(row["pred"])])
    assert row["confidence_gold"] == pytest.approx(probs[LABEL_NAMES.index(row["gold"])])
    assert (sheet["annotated_by"] == "rule").all()
    assert (sheet["error_type"] == sheet["rule_error_type"]).all()
    assert sheet["gold"].value_counts().max() - sheet["gold"].value_counts().min() <= 1  # stratified
    assert build_spreadsheet(predictions, pairs, LEXICON, rows=20, seed=1).equals(sheet)  # reproducible
    everything = build_spreadsheet(predictions, pairs, LEXICON, rows=500, seed=1)
    assert len(everything) == len(wrong)  # fewer errors than rows: all of them


def test_a_persons_values_survive_a_rebuild_and_count_in_the_tables(tmp_path):
    predictions, pairs = predictions_with_errors()
    sheet = build_spreadsheet(predictions, pairs, LEXICON, rows=20, seed=1)
    edited = sheet.copy()
    edited.loc[[0, 1], "error_type"] = "annotation_artifact"  # what a person types in the spreadsheet
    edited.loc[2, "fix"] = "relabel this pair"
    edited.to_csv(tmp_path / "errors.csv", index=False)
    previous = pd.read_csv(tmp_path / "errors.csv", dtype=str, keep_default_na=False)

    again = build_spreadsheet(predictions, pairs, LEXICON, rows=20, seed=99, previous=previous)  # another sample
    mine = again.set_index("id")
    for k in (0, 1):
        assert mine.loc[sheet.loc[k, "id"], "error_type"] == "annotation_artifact"
        assert mine.loc[sheet.loc[k, "id"], "annotated_by"] == "person"
    assert mine.loc[sheet.loc[2, "id"], "fix"] == "relabel this pair"
    assert (again["annotated_by"] == "person").sum() == 3
    counts = frequency_table(again.assign(evalset="x"), "error_type").set_index("error_type")
    assert counts.loc["annotation_artifact", "rows"] == 2
    assert counts.loc["annotation_artifact", "by_person"] == 2


def test_rule_rows_follow_the_rules_not_an_old_copy():
    predictions, pairs = predictions_with_errors()
    sheet = build_spreadsheet(predictions, pairs, LEXICON, rows=20, seed=1)
    again = build_spreadsheet(predictions, pairs, LEXICON, rows=20, seed=1, previous=sheet.astype(str))
    assert (again["annotated_by"] == "rule").all()
    assert set(EXPLANATIONS) >= set(again["error_type"])


def test_llm_comparison_two_by_two_adds_up():
    predictions = pd.DataFrame({"id": list("abcd"), "gold": [0, 1, 2, 0], "pred": [0, 1, 0, 1]})
    llm = pd.DataFrame({"id": list("dcba"), "llm_pred": [0, 2, 0, 0]})
    result = llm_comparison(predictions, llm)
    # a: both right; b: model right, llm wrong; c: model wrong, llm right; d: model wrong, llm right
    assert (result["both_right"], result["model_right_llm_wrong"], result["model_wrong_llm_right"]) == (1, 1, 2)
    assert result["both_wrong"] == 0
    assert result["agreement"] == 0.25
    assert result["llm_accuracy"] == 0.75


@pytest.fixture(scope="module")
def tiny_llm(small_data, tmp_path_factory):
    from nlirobust.embedded.llm import build_tiny_chat_lm

    train = pd.read_parquet(small_data["snli_train"])
    return build_tiny_chat_lm((train["premise"] + " " + train["hypothesis"]).tolist(), tmp_path_factory.mktemp("llm"))


def test_llm_label_scores_equal_an_unbatched_recomputation(tiny_llm, small_data):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from nlirobust.llm import llm_predictions, prompts_for

    pairs = pd.read_parquet(small_data["snli_validation"]).iloc[:12]
    frame, facts = llm_predictions(tiny_llm, pairs, batch_size=5)
    assert frame["llm_pred"].isin([0, 1, 2]).all()
    assert facts["examples"] == 12
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_llm))
    model = AutoModelForCausalLM.from_pretrained(str(tiny_llm)).eval()
    prompt = prompts_for(tokenizer, pairs.iloc[[3]])[0]
    text = tokenizer.decode(prompt)
    assert pairs.iloc[3]["premise"] in text
    assert all(name in text for name in LABEL_NAMES)
    for name in LABEL_NAMES:
        label = tokenizer(name, add_special_tokens=False)["input_ids"]
        with torch.no_grad():
            log_probs = torch.log_softmax(model(torch.tensor([prompt + label])).logits[0], dim=-1)
        expected = sum(log_probs[len(prompt) + i - 1, t].item() for i, t in enumerate(label))
        assert frame.loc[3, f"llm_logprob_{name}"] == pytest.approx(expected, abs=1e-4)


def test_hidden_state_map_covers_errors_and_correct_pairs(tiny_model, small_data):
    from nlirobust.evaluate import evaluate_model
    from nlirobust.projection import hidden_state_map

    pairs = pd.read_parquet(small_data["snli_validation"])
    out = small_data["snli_validation"].parent / "map_predictions"
    evaluate_model(tiny_model, {"v": small_data["snli_validation"]}, {"v": out}, max_length=64)
    predictions = pd.read_parquet(f"{out}.parquet")
    points = hidden_state_map(str(tiny_model), predictions, pairs, max_errors=40, max_correct=30, max_length=64)
    wrong = int((predictions["gold"] != predictions["pred"]).sum())
    assert points["wrong"].sum() == min(40, wrong)
    assert (~points["wrong"]).sum() == min(30, len(predictions) - wrong)
    assert points[["pca_x", "pca_y", "tsne_x", "tsne_y"]].notna().all().all()
    assert points["confidence"].between(1 / 3 - 1e-6, 1).all()


def test_a_huge_pair_is_cut_to_the_prompt_limit_premise_first(tiny_llm, small_data):
    """One 20,000-word pair once padded a whole batch to a 38 GB tensor; now every prompt fits the limit."""
    from transformers import AutoTokenizer

    from nlirobust.llm import llm_predictions, prompts_for

    pairs = pd.read_parquet(small_data["snli_validation"]).iloc[:6].copy()
    pairs.loc[pairs.index[2], "premise"] = " ".join(["A man in a red hat walks a dog ."] * 2500)  # 20,000 words
    hypothesis = pairs.loc[pairs.index[2], "hypothesis"]
    frame, facts = llm_predictions(tiny_llm, pairs, batch_size=3, max_prompt_tokens=200)
    assert facts["max_prompt_tokens"] == 200
    assert facts["truncated_prompts"] == 1
    assert frame["llm_pred"].isin([0, 1, 2]).all()
    assert len(frame) == 6
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_llm))
    prompts = prompts_for(tokenizer, pairs, 200)
    assert max(len(p) for p in prompts) <= 200
    text = tokenizer.decode(prompts[2])
    assert hypothesis in text
    assert " ..." in text
    assert "Answer with one word" in text  # the premise gave way
    assert prompts[0] == prompts_for(tokenizer, pairs.iloc[[0]])[0]  # short pairs are untouched
