"""Hardening, round two: a model folder that would load into nonsense, an ambiguous data folder, a pair with two
labels, a header-only file, a model's own label order, a typo'd recipe; each one line, nothing partial left."""

import json
import shutil
import subprocess
import sys

import pandas as pd
import pytest
import torch
from test_bad_input_workflow import PAIR, assert_one_line_and_nothing_written, jsonl, prepare
from workflow_helpers import REPO, run_snakemake, write_config


# ---- planning: one `config:` line on stderr, nothing else, nothing written ----------------------------------------
def copy_model(tiny_model, to):
    shutil.copytree(tiny_model, to)
    return to


def no_tokenizer(model):
    for name in ("tokenizer.json", "tokenizer_config.json"):
        (model / name).unlink()


def no_config(model):
    (model / "config.json").unlink()


def weights_cut_in_half(model):
    weights = model / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])


def two_label_head(model):
    config = json.loads((model / "config.json").read_text())
    config |= {
        "id2label": {"0": "entailment", "1": "not_entailment"},
        "label2id": {"entailment": 0, "not_entailment": 1},
    }
    (model / "config.json").write_text(json.dumps(config))


@pytest.mark.parametrize(
    "break_model, message",
    [
        (no_tokenizer, "no tokenizer files (tokenizer.json, vocab.txt, ...)"),
        (no_config, "no config.json"),
        (weights_cut_in_half, "cut short"),
        (two_label_head, "label(s) ['entailment', 'not_entailment'], not entailment, neutral and contradiction"),
    ],
)
def test_a_broken_model_folder_is_refused_while_planning_in_one_line(tmp_path, tiny_model, break_model, message):
    model = copy_model(tiny_model, tmp_path / "my_model")
    break_model(model)
    config = write_config(tmp_path / "c.yaml", base="config/demo.yaml", models=None, model={"name_or_path": str(model)})
    assert_refused_in_one_line(tmp_path, config, f"config: model.name_or_path: {model}")
    assert_refused_in_one_line(tmp_path, config, message)


def assert_refused_in_one_line(tmp_path, config, message):
    result = run_snakemake("-n", "--configfile", str(config), workdir=tmp_path, check=False)
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("config: "), result.stderr
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stdout + result.stderr and "Job stats" not in result.stdout
    assert not (tmp_path / "results").exists() and not (tmp_path / "logs").exists()


@pytest.mark.parametrize(
    "changes, message",
    [
        (
            {"evaluation": {"sets": ["snli/test", "hans/test"], "challenge_sets": []}, "data": {"hans": None}},
            "config: evaluation.sets names hans/test, but data.hans is not configured",
        ),
        (
            {"recipes": ["snli", "snli_snli"]},
            "config: recipes[1]: 'snli_snli' trains on snli more than once; did you mean 'snli_mnli'?",
        ),  # fmt: skip
        ({"recipes": ["mnli_mnli"]}, "did you mean 'mnli_snli'?"),
        (
            {"model": {"name_or_path": "embedded"}},
            "config: give `model:` (one encoder) or `models:` (a list of encoders), not both",
        ),
        (
            {"models": [{"name": "a", "name_or_path": "embedded"}, {"name": "a", "name_or_path": "embedded-bert"}]},
            "config: models[1].name: 'a' is given twice",
        ),
        (
            {"models": [{"name": "final", "name_or_path": "embedded"}]},
            "config: models[0].name: 'final' names a folder of results/ beside the encoders'",
        ),
        (
            {"models": [{"name": "a b", "name_or_path": "embedded"}]},
            "config: models[0].name: 'a b' does not match",
        ),
        (
            {"models": [{"name": "a", "name_or_path": "embedded", "training": {"batch_sise": 16}}]},
            "config: unknown key 'batch_sise' in models[0].training (known: epochs, batch_size,",
        ),
        (
            {"models": [{"name": "a", "name_or_path": "embedded", "training": {"epochs": 0}}]},
            "config: models[0].training.epochs: 0 is less than the minimum of 1",
        ),
        (
            {"models": [{"name": "a", "name_or_path": "embedded", "final_learning_rates": {"snli": [1e-5]}}]},
            "config: models[0].final_learning_rates: no rates for recipe 'snli_mnli'",
        ),
        (
            {"models": [{"name": "a", "name_or_path": "./no/such/model"}]},
            "config: models[0].name_or_path: './no/such/model' is no directory here",
        ),
    ],
)
def test_cross_key_problems_are_one_line_too(tmp_path, changes, message):
    import yaml

    config = write_config(tmp_path / "c.yaml", base="config/demo.yaml", **changes)
    if changes.get("data", {}).get("hans", 1) is None:
        settings = yaml.safe_load(config.read_text())
        settings["data"].pop("hans")
        config.write_text(yaml.safe_dump(settings))
    assert_refused_in_one_line(tmp_path, config, message)


