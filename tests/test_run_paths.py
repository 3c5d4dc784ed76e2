"""Run paths are built and parsed in one module: what one builds, the other reads back."""

import re

import pytest

from nlirobust.names import lr_name
from nlirobust.run_paths import (
    MODEL_PATTERN,
    NON_FINAL_MODEL_PATTERN,
    adversarial_id,
    attack_dir,
    evalset_of,
    final_id,
    model_dir,
    parse_run,
    predictions_file,
    run_id,
)


@pytest.mark.parametrize(
    "model, kind",
    [
        (run_id("electra_small", "snli_mnli", 3, lr_name(5e-5)), "initial"),
        (final_id("bert-base", "all_epochs", lr_name(2.7e-7), "mnli", 1, lr_name(1.5e-3)), "final"),
        (final_id("E2", "chaosnli_max60", "from_schedule", "snli", 42, lr_name(1e-4)), "final"),
        (adversarial_id("deberta_v3", "gradient", 7, lr_name(1.000001e-4)), "adversarial"),
        # an encoder named like a recipe or a selection still reads back as the encoder
        (run_id("snli", "snli", 1, "0.001"), "initial"),
        (final_id("all_epochs", "all_epochs", "1e-05", "mnli_snli", 2, "0.001"), "final"),
    ],
)
def test_every_model_id_reads_back_from_every_place_it_appears(model, kind):
    for path in (
        f"{model_dir(model)}/run.json",
        predictions_file(model, "snli/test"),
        f"/scratch/me/project/{predictions_file(model, 'attack/gradient/heldout', 'json')}",
        f"results/analysis/{model}/breaking_nli/test/errors.csv",
    ):
        run = parse_run(path)
        assert run.model == model
        assert run.kind == kind
    assert evalset_of(predictions_file(model, "snli/test")) == "snli/test"
    assert evalset_of(predictions_file(model, "attack/gradient/heldout", "json")) == "attack/gradient/heldout"
    assert evalset_of(f"results/analysis/{model}/breaking_nli/test/errors.csv") == "breaking_nli/test"
    assert re.fullmatch(MODEL_PATTERN, model)
    assert bool(re.fullmatch(NON_FINAL_MODEL_PATTERN, model)) == (kind != "final")


def test_keys_as_tables_use_them():
    run = parse_run(predictions_file(final_id("electra", "all_epochs", "1e-04", "snli", 1, "0.0015"), "snli/test"))
    assert run.key() == {"recipe": "snli", "seed": 1, "lr": 0.0015} and run.encoder == "electra"
    assert run.final_key() == {"selection": "all_epochs", "final_lr": "1e-04"}
    attack = parse_run(f"{attack_dir('bert', 'random', 2, '5e-05')}/summary.json")
    assert (attack.encoder, attack.attack, attack.seed, attack.lr) == ("bert", "random", 2, "5e-05")


def test_a_table_of_two_encoders_is_refused():
    from nlirobust.run_paths import one_encoder

    files = [predictions_file(run_id(e, "snli", 1, "0.001"), "snli/test", "json") for e in ("electra", "bert")]
    assert one_encoder(files[:1]) == "electra"
    with pytest.raises(ValueError, match="runs of 2 encoders"):
        one_encoder(files)


@pytest.mark.parametrize("name", ["final", "adversarial", "llm"])
def test_an_encoder_cannot_take_a_folder_name_of_results(name):
    assert not re.fullmatch(MODEL_PATTERN, run_id(name, "snli", 1, "0.001"))


def test_a_path_that_is_no_run_is_refused():
    with pytest.raises(ValueError, match="not a run path"):
        parse_run("results/tables/initial_accuracy.csv")


# ---- the lexicon's one matcher ------------------------------------------------------------------------------------
def test_one_matcher_for_negation_case_punctuation_and_glued_words():
    import pandas as pd

    from nlirobust.adversarial_subsets import subset_masks
    from nlirobust.error_analysis import rules_for
    from nlirobust.lexicon import mentions

    negation = ["not", "n't", "no", "never", "no one"]
    cases = {
        "The man doesn't sleep.": True,  # glued n't
        "The man doesn’t sleep.": True,  # a typographic apostrophe
        "NOT a chance!": True,  # any case
        "No-one is here.": True,  # punctuation is a boundary
        "(never)": True,
        "Nobody knows.": False,  # a longer word is not the listed one
        "He walks north.": False,  # nor is not in north (and not listed)
        "A notebook lies here.": False,
        "No one came.": True,  # an entry with a space
    }
    pairs = pd.DataFrame({"premise": list(cases), "hypothesis": ["A cat ."] * len(cases)})
    masks = subset_masks(pairs, negation, ["maybe"], 20)
    for (text, expected), in_subset in zip(cases.items(), masks["negation"], strict=True):
        assert mentions(text, negation) == expected, text
        assert bool(in_subset) == expected, text  # the adversarial subset agrees
        fired = rules_for(text, "A cat .", 0.9, {"negation_words": negation, "cue_words": []})
        assert ("negation" in fired) == expected, text  # and so does the error analysis


# each table writer with one encoder's files replaced by two encoders' (the first list it checks)
WRITERS = [
    ("initial_tables.write_initial_tables", lambda f: (f, [], [], ["snli"], "a.csv", "a.md", "e.csv", "e.md")),
    ("mistake_tables.write_mistake_tables", lambda f: ("out", ["snli"], f, [], [], [], [])),
    ("mistake_tables.write_challenge_tables", lambda f: ("out", ["snli"], "breaking_nli/test", f, [], [], "p")),
    ("dynamics_tables.write_dynamics_tables", lambda f: (f, ["snli"], "eval_pass", "out", "f.png")),
    ("adversarial_tables.write_adversarial_tables", lambda f: (f, [], [], "t", {}, "out", 30, "exclude")),
    ("analysis_tables.write_analysis_tables", lambda f: (f, [], [], "out")),
    ("run_facts.write_run_facts", lambda f: (f, [], "out", [], [], ["snli"], [], [])),
]


@pytest.mark.parametrize("writer, arguments", WRITERS)
def test_every_table_writer_refuses_runs_of_two_encoders(writer, arguments, tmp_path, monkeypatch):
    """Each per-encoder table job is handed one encoder's runs; given two, it stops before reading anything."""
    import importlib

    module, function = writer.split(".")
    write = getattr(importlib.import_module(f"nlirobust.{module}"), function)
    monkeypatch.chdir(tmp_path)
    files = [f"results/models/{e}/snli/seed1/lr0.001/run.json" for e in ("electra", "bert")]
    with pytest.raises(ValueError, match="runs of 2 encoders"):
        write(*arguments(files))
