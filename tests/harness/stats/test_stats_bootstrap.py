"""Bootstrap intervals checked against scipy's percentile bootstrap and the normal approximation."""

import math

import numpy as np
import pytest
from scipy import stats

from harness.stats import bootstrap_mean_ci, paired_bootstrap

SAMPLE = np.random.default_rng(42).normal(0.6, 0.2, size=60)


def test_mean_ci_matches_scipy_percentile_bootstrap():
    mean, lo, hi = bootstrap_mean_ci(SAMPLE, n_resamples=20000, seed=1)
    ref = stats.bootstrap((SAMPLE,), np.mean, n_resamples=20000, method="percentile", confidence_level=0.95,
                          random_state=np.random.default_rng(7)).confidence_interval
    assert mean == pytest.approx(SAMPLE.mean(), abs=1e-12)
    assert lo == pytest.approx(ref.low, abs=0.006)
    assert hi == pytest.approx(ref.high, abs=0.006)


def test_mean_ci_close_to_normal_approximation():
    _, lo, hi = bootstrap_mean_ci(SAMPLE, n_resamples=20000)
    half_width = 1.959964 * SAMPLE.std(ddof=0) / math.sqrt(SAMPLE.size)
    assert hi - lo == pytest.approx(2 * half_width, rel=0.05)


def test_mean_ci_is_reproducible_and_widens_with_confidence():
    assert bootstrap_mean_ci(SAMPLE, seed=3) == bootstrap_mean_ci(SAMPLE, seed=3)
    _, lo90, hi90 = bootstrap_mean_ci(SAMPLE, confidence=0.90)
    _, lo99, hi99 = bootstrap_mean_ci(SAMPLE, confidence=0.99)
    assert lo99 < lo90 < hi90 < hi99


def test_mean_ci_edge_cases():
    assert bootstrap_mean_ci([0.25]) == (0.25, 0.25, 0.25)
    assert bootstrap_mean_ci([1.0, 1.0, 1.0]) == (1.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="empty"):
        bootstrap_mean_ci([])
    with pytest.raises(ValueError, match="NaN"):
        bootstrap_mean_ci([1.0, float("nan")])
    with pytest.raises(ValueError, match="confidence"):
        bootstrap_mean_ci([1.0, 2.0], confidence=95)


def test_paired_bootstrap_mean_and_interval():
    a = [0.9, 0.8, 0.7, 0.6, 0.5]
    b = [0.5, 0.8, 0.4, 0.6, 0.2]
    result = paired_bootstrap(a, b, n_resamples=4000)
    assert result["n"] == 5
    assert result["mean_diff"] == pytest.approx(0.2)
    # Every resample of the differences (0.4, 0, 0.3, 0, 0.3) has mean in [0, 0.4].
    assert 0.0 <= result["ci_low"] < 0.2 < result["ci_high"] <= 0.4


def test_paired_bootstrap_p_value_matches_normal_approximation():
    # 50 differences with mean / standard error = 2 exactly, so the two-sided p is about 2 * Phi(-2) = 0.0455.
    base = np.random.default_rng(5).normal(size=50)
    z = (base - base.mean()) / base.std(ddof=0)
    diffs = 2.0 * (1.0 / math.sqrt(50)) + z
    result = paired_bootstrap(diffs, np.zeros(50), n_resamples=40000)
    assert result["p_value"] == pytest.approx(2 * stats.norm.sf(2.0), abs=0.01)


def test_paired_bootstrap_is_antisymmetric():
    a, b = SAMPLE[:30], SAMPLE[30:]
    ab, ba = paired_bootstrap(a, b), paired_bootstrap(b, a)
    assert ab["mean_diff"] == pytest.approx(-ba["mean_diff"])
    assert ab["ci_low"] == pytest.approx(-ba["ci_high"])
    assert ab["p_value"] == ba["p_value"]


def test_paired_bootstrap_identical_systems_and_bad_input():
    same = paired_bootstrap([0.1, 0.5, 0.9], [0.1, 0.5, 0.9])
    assert (same["mean_diff"], same["ci_low"], same["ci_high"], same["p_value"]) == (0.0, 0.0, 0.0, 1.0)
    with pytest.raises(ValueError, match="length"):
        paired_bootstrap([1.0, 2.0], [1.0])
