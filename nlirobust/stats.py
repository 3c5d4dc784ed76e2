"""Statistics the studies' tables share: exact McNemar tests on paired correctness."""

from __future__ import annotations

import numpy as np


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
