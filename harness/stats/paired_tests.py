"""Classical paired tests, multiple-comparison correction, effect size and power for system comparisons.

Everything here takes per-item paired scores (or win/loss counts) from two systems on the same items.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from harness.stats.bootstrap import _paired_diffs


def wilcoxon_signed_rank(a: Sequence[float], b: Sequence[float]) -> dict:
    """Wilcoxon signed-rank test of a vs b; returns statistic, p_value, n_nonzero.

    Uses ``scipy.stats.wilcoxon(a - b, zero_method="wilcox")``: zero differences are dropped before
    ranking (the classic Wilcoxon treatment), and scipy picks exact or normal-approximation p-values.
    When every difference is zero there is nothing to test, so p_value is 1.0 instead of an error.
    """
    from scipy.stats import wilcoxon

    diffs = _paired_diffs(a, b)
    n_nonzero = int(np.count_nonzero(diffs))
    if n_nonzero == 0:
        return {"statistic": 0.0, "p_value": 1.0, "n_nonzero": 0}
    result = wilcoxon(diffs, zero_method="wilcox")
    return {"statistic": float(result.statistic), "p_value": float(result.pvalue), "n_nonzero": n_nonzero}


def sign_test(wins: int, losses: int) -> float:
    """Two-sided exact sign test: P(a split at least this lopsided | Binomial(wins + losses, 1/2)).

    Ties must be excluded by the caller. Computed from the binomial pmf with exact integers; 1.0 when
    there are no decisive comparisons.
    """
    if wins < 0 or losses < 0:
        raise ValueError(f"wins and losses must be non-negative, got {wins}, {losses}")
    n = wins + losses
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(wins, losses) + 1))
    return min(1.0, 2 * tail / 2**n)


def holm_correction(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values, returned in the input order.

    The i-th smallest p (0-based) is multiplied by (m - i); a running maximum keeps the adjusted values
    monotone in the raw ones, and each is capped at 1.
    """
    ps = [float(p) for p in p_values]
    if any(not 0.0 <= p <= 1.0 for p in ps):  # also rejects NaN
        raise ValueError(f"p-values must lie in [0, 1], got {ps}")
    m = len(ps)
    adjusted = [0.0] * m
    running = 0.0
    for rank, idx in enumerate(sorted(range(m), key=ps.__getitem__)):
        running = max(running, min(1.0, (m - rank) * ps[idx]))
        adjusted[idx] = running
    return adjusted


def cohens_dz(a: Sequence[float], b: Sequence[float]) -> float:
    """Cohen's d_z for paired data: mean(a - b) / sd(a - b) with ddof=1.

    A zero sd gives 0.0 when the mean difference is also zero, else +/-inf with the sign of the mean.
    """
    diffs = _paired_diffs(a, b)
    if diffs.size < 2:
        raise ValueError("cohens_dz needs at least 2 pairs to estimate a standard deviation")
    mean, sd = float(diffs.mean()), float(diffs.std(ddof=1))
    if sd == 0.0:
        return 0.0 if mean == 0.0 else math.copysign(math.inf, mean)
    return mean / sd


def _z_sum(alpha: float, power: float) -> float:
    """z_{1 - alpha/2} + z_{power}: the two-sided normal-approximation multiplier for a power analysis."""
    from scipy.stats import norm

    if not 0.0 < alpha < 1.0 or not 0.0 < power < 1.0:
        raise ValueError(f"alpha and power must lie in (0, 1), got {alpha}, {power}")
    return float(norm.ppf(1.0 - alpha / 2.0) + norm.ppf(power))


def minimum_detectable_difference(sd_diff: float, n: int, *, alpha: float = 0.05, power: float = 0.8) -> float:
    """Smallest true mean paired difference detectable with n items: (z_{1-alpha/2} + z_power) * sd_diff / sqrt(n).

    Normal approximation to the paired t-test (two-sided), so it is slightly optimistic for small n.
    """
    if n < 1 or sd_diff < 0:
        raise ValueError(f"need n >= 1 and sd_diff >= 0, got n={n}, sd_diff={sd_diff}")
    return _z_sum(alpha, power) * sd_diff / math.sqrt(n)


def minimum_detectable_win_rate_gap(n: int, *, alpha: float = 0.05, power: float = 0.8) -> float:
    """Smallest detectable gap p_A - p_B between two systems' win rates from n pairwise verdicts.

    With ties split, p_B = 1 - p_A, so the gap is 2 * (p_A - 0.5). Under the normal approximation with
    p = 0.5 (sd 0.5 per verdict), the smallest detectable |p_A - 0.5| is (z_a + z_b) * 0.5 / sqrt(n);
    the gap returned is twice that: (z_{1-alpha/2} + z_power) / sqrt(n).
    """
    if n < 1:
        raise ValueError(f"need n >= 1, got {n}")
    return 2.0 * _z_sum(alpha, power) * 0.5 / math.sqrt(n)
