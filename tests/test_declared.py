"""Evaluation sets declared in the config alone: real-shaped files read with the right counts, bad declarations
refused while planning in one line, a line without a mapped field named at preparation."""

import json
import subprocess
import sys

import pandas as pd
import pytest
import yaml
from workflow_helpers import ANLI_LIKE_DECLARATION, REPO

from nlirobust.config_checks import config_problem, workflow_problem
from nlirobust.data.declared import declaration, declaration_problem, load_declared
from nlirobust.data.prepare import prepare_dataset
from nlirobust.workflow_config import datasets, known_sets, two_way_sets

ANLI_LIKE = [
    {"uid": "a1", "premise": "A dog runs, fast.", "hypothesis": "An animal moves.", "label": "e", "reason": "r1"},
    {"uid": "a2", "premise": "A dog runs.", "hypothesis": "A cat sleeps.", "label": "c", "reason": "r2"},
    {"uid": "a3", "premise": "Two men talk.", "hypothesis": "They are brothers.", "label": "n", "reason": "r1"},
    {"uid": "a4", "premise": "A child sings.", "hypothesis": "Someone sings.", "label": "e", "reason": "r3"},
    {"uid": "a5", "premise": "A child sings.", "hypothesis": "Nobody sings.", "label": "-", "reason": "r2"},
]


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def test_an_anli_like_jsonl_set_with_letter_labels_and_a_reason_field(tmp_path):
    path = write_jsonl(tmp_path / "test.jsonl", ANLI_LIKE)
    pairs = load_declared(path, declaration("anli_r1", ANLI_LIKE_DECLARATION | {"path": str(path)}))
    assert pairs["id"].tolist() == ["a1", "a2", "a3", "a4"]
    assert pairs["label"].tolist() == [0, 2, 1, 0]
    # the first category field is the pair schema's `category` (no second copy under its own name)
    assert pairs["category"].tolist() == ["r1", "r2", "r1", "r3"] and "reason" not in pairs.columns
    assert (pairs["source"] == "anli_r1").all() and pairs.attrs["dropped_no_gold"] == 1
    counts = prepare_dataset("anli_r1", path, tmp_path / "out", declaration=ANLI_LIKE_DECLARATION | {"path": str(path)})
    assert counts == {
        "test": {
            "pairs": 4,
            "dropped_no_gold_label": 1,
            "conflicting_duplicates": 0,
            "conflicting_duplicates_action": "keep",
            "labels": {0: 2, 1: 1, 2: 1},
        }
    }
    assert pd.read_parquet(tmp_path / "out/test.parquet")["premise"].iloc[0] == "A dog runs, fast."


def test_a_headerless_tsv_names_its_columns_by_number_and_keeps_bare_quotes(tmp_path):
    path = tmp_path / "stress.tsv"
    path.write_text(
        'entailment\tA man says "hi" to a woman.\tA man speaks.\tnegation\n'
        "contradiction\tA man says hi.\tA man is silent.\tnegation\n"
        'neutral\tA "tall" man sings.\tThe man is a singer.\tword_overlap\n'
    )
    spec = {
        "path": str(path),
        "format": "tsv",
        "header": False,
        "fields": {"label": 1, "premise": 2, "hypothesis": 3, "categories": [4]},
        "labels": {"entailment": ["entailment"], "neutral": ["neutral"], "contradiction": ["contradiction"]},
    }
    assert declaration_problem("stress", spec) is None
    pairs = load_declared(path, declaration("stress", spec))
    assert pairs["premise"].tolist()[0] == 'A man says "hi" to a woman.'
    assert pairs["label"].tolist() == [0, 2, 1] and pairs["id"].tolist() == ["stress-1", "stress-2", "stress-3"]
    assert pairs["category"].tolist() == ["negation", "negation", "word_overlap"]


def test_a_csv_with_quoted_commas_and_a_two_way_label_scheme(tmp_path):
    path = tmp_path / "scitail.csv"
    path.write_text(
        "pair_id,sentence1,sentence2,gold\n"
        '1,"Plants, like trees, make oxygen.",Trees make oxygen.,entails\n'
        '2,"Water boils at 100 C, at sea level.","Water freezes, always.",neutral\n'
    )
    spec = {
        "path": str(path),
        "format": "csv",
        "fields": {"premise": "sentence1", "hypothesis": "sentence2", "label": "gold", "id": "pair_id"},
        "labels": {"entailment": ["entails"], "non_entailment": ["neutral"]},
    }
    decl = declaration("scitail", spec)
    assert decl.two_way
    pairs = load_declared(path, decl)
    assert pairs["premise"].tolist() == ["Plants, like trees, make oxygen.", "Water boils at 100 C, at sea level."]
    assert pairs["hypothesis"].iloc[1] == "Water freezes, always." and pairs["label"].tolist() == [0, 1]