def test_a_repeated_stage_plans_when_the_config_says_so(tmp_path):
    config = write_config(
        tmp_path / "c.yaml", base="config/demo.yaml", recipes=["snli_snli"], allow_repeated_stages=True
    )
    result = run_snakemake("-n", "--configfile", str(config), workdir=tmp_path)
    assert "results/models/tiny-electra/snli_snli/seed1/lr0.001/model" in result.stdout


# ---- in the job: what planning cannot see ---------------------------------------------------------------------------
def test_a_tokenizer_far_smaller_than_the_models_vocabulary_is_refused_when_loaded(tmp_path, tiny_model):
    from nlirobust.data.schema import DataFormatError
    from nlirobust.modeling import load_classifier

    model = copy_model(tiny_model, tmp_path / "other_tokenizer")
    config = json.loads((model / "config.json").read_text())
    (model / "config.json").write_text(json.dumps(config | {"vocab_size": 30522}))  # the tokenizer of another model
    with pytest.raises(DataFormatError, match=r"the tokenizer has \d+ entries but the model's vocabulary 30522"):
        load_classifier(model)


def test_a_head_in_another_label_order_is_put_in_ours(tmp_path, tiny_model, small_data):
    """A copy of a trained model whose head says contradiction=0, entailment=2 (as several public MNLI checkpoints
    do): loaded, it must answer exactly what the original answers, and say so in run.json."""
    from transformers import AutoModelForSequenceClassification

    from nlirobust.modeling import load_classifier
    from nlirobust.training.stage import StageArguments, train_stage

    original, tokenizer = load_classifier(tiny_model)
    swapped_dir = copy_model(tiny_model, tmp_path / "swapped")
    swapped = AutoModelForSequenceClassification.from_pretrained(swapped_dir)
    head = swapped.classifier.out_proj
    with torch.no_grad():
        head.weight.copy_(head.weight[[2, 1, 0]].clone())
        head.bias.copy_(head.bias[[2, 1, 0]].clone())
    swapped.config.id2label = {0: "CONTRADICTION", 1: "NEUTRAL", 2: "ENTAILMENT"}
    swapped.config.label2id = {v: k for k, v in swapped.config.id2label.items()}
    swapped.save_pretrained(swapped_dir)

    loaded, _ = load_classifier(swapped_dir)
    pairs = pd.read_parquet(small_data["snli_validation"]).head(32)
    batch = tokenizer(pairs["premise"].tolist(), pairs["hypothesis"].tolist(), padding=True, return_tensors="pt")
    original.eval(), loaded.eval()
    with torch.no_grad():
        torch.testing.assert_close(loaded(**batch).logits, original(**batch).logits)
    assert loaded.nlirobust_head_permuted_from == {0: "CONTRADICTION", 1: "NEUTRAL", 2: "ENTAILMENT"}

    out = tmp_path / "run"
    facts = train_stage(
        StageArguments(model_in=str(swapped_dir), train_file=str(small_data["snli_train"]), output_dir=str(out),
                       checkpoint_dir=str(tmp_path / "ckpt"), epochs=1, batch_size=32, max_train_examples=64,
                       threads=1, max_length=64)
    )  # fmt: skip
    assert facts["head_permuted_from"] == {0: "CONTRADICTION", 1: "NEUTRAL", 2: "ENTAILMENT"}
    saved = json.loads((out / "model/config.json").read_text())
    assert saved["id2label"] == {"0": "entailment", "1": "neutral", "2": "contradiction"}


# ---- data folders and files -------------------------------------------------------------------------------------
def snli_folder(root, **files):
    root.mkdir(parents=True, exist_ok=True)
    for name in ("train.jsonl", "validation.jsonl", "test.jsonl"):
        (root / name).write_bytes(jsonl(PAIR))
    for name, content in files.items():
        (root / name.replace("__", "/")).parent.mkdir(parents=True, exist_ok=True)
        (root / name.replace("__", "/")).write_bytes(content)
    return root


