"""The word lists' one matcher, shared by the adversarial subsets and the error-analysis rules.

A listed word matches as a whole word, in any case, after typographic apostrophes are made plain (doesn’t ->
doesn't). A word with an apostrophe ("n't") is glued to the word before it, so it needs no boundary in front:
"doesn't" mentions "n't"; "north" does not mention "nor"; "no-one" mentions "no". Entries may hold spaces
("no one").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

# Words of the error-analysis swap rules (a pair that differs in exactly one such word).
NUMBER_WORDS: frozenset[str] = frozenset(
    {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"}
)
COLOUR_WORDS: tuple[str, ...] = (
    "red", "blue", "green", "yellow", "black", "white", "orange", "purple", "pink", "brown", "gray",
)  # fmt: skip
# Spelling variants a swap rule also accepts.
COLOUR_VARIANTS: frozenset[str] = frozenset({*COLOUR_WORDS, "grey"})

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


def plain(text: str) -> str:
    return str(text).translate(_APOSTROPHES)


def word_pattern(words: Iterable[str]) -> re.Pattern:
    """One regex that finds any of `words` as a whole word, any case."""
    alternatives = []
    for word in sorted({plain(w) for w in words}, key=len, reverse=True):
        start = "" if word.startswith("'") or "'" in word[:2] else r"\b"
        alternatives.append(rf"{start}{re.escape(word)}\b")
    return re.compile("|".join(alternatives) or r"(?!)", flags=re.IGNORECASE)


def mentions(text: str, words: Iterable[str]) -> bool:
    """Does `text` contain one of `words` (as the module docstring says)?"""
    return bool(word_pattern(words).search(plain(text)))


def mentions_any(texts: pd.Series, words: Iterable[str]) -> np.ndarray:
    """`mentions` for every text of a Series, as a Boolean array."""
    pattern = word_pattern(words)
    return texts.astype(str).map(plain).str.contains(pattern).to_numpy(dtype=bool)
