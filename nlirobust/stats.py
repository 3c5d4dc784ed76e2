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

    NaN with fewer than two seeds (there is no across-seed test). Seeds that all changed by exactly the same
    amount have no spread: p is 0 for a non-zero change and 1 for none.
    """
    from scipy.stats import ttest_1samp

    changes = np.asarray(changes, dtype=float)
    if len(changes) < 2:
        return math.nan
    if np.ptp(changes) == 0:
        return 0.0 if changes[0] != 0 else 1.0
    return float(ttest_1samp(changes, 0.0).pvalue)


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


def seed_test_cells(p: float, p_holm: float, alpha: float) -> dict[str, str]:
    """The seed-level columns of a rendered table: the t-test's p, Holm's p and whether it is significant."""
    if math.isnan(p):
        return {"Seed-level p (paired t)": ONE_SEED, "Holm p": "", f"Significant (Holm p < {alpha})": ""}
    return {
        "Seed-level p (paired t)": f"{p:.3g}",
        "Holm p": f"{p_holm:.3g}",
        f"Significant (Holm p < {alpha})": "yes" if p_holm < alpha else "no",
    }


def with_seed_tests(long, cell_keys: list[str], change: str):
    """`long` (one row a run) with `seed_test_p` (paired t-test over the seeds of each cell, the cell named by
    `cell_keys`, on the column `change`) and `seed_test_p_holm` (Holm over every cell of the frame: the family is
    the whole table), each repeated on the cell's rows so the CSV holds the numbers its Markdown shows."""
    import pandas as pd

    if long.empty:
        return long.assign(seed_test_p=pd.Series(dtype=float), seed_test_p_holm=pd.Series(dtype=float))
    cells = long.groupby(cell_keys, sort=True, dropna=False)[change].agg(lambda v: seed_level_p(v.to_numpy()))
    cells = cells.rename("seed_test_p").to_frame()
    cells["seed_test_p_holm"] = holm(cells["seed_test_p"].to_numpy())
    return long.drop(columns=["seed_test_p", "seed_test_p_holm"], errors="ignore").merge(
        cells.reset_index(), on=cell_keys, how="left", validate="many_to_one"
    )