@pytest.mark.parametrize(
    "extra, pattern",
    [
        ({"train.csv": b"premise,hypothesis,label\nA man sleeps .,A man rests .,0\n"}, r"2 files for train.*train\."),
        (
            {"dev.jsonl": jsonl(PAIR)},
            r"2 files for validation or dev or snli_1\.0_dev: .*validation\.jsonl.*dev\.jsonl",
        ),
    ],
)
def test_a_split_present_twice_in_a_folder_is_refused_naming_both(tmp_path, extra, pattern):
    raw = snli_folder(tmp_path / "snli", **extra)
    assert_one_line_and_nothing_written(prepare("snli", raw, tmp_path / "out"), tmp_path / "out", pattern)


def test_two_subfolders_with_a_full_set_each_are_refused(tmp_path):
    raw = tmp_path / "download"
    snli_folder(raw / "snli_1.0")
    snli_folder(raw / "old")
    for path in (raw / "snli_1.0").glob("*.jsonl"):  # the real release's names in one, ours in the other
        path.rename(path.with_name(f"snli_1.0_{path.stem.replace('validation', 'dev')}.jsonl"))
    result = prepare("snli", raw, tmp_path / "out")
    assert_one_line_and_nothing_written(result, tmp_path / "out", r"2 files for train.*old/train\.jsonl.*snli_1\.0")


def test_splits_from_different_subfolders_are_read_and_said(tmp_path):
    raw = tmp_path / "download"
    (raw / "a").mkdir(parents=True)
    (raw / "b").mkdir()
    (raw / "a/train.jsonl").write_bytes(jsonl(PAIR))
    (raw / "b/validation.jsonl").write_bytes(jsonl(PAIR))
    (raw / "b/test.jsonl").write_bytes(jsonl(PAIR))
    result = prepare("snli", raw, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert "come from different folders: train from" in result.stderr


@pytest.mark.parametrize(
    "name, content",
    [
        ("test.csv", b"premise,hypothesis,label\n"),
        ("test.tsv", b"premise\thypothesis\tlabel\n"),
        ("test.csv", b"sentence1,sentence2,gold_label\r\n"),
    ],
)
def test_a_header_only_file_says_it_has_no_pairs(tmp_path, name, content):
    raw = tmp_path / "snli"
    raw.mkdir()
    (raw / "train.jsonl").write_bytes(jsonl(PAIR))
    (raw / "validation.jsonl").write_bytes(jsonl(PAIR))
    (raw / name).write_bytes(content)
    assert_one_line_and_nothing_written(
        prepare("snli", raw, tmp_path / "out"), tmp_path / "out", rf"{name}: file has a header but no pairs"
    )


def test_a_parquet_without_rows_says_it_has_no_pairs(tmp_path):
    raw = tmp_path / "snli"
    raw.mkdir()
    (raw / "train.jsonl").write_bytes(jsonl(PAIR))
    (raw / "validation.jsonl").write_bytes(jsonl(PAIR))
    pd.DataFrame({"premise": pd.Series(dtype=str), "hypothesis": pd.Series(dtype=str), "label": pd.Series(dtype=int)}
                 ).to_parquet(raw / "test.parquet")  # fmt: skip
    assert_one_line_and_nothing_written(prepare("snli", raw, tmp_path / "out"), tmp_path / "out", r"no pairs")


def test_a_bad_label_is_named_by_the_field_the_file_has(tmp_path):
    row = {"sentence1": "A man sleeps .", "sentence2": "A man rests .", "gold_label": "maybe", "pairID": "1"}
    raw = tmp_path / "snli"
    raw.mkdir()
    (raw / "train.jsonl").write_bytes(jsonl(PAIR))
    (raw / "validation.jsonl").write_bytes(jsonl(PAIR))
    (raw / "test.jsonl").write_bytes(jsonl(row))
    assert_one_line_and_nothing_written(
        prepare("snli", raw, tmp_path / "out"), tmp_path / "out", r"test\.jsonl:1: field 'gold_label': unknown label"
    )
    (raw / "test.jsonl").write_bytes(jsonl(row | {"gold_label": "neutral", "sentence2": " "}))
    assert_one_line_and_nothing_written(
        prepare("snli", raw, tmp_path / "out"), tmp_path / "out", r"test\.jsonl:1: field 'sentence2' is empty"
    )


def prepare_with(raw, out, conflicts):
    command = [sys.executable, str(REPO / "scripts/prepare_data.py"), "--dataset", "snli", "--raw", str(raw),
               "--out-dir", str(out / "data"), "--counts", str(out / "counts.json"),
               "--conflicting-duplicates", conflicts]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True)