def test_a_hub_style_saved_dataset_with_integer_labels_and_nested_fields(tmp_path):
    import datasets

    rows = {
        "example": [{"premise": f"P {i}.", "hypothesis": f"H {i}."} for i in range(6)],
        "label": [0, 1, 2, -1, 2, 0],
        "uid": [f"u{i}" for i in range(6)],
    }
    datasets.DatasetDict({"test_r1": datasets.Dataset.from_dict(rows)}).save_to_disk(str(tmp_path / "hub"))
    spec = {
        "hub": "someone/anli_like",
        "hub_split": "test_r1",
        "fields": {"premise": "example.premise", "hypothesis": "example.hypothesis", "label": "label", "id": "uid"},
        "labels": {"entailment": [0], "neutral": [1], "contradiction": [2], "drop": [-1]},
    }
    assert declaration_problem("anli_hub", spec) is None
    pairs = load_declared(tmp_path / "hub", declaration("anli_hub", spec))
    assert pairs["id"].tolist() == ["u0", "u1", "u2", "u4", "u5"] and pairs["label"].tolist() == [0, 1, 2, 2, 0]
    assert pairs["premise"].iloc[3] == "P 4." and pairs.attrs["dropped_no_gold"] == 1


def test_breaking_nli_and_hans_are_declarations_a_user_could_write():
    """One reader: the built-in sets' declarations pass the config's own schema and checks, as a user's would."""
    import jsonschema

    from nlirobust.data.built_in_sets import BUILT_IN_DECLARATIONS, HUB_DECLARATIONS

    schema = yaml.safe_load((REPO / "config/schema.yaml").read_text())
    declared_set = {**schema["definitions"]["declared_set"], "definitions": schema["definitions"]}
    specs = [(n, d | {"url": "https://example.org/x.zip"}) for n, d in BUILT_IN_DECLARATIONS.items()]
    specs += [(n, d | {"hub": "someone/" + n}) for n, d in HUB_DECLARATIONS.items()]
    for name, spec in specs:
        jsonschema.validate(spec, declared_set)
        assert declaration_problem(name, spec) is None
    assert declaration("hans", BUILT_IN_DECLARATIONS["hans"]).two_way
    assert two_way_sets({"data": {}}) == ["hans"]


