"""Each loader on lines shaped like the real files, and the errors bad files get."""

import json

import pandas as pd
import pytest

from nlirobust.data.io import read_table
from nlirobust.data.loaders import load_breaking_nli, load_chaosnli, load_hub_split, load_pairs_file
from nlirobust.data.prepare import prepare_dataset
from nlirobust.data.schema import PAIR_COLUMNS, DataFormatError


def write_lines(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


BREAKING_ROWS = [
    {
        "sentence1": "A man holds a red cup .",
        "sentence2": "A man holds a blue cup .",
        "gold_label": "contradiction",
        "annotator_labels": ["contradiction"] * 3,
        "pairID": 7,
        "category": "colors",
    },
    {
        "sentence1": "A big dog runs .",
        "sentence2": "A large dog runs .",
        "gold_label": "entailment",
        "annotator_labels": ["entailment"] * 3,
        "pairID": 8,
        "category": "synonyms",
    },
    {
        "sentence1": "A cat sleeps in the hall .",
        "sentence2": "A cat sleeps in the attic .",
        "gold_label": "neutral",
        "annotator_labels": ["neutral"] * 3,
        "pairID": 9,
        "category": "rooms",
    },
]
CHAOS_ROW = {
    "uid": "46359n",
    "label_counter": {"e": 60, "n": 38, "c": 2},
    "majority_label": "e",
    "label_dist": [0.6, 0.38, 0.02],
    "label_count": [60, 38, 2],
    "entropy": 1.1,
    "example": {
        "uid": "46359n",
        "premise": "Two kids play .",
        "hypothesis": "Kids play outside .",
        "source": "snli",
    },
    "old_label": "n",
    "old_labels": ["neutral", "entailment", "neutral", "neutral", "entailment"],
}


def test_breaking_nli_maps_strings_and_keeps_category(tmp_path):
    df = load_breaking_nli(write_lines(tmp_path / "dataset.jsonl", BREAKING_ROWS))
    assert list(df.columns[: len(PAIR_COLUMNS)]) == list(PAIR_COLUMNS)
    assert df["label"].tolist() == [2, 0, 1]
    assert df["id"].tolist() == ["7", "8", "9"]
    assert df["category"].tolist() == ["colors", "synonyms", "rooms"]


def test_breaking_nli_unknown_category_warns_and_keeps(tmp_path, caplog):
    rows = BREAKING_ROWS[:1] + [dict(BREAKING_ROWS[1], category="fruits")]
    df = load_breaking_nli(write_lines(tmp_path / "dataset.jsonl", rows))
    assert len(df) == 2
    assert "fruits" in caplog.text


def test_chaosnli_counts_and_shares(tmp_path):
    second = dict(
        CHAOS_ROW,
        uid="x2",
        label_counter={"c": 100},
        majority_label="c",
        label_count=[0, 0, 100],
        old_label="c",
        old_labels=["c"] * 5,
    )
    df = load_chaosnli(write_lines(tmp_path / "chaosNLI_snli.jsonl", [CHAOS_ROW, second]))
    assert df["label"].tolist() == [0, 2]
    assert df["premise"].iloc[0] == "Two kids play ."
    assert df["max_share"].tolist() == [60.0, 100.0]
    assert df[["count_e", "count_n", "count_c"]].iloc[0].tolist() == [60, 38, 2]


def test_chaosnli_counts_must_match_annotators(tmp_path):
    bad = dict(CHAOS_ROW, label_count=[60, 30, 2])
    with pytest.raises(DataFormatError, match=r"chaos\.jsonl:1: field 'label_count' sums to 92"):
        load_chaosnli(write_lines(tmp_path / "chaos.jsonl", [bad]))


def test_hub_snli_drops_and_counts_unlabelled_rows(tmp_path):
    import datasets

    split = datasets.Dataset.from_dict(
        {"premise": ["A b .", "C d .", "E f ."], "hypothesis": ["A .", "C .", "E ."], "label": [0, -1, 2]}
    )
    datasets.DatasetDict({"train": split}).save_to_disk(str(tmp_path / "snli"))
    df = load_hub_split(tmp_path / "snli", "train", source="snli")
    assert df["label"].tolist() == [0, 2]
    assert df["id"].tolist() == ["snli-train-0", "snli-train-2"]  # ids stay the published row indices
    assert df.attrs["dropped_no_gold"] == 1


def test_hub_mnli_uses_idx_as_id(tmp_path):
    import datasets

    split = datasets.Dataset.from_dict(
        {"premise": ["P one .", "P two ."], "hypothesis": ["H .", "H2 ."], "label": [1, 2], "idx": [10, 11]}
    )
    datasets.DatasetDict({"validation_matched": split}).save_to_disk(str(tmp_path / "mnli"))
    df = load_hub_split(tmp_path / "mnli", "validation_matched", source="mnli")
    assert df["id"].tolist() == ["10", "11"]
    with pytest.raises(DataFormatError, match="no split 'train'"):
        load_hub_split(tmp_path / "mnli", "train", source="mnli")


def test_original_snli_jsonl_with_dash_labels(tmp_path):
    rows = [
        {"sentence1": "A man .", "sentence2": "A person .", "gold_label": "entailment", "pairID": "1r1e"},
        {"sentence1": "A man .", "sentence2": "A dog .", "gold_label": "-", "pairID": "1r1n"},
    ]
    df = load_pairs_file(write_lines(tmp_path / "snli_1.0_dev.jsonl", rows), source="snli")
    assert df["id"].tolist() == ["1r1e"]
    assert df.attrs["dropped_no_gold"] == 1


def test_csv_with_semicolons_is_sniffed(tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_text("premise;hypothesis;label\nA man sleeps .;A man rests .;entailment\nA b .;C d .;2\n")
    df = load_pairs_file(path, source="mine")
    assert df["label"].tolist() == [0, 2]
    assert df["id"].tolist() == ["mine-0", "mine-1"]


@pytest.mark.parametrize(
    "content, message",
    [
        (
            b'{"premise": "a", "hypothesis": "b", "label": 0}\n{"premise": "a", \n',
            r"bad\.jsonl:2: malformed JSON",
        ),
        (b"", r"bad\.jsonl: file is empty"),
        (b'{"premise": "a", "label": 0}\n', r"missing field 'hypothesis'"),
        (
            b'{"premise": "a", "hypothesis": "b", "label": "maybe"}\n',
            r"bad\.jsonl:1: field 'label': unknown label",
        ),
        (
            b'{"premise": "a", "hypothesis": "b", "label": 5}\n',
            r"bad\.jsonl:1: field 'label': label 5 out of range",
        ),
        (b'{"premise": "  ", "hypothesis": "b", "label": 1}\n', r"bad\.jsonl:1: field 'premise' is empty"),
        (b'{"premise": "a\xff", "hypothesis": "b", "label": 1}\n', r"bad\.jsonl:1: not valid UTF-8"),
        (
            b'{"id": 1, "premise": "a", "hypothesis": "b", "label": 1}\n{"id": 1, "premise": "c", "hypothesis": "d", '
            b'"label": 0}\n',
            r"bad\.jsonl:2: duplicate id '1'",
        ),
        (b"[1, 2]\n", r"bad\.jsonl:1: expected a JSON object"),
    ],
)
def test_bad_local_files_get_one_clear_line(tmp_path, content, message):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(content)
    with pytest.raises(DataFormatError, match=message):
        load_pairs_file(path, source="mine")


def test_prepare_writes_nothing_when_a_split_is_bad(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    good = [{"premise": "a", "hypothesis": "b", "label": 0}]
    write_lines(raw / "train.jsonl", good)
    write_lines(raw / "validation.jsonl", good)
    (raw / "test.jsonl").write_text('{"premise": "a"\n')
    with pytest.raises(DataFormatError, match=r"test\.jsonl:1: malformed JSON"):
        prepare_dataset("snli", raw, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_read_table_parquet_roundtrip(tmp_path):
    frame = pd.DataFrame({"premise": ["x"], "hypothesis": ["y"], "label": [1]})
    frame.to_parquet(tmp_path / "p.parquet")
    assert read_table(tmp_path / "p.parquet")["__line__"].tolist() == [1]
