import pytest

from nlirobust.labels import LABEL_NAMES, label_to_id


@pytest.mark.parametrize(
    "value, expected",
    [
        ("entailment", 0),
        ("Neutral", 1),
        ("contradiction ", 2),
        ("e", 0),
        ("n", 1),
        ("c", 2),
        (0, 0),
        (2, 2),
        ("1", 1),
        (1.0, 1),
    ],
)
def test_label_spellings_map_to_ids(value, expected):
    assert label_to_id(value) == expected


@pytest.mark.parametrize("value", ["entails", "", 3, -2, "7", 1.5, None, True])
def test_bad_labels_raise(value):
    with pytest.raises(ValueError):
        label_to_id(value)


def test_label_order_matches_hub_datasets():
    assert LABEL_NAMES == ("entailment", "neutral", "contradiction")