def test_a_line_without_a_mapped_field_is_named_when_prepared(tmp_path):
    rows = [dict(row) for row in ANLI_LIKE]
    del rows[2]["hypothesis"]
    path = write_jsonl(tmp_path / "test.jsonl", rows)
    command = [
        sys.executable,
        str(REPO / "scripts/prepare_data.py"),
        "--dataset",
        "anli_r1",
        "--raw",
        str(path),
        "--declaration",
        json.dumps(ANLI_LIKE_DECLARATION | {"path": str(path)}),
        "--out-dir",
        str(tmp_path / "out"),
        "--counts",
        str(tmp_path / "out/counts.json"),
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {path}:3: missing field 'hypothesis'"
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.fixture
def demo() -> dict:
    return yaml.safe_load((REPO / "config/demo.yaml").read_text())


def checked(config: dict) -> str | None:
    """The planning-time checks in their order (config_checks.check without Snakemake's default filling)."""
    from snakemake.utils import validate

    schema = REPO / "config/schema.yaml"
    problem = config_problem(config, [], schema)
    if problem:
        return problem
    validate(config, schema=str(schema))
    return workflow_problem(config)


def test_a_declared_set_joins_the_sets_every_study_can_name(demo, tmp_path):
    path = write_jsonl(tmp_path / "test.jsonl", ANLI_LIKE)
    demo["data"]["anli_r1"] = ANLI_LIKE_DECLARATION | {"path": str(path)}
    demo["evaluation"]["sets"].append("anli_r1/test")
    demo["evaluation"]["challenge_sets"] = ["breaking_nli/test", "anli_r1/test"]
    demo["analysis"]["sets"].append("anli_r1/test")
    assert checked(demo) is None
    assert "anli_r1" in datasets(demo) and "anli_r1/test" in known_sets(demo) and "anli_r1" not in two_way_sets(demo)


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            lambda c, p: c["data"].update(
                anli_r1=ANLI_LIKE_DECLARATION
                | {"path": p, "fields": {**ANLI_LIKE_DECLARATION["fields"], "premise": "context"}}
            ),
            "config: data.anli_r1.fields: {p}:1: missing field 'context'",
        ),
        (
            lambda c, p: c["data"].update(
                anli_r1=ANLI_LIKE_DECLARATION
                | {"path": p, "labels": {"entailment": ["e"], "neutral": ["n"], "contradiction": ["c"]}}
            ),
            "config: data.anli_r1.labels: label value '-' (1 of the first 5 lines of {p}) is not mapped; map it, or "
            "list it under `drop` to drop such rows",
        ),
        (
            lambda c, p: c["data"].update(
                anli_r1=ANLI_LIKE_DECLARATION
                | {"path": p, "fields": {**ANLI_LIKE_DECLARATION["fields"], "categories": ["reason", "meta.label"]}}
            ),
            "config: data.anli_r1.fields: 'label' cannot name a column of the prepared set (letters, digits and _, "
            "once; not category, hypothesis, id, label, premise, source)",
        ),
        (
            lambda c, p: c["data"].update(anli_r1=ANLI_LIKE_DECLARATION | {"path": p + ".missing"}),
            "config: data.anli_r1.path: {p}.missing: no such file or folder",
        ),
        (
            lambda c, p: c["data"].update(hans=ANLI_LIKE_DECLARATION | {"path": p}),
            "config: data.hans: 'hans' is a built-in set (its loader reads it); declare yours under another name, or "
            "give only its source (path, url, hub or embedded)",
        ),
        (
            lambda c, p: c["data"].update(anli_r1={"path": p}),
            "config: data.anli_r1: not a built-in set (snli, mnli, breaking_nli, chaosnli, hans); to declare an "
            "evaluation set, give its source, `fields` and `labels` (README: Any evaluation set)",
        ),
        (
            lambda c, p: c["evaluation"]["sets"].append("anli_r2/test"),
            "config: evaluation.sets[{n}]: 'anli_r2/test' is not a known set (built in: snli/validation, snli/test, "
            "mnli/validation_matched, mnli/validation_mismatched, breaking_nli/test, hans/test, chaosnli/snli, "
            "chaosnli/mnli_m; declared: none)",
        ),
        (
            lambda c, p: (
                c["data"].update(
                    two=ANLI_LIKE_DECLARATION
                    | {"path": p, "labels": {"entailment": ["e"], "non_entailment": ["n", "c", "-"]}}
                )
                or c["analysis"]["sets"].append("two/test")
            ),
            "config: analysis.sets[{a}]: 'two/test': the error analysis reads three-way sets (SNLI, MNLI, Breaking "
            "NLI or a declared three-way set)",
        ),
    ],
)
def test_a_bad_declaration_is_refused_while_planning_in_one_line(demo, tmp_path, edit, message):
    path = write_jsonl(tmp_path / "test.jsonl", ANLI_LIKE)
    n, a = len(demo["evaluation"]["sets"]), len(demo["analysis"]["sets"])
    edit(demo, str(path))
    assert checked(demo) == message.format(p=path, n=n, a=a)


def test_a_declared_set_with_digits_in_its_names_plans_every_study(demo, tmp_path):
    """anli_r1/test_r1 (digits in the set and split names, as the hub's ANLI rounds have them) is prepared, scored,
    tabled and analysed in the plan: every wildcard takes it."""
    from workflow_helpers import planned_jobs, run_snakemake

    path = write_jsonl(tmp_path / "test.jsonl", ANLI_LIKE)
    demo["data"]["anli_r1"] = ANLI_LIKE_DECLARATION | {"path": str(path), "split": "test_r1"}
    demo["evaluation"]["challenge_sets"] = ["breaking_nli/test", "anli_r1/test_r1"]
    demo["analysis"]["sets"].append("anli_r1/test_r1")
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(demo))
    plan = run_snakemake("-n", "--configfile", str(tmp_path / "config.yaml"), workdir=tmp_path).stdout
    assert planned_jobs(plan)["prepare_anli_r1"] == 1
    for output in (
        "results/tables/tiny-electra/mistakes/anli_r1/table8_category_label.md",
        "results/predictions/tiny-electra/snli/seed1/lr0.001/anli_r1/test_r1.parquet",
        "results/analysis/tiny-electra/snli/seed1/lr0.001/anli_r1/test_r1/errors.csv",
    ):
        assert output in plan, output
