"""Each loader on lines shaped like the real files, and the errors bad files get."""

import json

import pandas as pd
import pytest

from nlirobust.data.io import read_table
from nlirobust.data.loaders import load_chaosnli, load_hub_split, load_pairs_file
from nlirobust.data.prepare import load_split, prepare_dataset
from nlirobust.data.schema import PAIR_COLUMNS, DataFormatError
from nlirobust.mistakes import select_ambiguous


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
    df = load_split("breaking_nli", "test", write_lines(tmp_path / "dataset.jsonl", BREAKING_ROWS))
    assert list(df.columns[: len(PAIR_COLUMNS)]) == list(PAIR_COLUMNS)
    assert df["label"].tolist() == [2, 0, 1]
    assert df["id"].tolist() == ["7", "8", "9"]
    assert df["category"].tolist() == ["colors", "synonyms", "rooms"]


def test_breaking_nli_unknown_category_warns_and_keeps(tmp_path, caplog):
    rows = BREAKING_ROWS[:1] + [dict(BREAKING_ROWS[1], category="fruits")]
    df = load_split("breaking_nli", "test", write_lines(tmp_path / "dataset.jsonl", rows))
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


def snli_original_line(pair_id, gold, annotators, premise="A man naps .", hypothesis="A man rests ."):
    """A line shaped like the original snli_1.0_*.jsonl (field names and value formats; made-up text)."""
    return {
        "annotator_labels": annotators,
        "captionID": f"{pair_id.split('#')[0]}#0",
        "gold_label": gold,
        "pairID": pair_id,
        "sentence1": premise,
        "sentence1_binary_parse": "( ( A man ) naps )",
        "sentence1_parse": "(ROOT (S (NP (DT A) (NN man)) (VP (VBZ naps)) (. .)))",
        "sentence2": hypothesis,
        "sentence2_binary_parse": "( ( A man ) rests )",
        "sentence2_parse": "(ROOT (S (NP (DT A) (NN man)) (VP (VBZ rests)) (. .)))",
    }


def test_chaosnli_agreement_reads_full_word_old_labels(tmp_path):
    """The real files spell old_label as a letter and old_labels as words: 3 of 5 agree here, not 0."""
    five = dict(
        CHAOS_ROW, uid="a", old_label="n", old_labels=["neutral", "neutral", "neutral", "entailment", "contradiction"]
    )
    unanimous = dict(CHAOS_ROW, uid="b", old_label="e", old_labels=["entailment"] * 5)
    four = dict(CHAOS_ROW, uid="c", old_label="c", old_labels=["contradiction"] * 4 + ["neutral"])
    df = load_chaosnli(write_lines(tmp_path / "chaosNLI_snli.jsonl", [five, unanimous, four]))
    assert df["annotators"].tolist() == [5, 5, 5]
    assert df["max_agreeing"].tolist() == [3, 5, 4]
    assert select_ambiguous(df, "snli_low_agreement")["id"].tolist() == ["a"]
    assert select_ambiguous(df, "snli_low_agreement", max_agreeing=4)["id"].tolist() == ["a", "c"]


def test_chaosnli_label_counter_that_is_not_an_object_is_one_line(tmp_path):
    bad = dict(CHAOS_ROW, label_counter=[60, 38, 2])
    with pytest.raises(DataFormatError, match=r"chaos\.jsonl:1: field 'label_counter' must be an object"):
        load_chaosnli(write_lines(tmp_path / "chaos.jsonl", [bad]))


def test_original_snli_annotator_labels_give_low_agreement_training_pairs(tmp_path):
    rows = [
        snli_original_line("1.jpg#0r1n", "neutral", ["neutral", "neutral", "entailment", "neutral", "contradiction"]),
        snli_original_line("2.jpg#0r1e", "entailment", ["entailment"]),  # unvalidated: one label only
        snli_original_line("3.jpg#0r1c", "contradiction", ["contradiction"] * 5),
        snli_original_line("4.jpg#0r1n", "-", ["neutral", "entailment", "contradiction", "neutral", "entailment"]),
    ]
    df = load_pairs_file(write_lines(tmp_path / "snli_1.0_train.jsonl", rows), source="snli")
    assert df["id"].tolist() == ["1.jpg#0r1n", "2.jpg#0r1e", "3.jpg#0r1c"]
    assert df["annotators"].tolist() == [5, 1, 5]
    assert df["max_agreeing"].tolist() == [3, 1, 5]
    assert select_ambiguous(df, "snli_low_agreement")["id"].tolist() == ["1.jpg#0r1n"]


def test_low_agreement_without_annotator_labels_is_refused():
    hub_like = pd.DataFrame({"id": ["a"], "label": [0]})
    with pytest.raises(ValueError, match="needs annotator labels"):
        select_ambiguous(hub_like, "snli_low_agreement")


