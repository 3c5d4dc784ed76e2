"""Bad input through the workflow: the prepare job fails with one line naming file and line, and leaves nothing."""

import json
import re
import subprocess
import sys

import pytest
from workflow_helpers import REPO, run_snakemake, write_config


def test_malformed_line_stops_prepare_with_one_line_and_no_outputs(tmp_path):
    raw = tmp_path / "my_snli"
    raw.mkdir()
    good = "".join(
        json.dumps({"premise": "A man sleeps .", "hypothesis": "A man rests .", "label": 0}) + "\n" for _ in range(3)
    )
    (raw / "train.jsonl").write_text(good)
    (raw / "validation.jsonl").write_text(good)
    (raw / "test.jsonl").write_text(good + '{"premise": "A cat", "hypothesis": \n')
    config = write_config(tmp_path / "bad.yaml", base="config/demo.yaml", data={"snli": {"path": str(raw)}})

    result = run_snakemake(
        "results/data/snli/counts.json", "--cores", "1", "--configfile", str(config), workdir=tmp_path, check=False
    )

    assert result.returncode != 0
    log_lines = (tmp_path / "logs/data/prepare_snli.log").read_text().strip().splitlines()
    assert log_lines[-1] == f"error: {raw / 'test.jsonl'}:4: malformed JSON (Expecting value, column 36)"
    assert not list((tmp_path / "results").rglob("*.parquet"))
    assert not (tmp_path / "results/data/snli/counts.json").exists()


# ---- every bad-input case through the prepare command line: exit 2, one line, nothing written ---------------------
PAIR = {"premise": "A man sleeps .", "hypothesis": "A man rests .", "label": 0}


def jsonl(*rows) -> bytes:
    return b"".join((row if isinstance(row, bytes) else json.dumps(row).encode()) + b"\n" for row in rows)


BAD_SNLI_TEST_FILES = {
    "malformed JSON line": (
        jsonl(PAIR, b'{"premise": "A cat", "hypothesis": '),
        r"test\.jsonl:2: malformed JSON \(Expecting value, column 36\)",
    ),
    "empty file": (b"", r"test\.jsonl: file is empty"),
    "not a JSON object": (jsonl(PAIR, b"[1, 2]"), r"test\.jsonl:2: expected a JSON object, got list"),
    "missing premise": (jsonl({"hypothesis": "b", "label": 0}), r"test\.jsonl: missing field 'premise'"),
    "missing hypothesis": (jsonl({"premise": "a", "label": 0}), r"test\.jsonl: missing field 'hypothesis'"),
    "missing label": (jsonl({"premise": "a", "hypothesis": "b"}), r"test\.jsonl: missing field 'label'"),
    "unknown label string": (
        jsonl(PAIR, PAIR | {"label": "maybe"}),
        r"test\.jsonl:2: field 'label': unknown label 'maybe'",
    ),
    "numeric label out of range": (jsonl(PAIR | {"label": 5}), r"test\.jsonl:1: field 'label': label 5 out of range"),
    "empty text": (jsonl(PAIR, PAIR | {"premise": ""}), r"test\.jsonl:2: field 'premise' is empty"),
    "whitespace-only text": (jsonl(PAIR | {"hypothesis": " \t "}), r"test\.jsonl:1: field 'hypothesis' is empty"),
    "bytes that are not UTF-8": (
        jsonl(PAIR, b'{"premise": "caf\xe9", "hypothesis": "b", "label": 1}'),
        r"test\.jsonl:2: not valid UTF-8",
    ),
    "duplicate ids": (jsonl(PAIR | {"id": "7"}, PAIR | {"id": "7"}), r"test\.jsonl:2: duplicate id '7'"),
}


def prepare(dataset: str, raw, out):
    return subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts/prepare_data.py"),
            "--dataset",
            dataset,
            "--raw",
            str(raw),
            "--out-dir",
            str(out / "data"),
            "--counts",
            str(out / "counts.json"),
        ],
        capture_output=True,
        text=True,
    )


def assert_one_line_and_nothing_written(result, out, pattern):
    assert result.returncode == 2, result.stderr[-2000:]
    last = result.stderr.strip().splitlines()[-1]
    assert re.fullmatch(rf"error: .*{pattern}.*", last), last
    assert "Traceback" not in result.stderr
    assert not out.exists() or not [p for p in out.rglob("*") if p.is_file()]


@pytest.mark.parametrize("case", list(BAD_SNLI_TEST_FILES))
def test_bad_pairs_file_gets_one_line_and_leaves_nothing(tmp_path, case):
    content, pattern = BAD_SNLI_TEST_FILES[case]
    raw = tmp_path / "snli"
    raw.mkdir()
    (raw / "train.jsonl").write_bytes(jsonl(PAIR))
    (raw / "validation.jsonl").write_bytes(jsonl(PAIR))
    (raw / "test.jsonl").write_bytes(content)
    assert_one_line_and_nothing_written(prepare("snli", raw, tmp_path / "out"), tmp_path / "out", pattern)


def test_missing_source_path_gets_one_line_and_leaves_nothing(tmp_path):
    result = prepare("snli", tmp_path / "no_such_folder", tmp_path / "out")
    assert_one_line_and_nothing_written(result, tmp_path / "out", r"no_such_folder: no such file or folder")