def test_a_pair_with_two_labels_in_one_split_is_counted_and_follows_the_setting(tmp_path):
    same = [PAIR | {"id": "1"}, PAIR | {"id": "2"}]  # the same pair twice with one label: real SNLI dev has these
    conflict = [
        PAIR | {"id": "3", "premise": "A dog runs ."},
        PAIR | {"id": "4", "premise": "a dog  runs .", "label": 2},
    ]
    raw = snli_folder(tmp_path / "snli", **{"validation.jsonl": jsonl(*same, *conflict)})

    kept = prepare_with(raw, tmp_path / "keep", "keep")
    assert kept.returncode == 0, kept.stderr
    assert "snli/validation: 2 rows hold a pair that appears again with another label" in kept.stderr
    counts = json.loads((tmp_path / "keep/counts.json").read_text())
    assert counts["validation"]["conflicting_duplicates"] == 2 and counts["validation"]["pairs"] == 4
    assert counts["train"]["conflicting_duplicates"] == 0

    dropped = prepare_with(raw, tmp_path / "drop", "drop")
    assert dropped.returncode == 0, dropped.stderr
    assert pd.read_parquet(tmp_path / "drop/data/validation.parquet")["id"].tolist() == ["1", "2"]

    failed = prepare_with(raw, tmp_path / "fail", "fail")
    assert_one_line_and_nothing_written(failed, tmp_path / "fail", r"snli/validation: 2 rows hold a pair .*'3', '4'")


def test_the_conflict_setting_reaches_the_prepare_job_and_the_report(tmp_path):
    from nlirobust.report import data_section

    config = write_config(tmp_path / "c.yaml", base="config/demo.yaml", data={"conflicting_duplicates": "drop"})
    result = run_snakemake("results/data/snli/counts.json", "-n", "-p", "--configfile", str(config), workdir=tmp_path)
    assert "--conflicting-duplicates drop" in result.stdout
    (tmp_path / "snli").mkdir()
    counts = {"validation": {"pairs": 4, "dropped_no_gold_label": 0, "labels": {"0": 4}, "conflicting_duplicates": 2,
                             "conflicting_duplicates_action": "drop"}}  # fmt: skip
    (tmp_path / "snli/counts.json").write_text(json.dumps(counts))
    assert "| 2 dropped " in data_section([tmp_path / "snli/counts.json"])


def test_the_snli_release_folder_with_its_jsonl_and_txt_twins_is_read(tmp_path):
    """snli_1.0.zip unpacks to snli_1.0/snli_1.0_{train,dev,test}.jsonl, each beside a tab-separated .txt of the
    same pairs: that is the release, not a split given twice; the .jsonl is read."""
    release = tmp_path / "download/snli_1.0"
    release.mkdir(parents=True)
    row = {"annotator_labels": ["neutral"], "captionID": "1#0", "gold_label": "neutral", "pairID": "1#0r1n",
           "sentence1": "A man sleeps .", "sentence2": "A man rests .", "sentence1_parse": "(ROOT)",
           "sentence2_parse": "(ROOT)"}  # fmt: skip
    header = "gold_label\tsentence1_binary_parse\tsentence2_binary_parse\tsentence1_parse\tsentence2_parse\t"
    header += "sentence1\tsentence2\tcaptionID\tpairID\tlabel1\n"
    for split in ("train", "dev", "test"):
        (release / f"snli_1.0_{split}.jsonl").write_bytes(jsonl(row | {"pairID": f"{split}-1"}))
        (release / f"snli_1.0_{split}.txt").write_text(
            header + "contradiction\t( )\t( )\t(ROOT)\t(ROOT)\tA .\tB .\t1\tx\tc\n"
        )
    result = prepare("snli", tmp_path / "download", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert pd.read_parquet(tmp_path / "out/data/validation.parquet")["label"].tolist() == [1]  # the .jsonl's neutral
    (release / "snli_1.0_dev.csv").write_text("sentence1,sentence2,gold_label\nA .,B .,neutral\n")  # a real second copy
    assert_one_line_and_nothing_written(
        prepare("snli", tmp_path / "download", tmp_path / "out2"), tmp_path / "out2", r"2 files for validation"
    )


def test_a_sentencepiece_tokenizer_counts_as_tokenizer_files(tmp_path, tiny_model):
    from nlirobust.model_checks import model_dir_problem

    model = copy_model(tiny_model, tmp_path / "deberta_like")
    no_tokenizer(model)
    assert "no tokenizer files" in model_dir_problem(model)
    (model / "spm.model").write_bytes(b"sentencepiece")  # DeBERTa-v3 ships spm.model, no tokenizer.json
    assert model_dir_problem(model) is None
