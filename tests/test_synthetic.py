"""The embedded generator: real file shapes, determinism, and labels that follow from the scenes."""

import hashlib
import json
import random
from dataclasses import replace

from nlirobust.data.built_in_sets import BREAKING_NLI_CATEGORIES
from nlirobust.data.loaders import load_chaosnli, load_pairs_file
from nlirobust.data.prepare import load_split
from nlirobust.embedded.data import (
    SNLI_FRAMES,
    SNLI_RATES,
    EmbeddedSizes,
    Scene,
    entailment_label,
    hypothesis_for,
    random_scene,
    render,
    write_embedded_data,
)

SMALL = EmbeddedSizes(
    snli_train=300,
    snli_validation=50,
    snli_test=50,
    mnli_train=100,
    mnli_validation=50,
    chaosnli=30,
    breaking_nli_scale=0.02,
)


def digests(root):
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*.jsonl")}


def test_same_seed_same_bytes_other_seed_other_data(tmp_path):
    write_embedded_data(tmp_path / "a", seed=5, sizes=SMALL)
    write_embedded_data(tmp_path / "b", seed=5, sizes=SMALL)
    write_embedded_data(tmp_path / "c", seed=6, sizes=SMALL)
    assert digests(tmp_path / "a") == digests(tmp_path / "b")
    assert digests(tmp_path / "a")["snli/train.jsonl"] != digests(tmp_path / "c")["snli/train.jsonl"]
    assert len(digests(tmp_path / "a")) == 9


def test_breaking_nli_shape_matches_the_real_file(tmp_path):
    paths = write_embedded_data(tmp_path, seed=0, sizes=replace(SMALL, breaking_nli_scale=1.0))
    lines = paths["breaking_nli/dataset.jsonl"].read_text().splitlines()
    assert len(lines) == 8193
    first = json.loads(lines[0])
    assert set(first) == {"sentence1", "sentence2", "gold_label", "annotator_labels", "pairID", "category"}
    df = load_split("breaking_nli", "test", paths["breaking_nli/dataset.jsonl"])
    assert set(df["category"]) == set(BREAKING_NLI_CATEGORIES)
    assert df.groupby("category").size()["antonyms"] == 1147
    # as in the real set: synonyms all entailment, most other pairs contradiction, a few neutral
    assert (df.loc[df["category"] == "synonyms", "label"] == 0).all()
    assert (df["label"] == 2).mean() > 0.8
    assert 0 < (df["label"] == 1).sum() < 200
    # exactly one word differs between premise and hypothesis in most pairs
    one_word = [
        sum(a != b for a, b in zip(p.split(), h.split(), strict=False)) == 1 and len(p.split()) == len(h.split())
        for p, h in zip(df["premise"], df["hypothesis"], strict=True)
    ]
    assert sum(one_word) / len(one_word) > 0.8


def test_snli_mnli_chaosnli_files_load(tmp_path):
    paths = write_embedded_data(tmp_path, seed=1, sizes=SMALL)
    snli = load_pairs_file(paths["snli/train.jsonl"], source="snli")
    assert snli.attrs["dropped_no_gold"] >= 0
    assert len(snli) + snli.attrs["dropped_no_gold"] == 300
    assert set(snli["label"]) == {0, 1, 2}
    mnli = load_pairs_file(paths["mnli/validation_mismatched.jsonl"], source="mnli")
    assert len(mnli) == 50
    assert set(mnli["category"]).isdisjoint(set(load_pairs_file(paths["mnli/train.jsonl"], "mnli")["category"]))
    chaos = load_chaosnli(paths["chaosnli/chaosNLI_snli.jsonl"])
    assert ((chaos[["count_e", "count_n", "count_c"]].sum(axis=1)) == 100).all()
    assert chaos["max_share"].between(34, 100).all()


def test_labels_follow_from_scenes():
    p = Scene(noun="man", color="red", verb="drinking", obj="tea", room="kitchen")
    assert entailment_label(p, replace(p, color=None, room=None)) == 0  # dropping details
    assert entailment_label(p, replace(p, noun="person", obj="*")) == 0  # generalising
    assert entailment_label(p, replace(p, color="blue")) == 2  # a swapped colour
    assert entailment_label(p, replace(p, obj="milk")) == 2
    assert entailment_label(p, replace(p, negated=True)) == 2  # "is not drinking"
    assert entailment_label(p, replace(p, negated=True, verb="sleeping", obj=None)) == 0
    assert entailment_label(p, replace(p, nationality="French")) == 1  # a new detail
    assert entailment_label(p, replace(p, purpose="for a party")) == 1
    assert entailment_label(replace(p, adjective="tall"), replace(p, adjective="short")) == 2
    assert entailment_label(replace(p, adjective="big"), replace(p, adjective="large")) == 0
    assert render(p, *SNLI_FRAMES["captions"]) == "A man in a red shirt is drinking tea in the kitchen ."


def test_generated_hypotheses_cover_every_label():
    rng = random.Random(0)
    counts = [0, 0, 0]
    for _ in range(600):
        p = random_scene(rng, SNLI_RATES)
        counts[entailment_label(p, hypothesis_for(rng, p, target=rng.randrange(3)))] += 1
    assert min(counts) > 150


def test_the_hans_shaped_set_speaks_the_embedded_vocabulary_and_meets_each_heuristic(tmp_path):
    """Every word of the HANS-shaped pairs occurs in the embedded SNLI/MNLI training text; each hypothesis meets
    its heuristic's definition (McCoy et al.: every word in the premise; a contiguous subsequence; a constituent,
    here a clause the premise contains whole); half of each heuristic's pairs are entailed."""
    import csv

    paths = write_embedded_data(tmp_path, seed=3, sizes=replace(SMALL, hans=300))
    vocabulary = set()
    for name in ("snli/train.jsonl", "mnli/train.jsonl"):
        for line in paths[name].read_text().splitlines():
            row = json.loads(line)
            vocabulary |= set(f"{row['premise']} {row['hypothesis']}".lower().split())
    with open(paths["hans/heuristics_evaluation_set.txt"], newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert len(rows) == 300
    words = {w for row in rows for w in f"{row['sentence1']} {row['sentence2']}".lower().split()}
    assert words - vocabulary == set()
    for row in rows:
        premise, hypothesis = row["sentence1"].lower().split(), row["sentence2"].lower().split()
        assert set(hypothesis) <= set(premise), row  # all three heuristics imply full lexical overlap
        contiguous = any(premise[i : i + len(hypothesis)] == hypothesis for i in range(len(premise)))
        if row["heuristic"] in ("subsequence", "constituent"):
            assert contiguous, row
    labels = {(h, g) for h, g in ((r["heuristic"], r["gold_label"]) for r in rows)}
    assert labels == {
        (h, g) for h in ("lexical_overlap", "subsequence", "constituent") for g in ("entailment", "non-entailment")
    }