def test_chaosnli_counts_that_disagree_get_one_line_and_leave_nothing(tmp_path):
    raw = tmp_path / "chaos"
    raw.mkdir()
    row = {
        "uid": "1",
        "example": {"premise": "a", "hypothesis": "b"},
        "label_counter": {"e": 60, "n": 30, "c": 10},
        "label_count": [60, 30, 2],
        "majority_label": "e",
        "old_labels": ["entailment"] * 5,
    }
    (raw / "chaosNLI_snli.jsonl").write_bytes(jsonl(row | {"label_count": [60, 30, 10]}, row | {"uid": "2"}))
    (raw / "chaosNLI_mnli_m.jsonl").write_bytes(jsonl(row | {"label_count": [60, 30, 10]}))
    result = prepare("chaosnli", raw, tmp_path / "out")
    assert_one_line_and_nothing_written(result, tmp_path / "out", r"chaosNLI_snli\.jsonl:2: field 'label_count'")


def test_csv_with_a_missing_column_gets_one_line_and_leaves_nothing(tmp_path):
    raw = tmp_path / "snli"
    raw.mkdir()
    for split in ("train", "validation"):
        (raw / f"{split}.jsonl").write_bytes(jsonl(PAIR))
    (raw / "test.csv").write_text("premise;label\nA man sleeps .;0\n")
    result = prepare("snli", raw, tmp_path / "out")
    assert_one_line_and_nothing_written(result, tmp_path / "out", r"test\.csv: missing field 'hypothesis'")


def test_one_file_as_a_data_set_path_gets_one_line_naming_the_layout(tmp_path):
    path = tmp_path / "snli_all.jsonl"
    path.write_bytes(jsonl(PAIR, PAIR | {"premise": "Another ."}))
    result = prepare("snli", path, tmp_path / "out")
    assert_one_line_and_nothing_written(
        result, tmp_path / "out", r"snli_all\.jsonl: data\.snli\.path is one file, but snli needs a folder with train"
    )


def test_chaosnli_label_counter_that_is_no_object_gets_one_line(tmp_path):
    raw = tmp_path / "chaos"
    raw.mkdir()
    row = {"uid": "1", "example": {"premise": "a", "hypothesis": "b"}, "label_count": [60, 30, 10]}
    row |= {"majority_label": "e", "label_counter": [60, 30, 10], "old_labels": ["entailment"] * 5}
    for part in ("snli", "mnli_m"):
        (raw / f"chaosNLI_{part}.jsonl").write_bytes(jsonl(row))
    result = prepare("chaosnli", raw, tmp_path / "out")
    assert_one_line_and_nothing_written(
        result, tmp_path / "out", r"chaosNLI_snli\.jsonl:1: field 'label_counter' must be an object"
    )


@pytest.mark.parametrize("folder", ["my snli data", "snli $(touch INJECTED) `touch INJECTED2`"])
def test_a_data_path_with_spaces_or_shell_syntax_is_read_as_a_path(tmp_path, folder):
    raw = tmp_path / folder
    raw.mkdir()
    for split in ("train", "validation", "test"):
        (raw / f"{split}.jsonl").write_bytes(jsonl(PAIR, PAIR | {"premise": f"A {split} ."}))
    config = write_config(tmp_path / "spaces.yaml", base="config/demo.yaml", data={"snli": {"path": str(raw)}})
    run_snakemake("results/data/snli/counts.json", "--cores", "1", "--configfile", str(config), workdir=tmp_path)
    counts = json.loads((tmp_path / "results/data/snli/counts.json").read_text())
    assert counts["test"]["pairs"] == 2
    assert not list(tmp_path.rglob("INJECTED*"))
    assert not list(REPO.glob("INJECTED*"))


def test_an_ambiguity_selection_that_leakage_would_empty_stops_at_selection_time(tmp_path):
    """ChaosNLI's pairs are SNLI's development pairs: under leakage: exclude nothing would be left to tune on, and
    the CPU selection job says so before any GPU job tries."""
    import pandas as pd

    pairs = pd.DataFrame(
        {
            "id": ["a", "b"],
            "premise": ["A man sleeps .", "Two dogs run ."],
            "hypothesis": ["A man rests .", "Animals move ."],
            "label": [0, 0],
            "category": [None, None],
            "source": "chaosnli_snli",
            "max_share": [55.0, 58.0],
        }
    )
    (tmp_path / "chaosnli").mkdir()
    (tmp_path / "snli").mkdir()
    pairs.to_parquet(tmp_path / "chaosnli/snli.parquet")
    pairs.assign(id=["v1", "v2"], source="snli").to_parquet(tmp_path / "snli/validation.parquet")
    out = tmp_path / "out"
    # what data_overlap writes for the ChaosNLI source: the pairs SNLI validation shares with it
    from nlirobust.overlap import write_leakage_lists

    listing = tmp_path / "leakage.jsonl"
    write_leakage_lists(
        {"chaosnli/snli": tmp_path / "chaosnli/snli.parquet"},
        {"snli/validation": tmp_path / "snli/validation.parquet"},
        "exclude",
        [listing],
    )

    def select(leakage: str) -> subprocess.CompletedProcess:
        script = str(REPO / "scripts/select_examples.py")
        files = ["--pairs", str(tmp_path / "chaosnli/snli.parquet"), "--leakage-list", str(listing)]
        command = [sys.executable, script, "--rule", "chaosnli_max60", *files, "--leakage", leakage]
        return subprocess.run([*command, "--out", str(out / "sel.parquet")], capture_output=True, text=True)

    assert_one_line_and_nothing_written(select("exclude"), out, r"every one of its 2 pairs also sits in a scored set")
    assert select("report").returncode == 0 and (out / "sel.parquet").exists()
