"""The error spreadsheet: misclassified pairs with confidences, a first-pass annotation by transparent rules, and a
merge that keeps what a person wrote, plus the frequency tables and the LLM comparison computed from it.

Rules, checked in this order; the first that fires names the error type (all that fire are listed in `rules_fired`):
  negation        a negation word in premise or hypothesis            (lexicon.negation_words)
  number_swap     the pair differs in exactly one word, both numbers
  colour_swap     the pair differs in exactly one word, both colours
  word_swap       the pair differs in exactly one word (antonym, synonym, hypernym: Breaking NLI's kind)
  cue_word        the hypothesis has a hypothesis-only give-away word  (lexicon.cue_words)
  high_overlap    >= 80% of the hypothesis's words are in the premise (lexical-overlap heuristic)
  long_pair       premise or hypothesis longer than lexicon.long_pair_words words
  low_confidence  the prediction's probability is below 0.5
  other           none of the above
A person's values: a row whose `error_type`, `cause` or `fix` differ from what the rule wrote (`rule_error_type`),
or whose `annotated_by` is not `rule`, belongs to the person and is kept as it is on every later run.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from nlirobust.labels import LABEL_NAMES
from nlirobust.lexicon import COLOUR_VARIANTS, NUMBER_WORDS, mentions

EXPLANATIONS: dict[str, tuple[str, str]] = {
    "negation": (
        "a negation word decides the relation; the model leans on its presence rather than its scope",
        "add contrast pairs that differ only in negation; evaluate on a negation challenge set",
    ),
    "number_swap": (
        "the pair differs in one number; the model does not compare quantities",
        "augment with number substitutions; add counting examples",
    ),
    "colour_swap": (
        "the pair differs in one colour; the model treats the words as interchangeable",
        "augment with attribute substitutions (colours, materials)",
    ),
    "word_swap": (
        "the pair differs in one word (antonym, synonym or hypernym) the model has not related",
        "add lexical-relation pairs (WordNet antonyms/synonyms) to training",
    ),
    "cue_word": (
        "a hypothesis-only give-away word drives the prediction, not the premise",
        "down-weight artifact-laden examples; adversarial filtering of training data",
    ),
    "high_overlap": (
        "high lexical overlap pushes the model towards entailment regardless of meaning",
        "add HANS-style high-overlap non-entailment pairs",
    ),
    "long_pair": (
        "a long pair; the deciding words may be far apart or truncated",
        "raise max_length; check truncation; add longer training pairs",
    ),
    "low_confidence": (
        "the model was unsure (probability of its answer below 0.5)",
        "more epochs or data near this example; calibrate before trusting it",
    ),
    "other": ("no rule explains it; needs a person", "inspect by hand"),
}
SPREADSHEET_COLUMNS: tuple[str, ...] = (
    "id", "premise", "hypothesis", "gold", "pred", "confidence_pred", "confidence_gold", "category",
    "llm_pred", "rules_fired", "rule_error_type", "error_type", "cause", "fix", "annotated_by",
)  # fmt: skip
_WORD = re.compile(r"[a-z0-9']+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _one_word_swap(premise: list[str], hypothesis: list[str]) -> tuple[str, str] | None:
    if len(premise) != len(hypothesis):
        return None
    diffs = [(p, h) for p, h in zip(premise, hypothesis, strict=True) if p != h]
    return diffs[0] if len(diffs) == 1 else None


def rules_for(premise: str, hypothesis: str, confidence: float, lexicon: dict) -> list[str]:
    """Every rule that fires for one misclassified pair, in priority order (see the module docstring)."""
    p_words, h_words = _words(premise), _words(hypothesis)
    fired = []
    if mentions(premise + "\n" + hypothesis, lexicon["negation_words"]):
        fired.append("negation")
    swap = _one_word_swap(p_words, h_words)
    if swap is not None:
        if set(swap) <= NUMBER_WORDS:
            fired.append("number_swap")
        elif set(swap) <= COLOUR_VARIANTS:
            fired.append("colour_swap")
        else:
            fired.append("word_swap")
    if mentions(hypothesis, lexicon.get("cue_words", [])):
        fired.append("cue_word")
    if h_words and sum(w in set(p_words) for w in h_words) / len(h_words) >= 0.8:
        fired.append("high_overlap")
    if max(len(premise.split()), len(hypothesis.split())) > lexicon.get("long_pair_words", 20):
        fired.append("long_pair")
    if confidence < 0.5:
        fired.append("low_confidence")
    return fired or ["other"]


def misclassified(predictions: pd.DataFrame, pairs: pd.DataFrame, llm: pd.DataFrame | None) -> pd.DataFrame:
    """Every wrong prediction with its text, the softmax confidence of the prediction and of the gold label."""
    probs = predictions[["prob_e", "prob_n", "prob_c"]].to_numpy()
    frame = predictions[["id", "gold", "pred", "category"]].copy()
    frame["confidence_pred"] = probs[np.arange(len(frame)), frame["pred"].to_numpy()]
    frame["confidence_gold"] = probs[np.arange(len(frame)), frame["gold"].to_numpy()]
    frame = frame[frame["gold"] != frame["pred"]]
    frame = frame.merge(pairs[["id", "premise", "hypothesis"]], on="id", how="left", validate="one_to_one")
    if llm is not None:
        frame = frame.merge(llm[["id", "llm_pred"]], on="id", how="left")
        frame["llm_pred"] = frame["llm_pred"].map(lambda v: LABEL_NAMES[int(v)] if pd.notna(v) else "")
    else:
        frame["llm_pred"] = ""
    for column in ("gold", "pred"):
        frame[column] = frame[column].map(lambda v: LABEL_NAMES[int(v)])
    return frame.reset_index(drop=True)


def choose_rows(errors: pd.DataFrame, rows: int, seed: int, stratify: bool, keep: set[str]) -> pd.DataFrame:
    """The rows of the spreadsheet: every error a person already annotated, then a seeded sample up to `rows`
    (per gold label in equal shares when `stratify`), or every error when there are fewer."""
    if len(errors) <= rows:
        return errors
    kept = errors[errors["id"].isin(keep)]
    rest = errors[~errors["id"].isin(keep)].sort_values("id")
    need = max(rows - len(kept), 0)
    rng = np.random.default_rng(seed)
    if stratify:
        groups = [g for _, g in rest.groupby("gold", sort=True)]
        shares = [need // len(groups) + (k < need % len(groups)) for k in range(len(groups))]
        chosen = pd.concat([g.iloc[rng.permutation(len(g))[:n]] for g, n in zip(groups, shares, strict=True)])
        if len(chosen) < need:  # a label with too few errors: fill from the others
            spare = rest.drop(chosen.index)
            chosen = pd.concat([chosen, spare.iloc[rng.permutation(len(spare))[: need - len(chosen)]]])
    else:
        chosen = rest.iloc[rng.permutation(len(rest))[:need]]
    return pd.concat([kept, chosen]).sort_values("id").reset_index(drop=True)


def by_person(sheet: pd.DataFrame) -> pd.Series:
    """Which rows' annotation a person wrote or changed (see the module docstring)."""
    sheet = sheet.fillna("")
    by_rule = sheet["rule_error_type"].map(lambda t: EXPLANATIONS.get(t, ("", ""))).tolist()
    return (
        (sheet["annotated_by"] != "rule")
        | (sheet["error_type"] != sheet["rule_error_type"])
        | (sheet["cause"] != [c for c, _ in by_rule])
        | (sheet["fix"] != [f for _, f in by_rule])
    )


