"""Breaking NLI and HANS as declarations (the `data.<name>` kind a user writes, nlirobust/data/declared.py) that
ship with the code: one reader for every challenge set. Their sources (`data.breaking_nli`, `data.hans`: embedded,
path, url or hub) stay in the config; these say how the files are written.

Imported while the workflow plans (names.py reads which sets are two-way and their further category fields).
"""

from __future__ import annotations

from pathlib import Path

from nlirobust.data.declared import Declaration, declaration

BREAKING_NLI_CATEGORIES: tuple[str, ...] = (
    "antonyms",
    "synonyms",
    "cardinals",
    "nationalities",
    "drinks",
    "antonyms_wordnet",
    "colors",
    "ordinals",
    "countries",
    "rooms",
    "materials",
    "vegetables",
    "instruments",
    "planets",
)
_THREE_WAY_WORDS = {"entailment": ["entailment"], "neutral": ["neutral"], "contradiction": ["contradiction"]}

# A gold label outside the mapping is a damaged file here, not a set's own convention: `unmapped: fail`.
BUILT_IN_DECLARATIONS: dict[str, dict] = {
    # Breaking NLI's dataset.jsonl: the SNLI jsonl fields plus its 14 categories
    "breaking_nli": {
        "format": "jsonl",
        "fields": {
            "premise": "sentence1",
            "hypothesis": "sentence2",
            "label": "gold_label",
            "id": "pairID",
            "categories": ["category"],
            "annotator_labels": "annotator_labels",
        },
        "labels": {**_THREE_WAY_WORDS, "drop": ["-"]},
        "unmapped": "fail",
        "expected_categories": list(BREAKING_NLI_CATEGORIES),
    },
    # HANS's heuristics_evaluation_set.txt: tab-separated with a header; the heuristic is the category, then its
    # 30 subcases; the parses are not read
    "hans": {
        "format": "tsv",
        "fields": {
            "premise": "sentence1",
            "hypothesis": "sentence2",
            "label": "gold_label",
            "id": "pairID",
            "categories": ["heuristic", "subcase"],
            "keep": ["template"],
        },
        "labels": {"entailment": ["entailment"], "non_entailment": ["non-entailment"]},
        "unmapped": "fail",
    },
}
# The hub's copy of HANS, saved by the download rule: integer labels, no ids, its evaluation set is `validation`.
HUB_DECLARATIONS: dict[str, dict] = {
    "hans": {
        "format": "hub",
        "hub_split": "validation",
        "fields": {
            "premise": "premise",
            "hypothesis": "hypothesis",
            "label": "label",
            "categories": ["heuristic", "subcase"],
            "keep": ["template"],
        },
        "labels": {"entailment": [0], "non_entailment": [1]},
        "unmapped": "fail",
    },
}
# The file each set is read from, in a folder (a url download unpacks to one).
FILE_NAMES: dict[str, str] = {"breaking_nli": "dataset", "hans": "heuristics_evaluation_set"}


def built_in_declaration(name: str, source: Path) -> Declaration:
    """How the built-in set `name` is read from `source`: its data file, or a hub snapshot's folder. HANS is read
    as it is written: JSONL with the same fields as the tab-separated file is read too."""
    if (source / "dataset_dict.json").exists() and name in HUB_DECLARATIONS:
        return declaration(name, HUB_DECLARATIONS[name])
    spec = dict(BUILT_IN_DECLARATIONS[name])
    if source.suffix in (".jsonl", ".json"):
        spec["format"] = "jsonl"
    return declaration(name, spec)


def two_way(name: str) -> bool:
    return declaration(name, BUILT_IN_DECLARATIONS[name]).two_way


def further_category_fields(name: str) -> tuple[str, ...]:
    """The category columns past `category` (HANS: subcase), tabled one by one (table9)."""
    return declaration(name, BUILT_IN_DECLARATIONS[name]).category_columns[1:]