def test_one_file_is_never_train_validation_and_test_at_once(tmp_path):
    path = write_lines(
        tmp_path / "all.jsonl", [snli_original_line(f"{i}.jpg#0r1e", "entailment", ["entailment"]) for i in range(50)]
    )
    with pytest.raises(
        DataFormatError, match=r"all\.jsonl: data\.snli\.path is one file, but snli needs a folder with train"
    ):
        prepare_dataset("snli", path, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    with pytest.raises(DataFormatError, match="chaosNLI_snli.jsonl and chaosNLI_mnli_m.jsonl"):
        prepare_dataset("chaosnli", write_lines(tmp_path / "chaosNLI_snli.jsonl", [CHAOS_ROW]), tmp_path / "out")


def test_one_file_is_cut_into_disjoint_seeded_splits_when_asked(tmp_path):
    path = write_lines(
        tmp_path / "all.jsonl",
        [snli_original_line(f"{i}.jpg#0r1e", "entailment", ["entailment"], hypothesis=f"h {i} .") for i in range(100)],
    )
    counts = prepare_dataset("snli", path, tmp_path / "out", shares={"validation": 0.1, "test": 0.2, "seed": 4})
    assert {k: v["pairs"] for k, v in counts.items()} == {"train": 70, "validation": 10, "test": 20}
    ids = {split: set(pd.read_parquet(tmp_path / "out" / f"{split}.parquet")["id"]) for split in counts}
    assert (
        not ids["train"] & ids["validation"] and not ids["train"] & ids["test"] and not ids["validation"] & ids["test"]
    )
    prepare_dataset("snli", path, tmp_path / "again", shares={"validation": 0.1, "test": 0.2, "seed": 4})
    assert set(pd.read_parquet(tmp_path / "again/test.parquet")["id"]) == ids["test"]


def test_original_distribution_file_names_are_found_and_never_shared_between_splits(tmp_path):
    raw = tmp_path / "snli_1.0"
    raw.mkdir()
    for split in ("train", "dev", "test"):
        write_lines(
            raw / f"snli_1.0_{split}.jsonl", [snli_original_line(f"{split}.jpg#0r1e", "entailment", ["entailment"])]
        )
    counts = prepare_dataset("snli", tmp_path, tmp_path / "out")  # the unpacked download's own subfolder
    assert pd.read_parquet(tmp_path / "out/validation.parquet")["id"].tolist() == ["dev.jpg#0r1e"]
    assert sorted(counts) == ["test", "train", "validation"]


def test_mnli_without_mismatched_prepares_what_is_asked(tmp_path):
    raw = tmp_path / "mnli"
    raw.mkdir()
    row = {"premise": "a", "hypothesis": "b", "label": 0}
    write_lines(raw / "train.jsonl", [row])
    write_lines(raw / "validation_matched.jsonl", [row])
    counts = prepare_dataset("mnli", raw, tmp_path / "out", splits=["train", "validation_matched"])
    assert sorted(counts) == ["train", "validation_matched"]
    with pytest.raises(DataFormatError, match="no file for validation_mismatched"):
        prepare_dataset("mnli", raw, tmp_path / "out2")


def test_jsonl_with_a_byte_order_mark_reads_like_csv_with_one(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"premise": "a", "hypothesis": "b", "label": 0}).encode() + b"\n")
    assert load_pairs_file(path, source="mine")["label"].tolist() == [0]


# HANS heuristics_evaluation_set.txt: tab-separated, this header, `non-entailment` spelled with a hyphen, pairID
# `ex<n>`; lines here are our own words in the real file's shape.
HANS_HEADER = (
    "gold_label\tsentence1_binary_parse\tsentence2_binary_parse\tsentence1_parse\tsentence2_parse\tsentence1\t"
    "sentence2\tpairID\theuristic\tsubcase\ttemplate"
)
HANS_LINES = [
    "non-entailment\t( ( The clerk ) ( ( saw ( the pilot ) ) . ) )\t( ( The pilot ) ( ( saw ( the clerk ) ) . ) )\t"
    "(ROOT (S (NP (DT The) (NN clerk)) (VP (VBD saw) (NP (DT the) (NN pilot))) (. .)))\t"
    "(ROOT (S (NP (DT The) (NN pilot)) (VP (VBD saw) (NP (DT the) (NN clerk))) (. .)))\t"
    "The clerk saw the pilot .\tThe pilot saw the clerk .\tex0\tlexical_overlap\tln_subject_object_swap\ttemp1",
    "entailment\t( a )\t( b )\t(ROOT a)\t(ROOT b)\tSince the clerk slept , the pilot ran .\tThe pilot ran .\tex1\t"
    "constituent\tce_after_since_clause\ttemp50",
]


