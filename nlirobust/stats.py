"""Statistics the studies' tables share.

Two units, never mixed: a pair (the exact McNemar test of one run against another on the same items: one seed's
evidence) and a seed (a paired t-test of the per-seed accuracy changes: whether the change holds across training
runs). The same pair scored in five seeds is one pair five times, not five pairs, so McNemar counts are never
pooled over seeds. Holm's step-down adjustment corrects the seed-level p-values of the cells one table tests.
"""

from __future__ import annotations

import math

import numpy as np

ONE_SEED = "one seed: no across-seed test"
NO_SPREAD = "every seed changed by the same amount: no t-test"
# Said under every table that tests: which test each p is, and which one decides "significant".
SEED_TEST_NOTE = (
    "Tests: *McNemar p (each seed)* is the exact McNemar test of one seed's models on the same pairs (the pair is "
    "the unit); *Seed-level p* is a two-sided paired t-test of the per-seed accuracy changes (the seed is the "
    "unit), *Holm p* adjusts it over every cell of this table, and only it decides *Significant*.\n"
)


def mcnemar_p(fixed: int, broken: int) -> float:
    """Exact (binomial) McNemar p-value from the discordant counts; 1.0 when there are none."""
    from scipy.stats import binomtest

    return 1.0 if fixed + broken == 0 else float(binomtest(fixed, fixed + broken, 0.5).pvalue)


def mcnemar_exact(before_correct: np.ndarray, after_correct: np.ndarray) -> dict:
    """Exact McNemar test on paired correctness: fixed (wrong -> right) vs broken (right -> wrong) items."""
    fixed = int(np.sum(~before_correct & after_correct))
    broken = int(np.sum(before_correct & ~after_correct))
    p_value = mcnemar_p(fixed, broken)
    return {"fixed": fixed, "broken": broken, "p_value": float(p_value)}


def seed_level_p(changes: np.ndarray | list[float]) -> float:
    """Two-sided paired t-test of per-seed changes (after - before, one value a seed) against no change.

    NaN where there is no such test: fewer than two seeds, or seeds that all changed by exactly the same amount
    (no spread: the t statistic is undefined, and identical seeds are no evidence of independence either);
    `seed_test_note` says which.
    """
    from scipy.stats import ttest_1samp

    changes = np.asarray(changes, dtype=float)
    if len(changes) < 2 or np.ptp(changes) == 0:
        return math.nan
    return float(ttest_1samp(changes, 0.0).pvalue)


def seed_test_note(changes: np.ndarray | list[float]) -> str:
    """Why a cell has no seed-level p ('' when it has one)."""
    if len(changes) < 2:
        return ONE_SEED
    if np.ptp(np.asarray(changes, dtype=float)) == 0:
        return NO_SPREAD
    return ""


def holm(p_values: list[float] | np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values (family-wise error) of the tests of one table; NaN entries are left out
    of the family and stay NaN."""
    p = np.asarray(p_values, dtype=float)
    adjusted = np.full(len(p), np.nan)
    tested = np.flatnonzero(~np.isnan(p))
    order = tested[np.argsort(p[tested], kind="stable")]
    m = len(order)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[index]))
        adjusted[index] = running
    return adjusted


def seed_test_cells(p: float, p_holm: float, alpha: float, note: str = ONE_SEED) -> dict[str, str]:
    """The seed-level columns of a rendered table: the t-test's p, Holm's p and whether it is significant; `note`
    stands in for p where there is no test."""
    if math.isnan(p):
        return {"Seed-level p (paired t)": note, "Holm p": "", f"Significant (Holm p < {alpha})": "no test"}
    return {
        "Seed-level p (paired t)": f"{p:.3g}",
        "Holm p": f"{p_holm:.3g}",
        f"Significant (Holm p < {alpha})": "yes" if p_holm < alpha else "no",
    }


def with_seed_tests(long, cell_keys: list[str], change: str):
    """`long` (one row a run) with `seed_test_p` (paired t-test over the seeds of each cell, the cell named by
    `cell_keys`, on the column `change`), `seed_test_note` (why there is none) and `seed_test_p_holm` (Holm over
    every cell of the frame: the family is the whole table), each repeated on the cell's rows so the CSV holds the
    numbers its Markdown shows."""
    import pandas as pd

    columns = ["seed_test_p", "seed_test_note", "seed_test_p_holm"]
    long = long.drop(columns=columns, errors="ignore")
    if long.empty:
        return long.assign(**{c: pd.Series(dtype=object) for c in columns})
    grouped = long.groupby(cell_keys, sort=True, dropna=False)[change]
    cells = pd.DataFrame(
        {
            "seed_test_p": grouped.agg(lambda v: seed_level_p(v.to_numpy())),
            "seed_test_note": grouped.agg(lambda v: seed_test_note(v.to_numpy())),
        }
    )
    cells["seed_test_p_holm"] = holm(cells["seed_test_p"].to_numpy())
    return long.merge(cells.reset_index(), on=cell_keys, how="left", validate="many_to_one")