def person_rows(previous: pd.DataFrame) -> pd.DataFrame:
    """The rows of an earlier spreadsheet whose annotation a person wrote or changed."""
    return previous[by_person(previous)]


def build_spreadsheet(
    predictions: pd.DataFrame,
    pairs: pd.DataFrame,
    lexicon: dict,
    rows: int = 50,
    seed: int = 0,
    stratify: bool = True,
    llm: pd.DataFrame | None = None,
    previous: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The spreadsheet (SPREADSHEET_COLUMNS): sampled errors, rule annotations, and a person's values kept."""
    errors = misclassified(predictions, pairs, llm)
    people = person_rows(previous) if previous is not None and not previous.empty else pd.DataFrame()
    keep = set(people["id"].astype(str)) if not people.empty else set()
    sheet = choose_rows(errors, rows, seed, stratify, keep)
    fired = [
        rules_for(p, h, c, lexicon)
        for p, h, c in zip(sheet["premise"], sheet["hypothesis"], sheet["confidence_pred"], strict=True)
    ]
    sheet["rules_fired"] = [";".join(f) for f in fired]
    sheet["rule_error_type"] = [f[0] for f in fired]
    sheet["error_type"] = sheet["rule_error_type"]
    sheet["cause"] = [EXPLANATIONS[t][0] for t in sheet["rule_error_type"]]
    sheet["fix"] = [EXPLANATIONS[t][1] for t in sheet["rule_error_type"]]
    sheet["annotated_by"] = "rule"
    if keep:
        own = people.set_index("id")[["error_type", "cause", "fix"]]
        mine = sheet["id"].isin(own.index)
        for column in ("error_type", "cause", "fix"):
            sheet.loc[mine, column] = sheet.loc[mine, "id"].map(own[column]).to_numpy()
        sheet.loc[mine, "annotated_by"] = "person"
    return sheet[list(SPREADSHEET_COLUMNS)]


def read_spreadsheet(path: str | Path) -> pd.DataFrame | None:
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        return None
    return pd.read_csv(path, dtype=str, keep_default_na=False)


# ---- tables from spreadsheets ---------------------------------------------------------------------------------
def frequency_table(sheets: pd.DataFrame, column: str) -> pd.DataFrame:
    """Values of `column` ranked by how many rows have them, per evaluation set, with who annotated them."""
    sheets = sheets[sheets[column].astype(str).str.strip() != ""].assign(person=lambda s: by_person(s))
    table = sheets.groupby(["evalset", column]).agg(rows=("id", "size"), by_person=("person", "sum")).reset_index()
    table["share (%)"] = (100 * table["rows"] / table.groupby("evalset")["rows"].transform("sum")).round(1)
    return table.sort_values(["evalset", "rows", column], ascending=[True, False, True]).reset_index(drop=True)


def llm_comparison(predictions: pd.DataFrame, llm: pd.DataFrame) -> dict:
    """On the LLM's sample: both accuracies, agreement, and the 2x2 of (model right/wrong) x (LLM right/wrong)."""
    both = predictions[["id", "gold", "pred"]].merge(llm[["id", "llm_pred"]], on="id", validate="one_to_one")
    model_ok = both["pred"] == both["gold"]
    llm_ok = both["llm_pred"] == both["gold"]
    return {
        "examples": len(both),
        "model_accuracy": float(model_ok.mean()),
        "llm_accuracy": float(llm_ok.mean()),
        "agreement": float((both["pred"] == both["llm_pred"]).mean()),
        "both_right": int((model_ok & llm_ok).sum()),
        "model_right_llm_wrong": int((model_ok & ~llm_ok).sum()),
        "model_wrong_llm_right": int((~model_ok & llm_ok).sum()),
        "both_wrong": int((~model_ok & ~llm_ok).sum()),
    }