def test_hans_file_two_way_labels_heuristic_as_category(tmp_path):
    path = tmp_path / "heuristics_evaluation_set.txt"
    path.write_text("\n".join([HANS_HEADER, *HANS_LINES]) + "\n")
    pairs = load_split("hans", "test", path)
    assert list(pairs.columns[: len(PAIR_COLUMNS)]) == list(PAIR_COLUMNS)
    assert pairs["id"].tolist() == ["ex0", "ex1"]
    assert pairs["label"].tolist() == [1, 0]  # non-entailment is 1 in a two-way set
    assert pairs["category"].tolist() == ["lexical_overlap", "constituent"]
    assert pairs["subcase"].tolist() == ["ln_subject_object_swap", "ce_after_since_clause"]
    assert pairs["premise"][0] == "The clerk saw the pilot ."
    # the folder a url download leaves (the file under its own name) prepares to hans/test
    counts = prepare_dataset("hans", tmp_path, tmp_path / "out")
    assert counts["test"]["pairs"] == 2
    assert pd.read_parquet(tmp_path / "out/test.parquet")["label"].tolist() == [1, 0]


def test_hans_bad_label_and_missing_field_name_the_line(tmp_path):
    path = tmp_path / "hans.txt"
    path.write_text("\n".join([HANS_HEADER, HANS_LINES[0], HANS_LINES[1].replace("entailment", "neutral", 1)]) + "\n")
    with pytest.raises(
        DataFormatError, match=r"hans.txt:3: field 'gold_label': 'neutral' is not one of entailment, non-entailment$"
    ):
        load_split("hans", "test", path)
    path.write_text("\n".join([HANS_HEADER.replace("\tsubcase", "\tcase"), HANS_LINES[0]]) + "\n")
    with pytest.raises(DataFormatError, match=r"hans.txt:2: missing field 'subcase'$"):
        load_split("hans", "test", path)


def test_breaking_nli_bad_label_names_the_line_and_no_gold_label_is_dropped(tmp_path):
    rows = [*BREAKING_ROWS, dict(BREAKING_ROWS[0], pairID=10, gold_label="-")]
    counts = prepare_dataset("breaking_nli", write_lines(tmp_path / "dataset.jsonl", rows), tmp_path / "out")
    assert counts["test"]["pairs"] == 3 and counts["test"]["dropped_no_gold_label"] == 1
    agreement = pd.read_parquet(tmp_path / "out/test.parquet")[["annotators", "max_agreeing"]]
    assert agreement.to_numpy().tolist() == [[3, 3]] * 3
    rows[1] = dict(rows[1], gold_label="maybe")
    with pytest.raises(DataFormatError, match=r"dataset.jsonl:2: field 'gold_label': 'maybe' is not one of entailment"):
        load_split("breaking_nli", "test", write_lines(tmp_path / "dataset.jsonl", rows))


def test_hub_hans_is_read_by_its_own_declaration(tmp_path):
    import datasets

    rows = {
        "premise": ["The clerk saw the pilot .", "Since the clerk slept , the pilot ran ."],
        "hypothesis": ["The pilot saw the clerk .", "The pilot ran ."],
        "label": [1, 0],
        "parse_premise": ["(ROOT a)", "(ROOT b)"],
        "heuristic": ["lexical_overlap", "constituent"],
        "subcase": ["ln_subject_object_swap", "ce_after_since_clause"],
        "template": ["temp1", "temp50"],
    }
    split = datasets.Dataset.from_dict(rows)
    datasets.DatasetDict({"train": split, "validation": split}).save_to_disk(str(tmp_path / "hans"))
    pairs = load_split("hans", "test", tmp_path / "hans")
    assert pairs["id"].tolist() == ["hans-validation-0", "hans-validation-1"]
    assert pairs["label"].tolist() == [1, 0]
    assert pairs[["category", "subcase", "template"]].to_numpy().tolist() == [
        ["lexical_overlap", "ln_subject_object_swap", "temp1"],
        ["constituent", "ce_after_since_clause", "temp50"],
    ]


def test_embedded_hans_has_the_real_shape_and_balanced_heuristics(tmp_path):
    from nlirobust.embedded.data import EmbeddedSizes, write_embedded_data

    small = dict(snli_train=10, snli_validation=10, snli_test=10, mnli_train=10, mnli_validation=10, chaosnli=10)
    paths = write_embedded_data(tmp_path, sizes=EmbeddedSizes(**small, breaking_nli_scale=0.01, hans=120))
    path = paths["hans/heuristics_evaluation_set.txt"]
    assert path.read_text().splitlines()[0] == HANS_HEADER
    pairs = load_split("hans", "test", path)
    assert len(pairs) == 120
    assert set(pairs["category"]) == {"lexical_overlap", "subsequence", "constituent"}
    by = pairs.groupby("category")["label"].agg(["mean", "size"])
    assert (by["mean"] == 0.5).all()  # entailed and not, half each, under every heuristic
    assert (by["size"] == 40).all()
