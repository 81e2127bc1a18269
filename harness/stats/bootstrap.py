"""Percentile bootstrap over items: a confidence interval for a mean and a paired comparison.

Items (benchmark questions) are the unit of resampling, so the intervals describe how results would
move on a different draw of questions, not on a re-run of the same ones.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# Upper bound on indices drawn per batch, so memory stays flat for large n_resamples x n.
_MAX_DRAWS_PER_BATCH = 2_000_000


def _finite_1d(values: Sequence[float], name: str = "values") -> np.ndarray:
    """Return ``values`` as a non-empty 1-D float array, rejecting NaN/inf instead of propagating them."""
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values; drop missing items before calling")
    return arr


def _paired_diffs(a: Sequence[float], b: Sequence[float]) -> np.ndarray:
    """Return ``a - b`` for two paired, equally long, finite samples."""
    x, y = _finite_1d(a, "a"), _finite_1d(b, "b")
    if x.size != y.size:
        raise ValueError(f"paired samples differ in length: {x.size} != {y.size}")
    return x - y


def _check_settings(n_resamples: int, confidence: float) -> None:
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be >= 1, got {n_resamples}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")


def _resampled_means(values: np.ndarray, n_resamples: int, seed: int) -> np.ndarray:
    """Means of ``n_resamples`` with-replacement resamples of ``values``, drawn in memory-bounded batches."""
    rng = np.random.default_rng(seed)
    n = values.size
    batch = max(1, _MAX_DRAWS_PER_BATCH // n)
    means = np.empty(n_resamples)
    for start in range(0, n_resamples, batch):
        stop = min(start + batch, n_resamples)
        means[start:stop] = values[rng.integers(0, n, size=(stop - start, n))].mean(axis=1)
    return means


def _percentile_interval(samples: np.ndarray, confidence: float) -> tuple[float, float]:
    tail = (1.0 - confidence) / 2.0
    lo, hi = np.quantile(samples, [tail, 1.0 - tail])
    return float(lo), float(hi)


def bootstrap_mean_ci(
    values: Sequence[float], *, n_resamples: int = 2000, confidence: float = 0.95, seed: int = 0
) -> tuple[float, float, float]:
    """Return (mean, lo, hi): the sample mean and its percentile-bootstrap interval.

    Raises ValueError on empty input or NaN/inf values; a single value v gives (v, v, v).
    """
    _check_settings(n_resamples, confidence)
    arr = _finite_1d(values)
    lo, hi = _percentile_interval(_resampled_means(arr, n_resamples, seed), confidence)
    return float(arr.mean()), lo, hi


def paired_bootstrap(
    a: Sequence[float], b: Sequence[float], *, n_resamples: int = 5000, confidence: float = 0.95, seed: int = 0
) -> dict:
    """Bootstrap the mean of paired differences a - b (same items, two systems).

    Returns mean_diff, ci_low, ci_high, n and a two-sided p_value = 2 * min(share of resampled mean
    differences <= 0, share >= 0), capped at 1. A p_value of 0 means "below 1 / n_resamples".
    """
    _check_settings(n_resamples, confidence)
    diffs = _paired_diffs(a, b)
    means = _resampled_means(diffs, n_resamples, seed)
    lo, hi = _percentile_interval(means, confidence)
    p_value = min(1.0, 2.0 * min(float(np.mean(means <= 0.0)), float(np.mean(means >= 0.0))))
    return {"mean_diff": float(diffs.mean()), "ci_low": lo, "ci_high": hi, "p_value": p_value, "n": int(diffs.size)}
