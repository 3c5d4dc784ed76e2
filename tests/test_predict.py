"""The evaluation pass builds its batches from whole columns: they must be the collator's batches, exactly."""

import numpy as np
import pandas as pd
import pytest
import torch
from transformers import DataCollatorWithPadding

from nlirobust.encoding import encode_pairs
from nlirobust.modeling import load_classifier
from nlirobust.predict import padded_batches, predict_dataset


@pytest.mark.parametrize("multiple", [None, 16])
def test_column_batches_equal_the_collators_batches(tiny_model, small_data, multiple):
    _, tokenizer = load_classifier(tiny_model)
    pairs = pd.read_parquet(small_data["snli_validation"])
    # a selection (an indices mapping over the table), as the mistake pass and cached datasets may hand in
    dataset = encode_pairs(pairs, tokenizer, 64).select(range(len(pairs) - 1, 0, -3))
    collator = DataCollatorWithPadding(tokenizer, pad_to_multiple_of=multiple)
    order = np.random.default_rng(0).permutation(len(dataset))
    ours = list(padded_batches(dataset, order, 17, collator))
    theirs = [collator([dataset[int(i)] for i in order[begin : begin + 17]]) for begin in range(0, len(order), 17)]
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        assert set(a) == set(b)
        for name in b:
            assert a[name].dtype == b[name].dtype, name
            assert torch.equal(a[name], b[name]), name


def test_other_collators_keep_their_own_batches_and_give_the_same_predictions(tiny_model, small_data):
    model, tokenizer = load_classifier(tiny_model)
    dataset = encode_pairs(pd.read_parquet(small_data["snli_validation"]), tokenizer, 64)
    collator = DataCollatorWithPadding(tokenizer)
    fixed_length = DataCollatorWithPadding(tokenizer, max_length=64)
    assert padded_batches(dataset, np.arange(len(dataset)), 8, fixed_length) is None

    def plain(features):  # any other callable: used as it is
        return collator(features)

    fast = predict_dataset(model, dataset, collator, 32, "cpu")
    slow = predict_dataset(model, dataset, plain, 32, "cpu")
    np.testing.assert_array_equal(fast.probs, slow.probs)
    np.testing.assert_array_equal(fast.losses, slow.losses)


def test_two_way_sets_count_neutral_and_contradiction_as_non_entailment():
    from nlirobust.predict import PredictionPass, prediction_frame

    pairs = pd.DataFrame({"id": ["a", "b", "c", "d"], "label": [0, 1, 1, 0], "category": ["x"] * 4})
    probs = np.array([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.1, 0.2, 0.7], [0.3, 0.5, 0.2]], dtype=np.float32)
    result = PredictionPass(probs, np.zeros(4, dtype=np.float32), 0.0)
    frame = prediction_frame(pairs, result, two_way=True)
    assert frame["pred"].tolist() == [0, 1, 1, 1]  # entailment, neutral, contradiction, neutral
    assert (frame["gold"] == frame["pred"]).tolist() == [True, True, True, False]
    np.testing.assert_allclose(frame["loss"], -np.log([0.6, 0.8, 0.9, 0.3]), rtol=1e-6)
    three_way = prediction_frame(pairs, result)
    assert three_way["pred"].tolist() == [0, 1, 2, 1]
