"""Agreement statistics on published reliability data and hand-worked examples."""

import math

import pytest
from scipy import stats

from harness.stats import krippendorff_alpha, length_correlation, pairwise_agreement, spearman

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", example C: 4 observers x 12 units,
# missing values. Published: nominal 0.743, ordinal 0.815, interval 0.849, ratio 0.797.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]
# The krippendorff package README / docstring example: 3 coders x 15 units (nominal 0.691, interval 0.811).
PACKAGE_README = [
    [None, None, None, None, None, 3, 4, 1, 2, 1, 1, 3, 3, None, 3],
    [1, None, 2, 1, 3, 3, 4, 3, None, None, None, None, None, None, None],
    [None, None, 2, 1, 3, 4, 4, None, 2, 1, 1, 3, 3, None, 4],
]


@pytest.mark.parametrize("level,expected", [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849),
                                            ("ratio", 0.797)])
def test_krippendorff_published_values(level, expected):
    assert round(krippendorff_alpha(KRIPPENDORFF_2011, level=level), 3) == expected


def test_krippendorff_package_readme_example_with_nan():
    data = [[math.nan if v is None else v for v in row] for row in PACKAGE_README]
    assert round(krippendorff_alpha(data, level="nominal"), 3) == 0.691
    assert round(krippendorff_alpha(data, level="interval"), 3) == 0.811


def test_krippendorff_perfect_agreement_and_errors():
    assert krippendorff_alpha([[1, 2, 3, None], [1, 2, 3, 4]]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="2 annotators"):
        krippendorff_alpha([[1, 2, 3]])
    with pytest.raises(ValueError, match="at least 2 annotators"):
        krippendorff_alpha([[1, None, 3], [None, 2, None]])
    with pytest.raises(ValueError, match="level"):
        krippendorff_alpha(KRIPPENDORFF_2011, level="cardinal")


def test_spearman_by_hand_drops_missing_pairs():
    # Ranks differ by d = (-1, 1, -1, 1, 0): rho = 1 - 6 * 4 / (5 * 24) = 0.8; p from t with 3 df.
    result = spearman([1, 2, 3, 4, 5, None, 7], [2, 1, 4, 3, 5, 9, math.nan])
    assert result["n"] == 5
    assert result["rho"] == pytest.approx(0.8)
    t = 0.8 * math.sqrt(3 / (1 - 0.64))
    assert result["p_value"] == pytest.approx(2 * stats.t.sf(t, 3))


def test_spearman_undefined_cases():
    assert spearman([1, 2], [2, 1]) == {"rho": None, "p_value": None, "n": 2}
    assert spearman([1, 2, 3, None], [4, 4, 4, 5])["rho"] is None
    with pytest.raises(ValueError, match="length"):
        spearman([1, 2, 3], [1, 2])


def test_pairwise_agreement_by_hand():
    judge = ["a", "b", "tie", "a", "b", "tie", "a"]
    human = ["a", "a", "tie", "b", "b", "a", "tie"]
    assert pairwise_agreement(judge, human) == {"agreement": 3 / 7, "n": 7}
    # Without ties (from either side): comparisons 0, 1, 3, 4 remain; 0 and 4 agree.
    assert pairwise_agreement(judge, human, include_ties=False) == {"agreement": 2 / 4, "n": 4}
    assert pairwise_agreement(["tie"], ["a"], include_ties=False) == {"agreement": None, "n": 0}
    with pytest.raises(ValueError, match="verdicts"):
        pairwise_agreement(["a", "B"], ["a", "b"])


def test_length_correlation():
    result = length_correlation([0.2, 0.4, None, 0.9, 0.5], [100, 250, 80, 900, 400])
    assert result["n"] == 4
    assert result["rho"] == pytest.approx(1.0)
