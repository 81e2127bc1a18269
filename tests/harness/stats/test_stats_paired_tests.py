"""Paired tests against scipy and hand-worked values."""

import math

import numpy as np
import pytest
from scipy import stats

from harness.stats import (
    cohens_dz,
    holm_correction,
    minimum_detectable_difference,
    minimum_detectable_win_rate_gap,
    sign_test,
    wilcoxon_signed_rank,
)

Z_975, Z_80, Z_995, Z_90 = 1.959963985, 0.841621234, 2.575829304, 1.281551566


@pytest.mark.parametrize("wins,losses", [(7, 3), (10, 0), (0, 4), (5, 5), (60, 40), (1000, 920), (1, 0)])
def test_sign_test_matches_scipy_binomtest(wins, losses):
    expected = stats.binomtest(wins, wins + losses, 0.5, alternative="two-sided").pvalue
    assert sign_test(wins, losses) == pytest.approx(expected, rel=1e-9)


def test_sign_test_by_hand_and_edge_cases():
    assert sign_test(7, 3) == pytest.approx(2 * (1 + 10 + 45 + 120) / 1024)  # 0.34375
    assert sign_test(0, 0) == 1.0
    assert sign_test(3, 3) == 1.0
    with pytest.raises(ValueError):
        sign_test(-1, 3)


def test_wilcoxon_exact_by_hand():
    # Differences 3,-1,2,5,0,4,-6,7,8,9: the zero is dropped ("wilcox"), ranks of |d| are 1..9 and the
    # negative ranks are 1 and 6, so T = 7. Subsets of {1..9} with sum <= 7 number 19: p = 2 * 19 / 2**9.
    b = np.zeros(10)
    a = np.array([3, -1, 2, 5, 0, 4, -6, 7, 8, 9], dtype=float)
    result = wilcoxon_signed_rank(a, b)
    assert result["n_nonzero"] == 9
    assert result["statistic"] == 7.0
    assert result["p_value"] == pytest.approx(38 / 512)


def test_wilcoxon_matches_scipy_on_fixed_arrays():
    a = [0.82, 0.61, 0.44, 0.93, 0.58, 0.31, 0.97, 0.66, 0.5, 0.71, 0.12, 0.88]
    b = [0.60, 0.65, 0.40, 0.52, 0.49, 0.47, 0.70, 0.43, 0.5, 0.69, 0.25, 0.61]
    ref = stats.wilcoxon(a, b, zero_method="wilcox")
    result = wilcoxon_signed_rank(a, b)
    assert result["statistic"] == pytest.approx(ref.statistic)
    assert result["p_value"] == pytest.approx(ref.pvalue)
    assert result["n_nonzero"] == 11


def test_wilcoxon_all_zero_and_bad_lengths():
    assert wilcoxon_signed_rank([1, 2, 3], [1, 2, 3]) == {"statistic": 0.0, "p_value": 1.0, "n_nonzero": 0}
    with pytest.raises(ValueError, match="length"):
        wilcoxon_signed_rank([1, 2, 3], [1, 2])


def test_holm_hand_worked_examples():
    assert holm_correction([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm_correction([0.02, 0.5, 0.01]) == pytest.approx([0.04, 0.5, 0.03])
    assert holm_correction([0.5, 0.6]) == [1.0, 1.0]
    assert holm_correction([0.04]) == [0.04]
    assert holm_correction([]) == []


def test_holm_is_monotone_and_bounded():
    raw = [0.2, 0.001, 0.04, 0.039, 0.9, 0.01]
    adjusted = holm_correction(raw)
    order = np.argsort(raw)
    assert all(np.diff(np.array(adjusted)[order]) >= 0)
    assert all(p <= q <= 1.0 for p, q in zip(raw, adjusted))
    with pytest.raises(ValueError):
        holm_correction([0.1, float("nan")])


def test_cohens_dz_by_hand():
    # Differences 1, 1, 2: mean 4/3, sd (ddof=1) = sqrt(1/3).
    assert cohens_dz([2, 3, 5], [1, 2, 3]) == pytest.approx((4 / 3) / math.sqrt(1 / 3))
    assert cohens_dz([1, 2, 3], [1, 2, 3]) == 0.0
    assert cohens_dz([2, 3, 4], [1, 2, 3]) == math.inf
    assert cohens_dz([1, 2, 3], [2, 3, 4]) == -math.inf
    with pytest.raises(ValueError):
        cohens_dz([1.0], [0.0])


def test_minimum_detectable_difference_by_hand():
    assert minimum_detectable_difference(1.0, 100) == pytest.approx((Z_975 + Z_80) / 10, rel=1e-8)
    assert minimum_detectable_difference(2.0, 25, alpha=0.01, power=0.9) == pytest.approx(
        (Z_995 + Z_90) * 2 / 5, rel=1e-8)
    with pytest.raises(ValueError):
        minimum_detectable_difference(1.0, 0)


def test_minimum_detectable_win_rate_gap_by_hand():
    # Smallest detectable |p_A - 0.5| is (z_a + z_b) * 0.5 / sqrt(n); the gap p_A - p_B is twice that.
    assert minimum_detectable_win_rate_gap(100) == pytest.approx(2 * (Z_975 + Z_80) * 0.5 / 10, rel=1e-8)
    assert minimum_detectable_win_rate_gap(400) == pytest.approx(0.1400793, abs=1e-6)
    with pytest.raises(ValueError):
        minimum_detectable_win_rate_gap(100, power=1.0)
