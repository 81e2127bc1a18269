"""Win-rate intervals and Bradley-Terry ratings on data whose maximum-likelihood answer is known."""

import math

import pytest

from harness.stats import bootstrap_bradley_terry, fit_bradley_terry, win_rate_ci

ELO_3_TO_1 = 400 * math.log10(3)  # rating gap at which the stronger side wins 75%

# Strengths 1 : 3 : 9 reproduced exactly by the win counts, so the MLE is known in closed form.
THREE = ([("A", "B", "a")] * 30 + [("A", "B", "b")] * 10 + [("B", "C", "a")] * 30 + [("C", "B", "a")] * 10
         + [("A", "C", "a")] * 36 + [("A", "C", "b")] * 4)


def test_win_rate_ci_by_hand():
    rate, lo, hi = win_rate_ci([1.0, 1.0, 0.5, 0.0])
    assert rate == 0.625
    assert 0.0 <= lo < rate < hi <= 1.0
    assert win_rate_ci([1.0] * 5) == (1.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="outcomes"):
        win_rate_ci([1.0, 0.3])


def test_two_players_75_percent():
    ratings = fit_bradley_terry([("x", "y", "a")] * 30 + [("y", "x", "a")] * 10)
    assert ratings["x"] - ratings["y"] == pytest.approx(ELO_3_TO_1, abs=5)
    assert (ratings["x"] + ratings["y"]) / 2 == pytest.approx(1000.0)


def test_tie_counts_half_a_win_each():
    # x: 2 wins, 2 ties, 0 losses out of 4 = a 75% score.
    battles = [("x", "y", "a")] * 2 + [("x", "y", "tie")] * 2
    ratings = fit_bradley_terry(battles)
    assert ratings["x"] - ratings["y"] == pytest.approx(ELO_3_TO_1, abs=5)
    only_ties = fit_bradley_terry([("x", "y", "tie")] * 3)
    assert only_ties["x"] == pytest.approx(1000.0) and only_ties["y"] == pytest.approx(1000.0)


def test_three_players_ordering_and_gaps():
    ratings = fit_bradley_terry(THREE)
    assert list(ratings) == ["A", "B", "C"]
    assert ratings["A"] - ratings["B"] == pytest.approx(ELO_3_TO_1, abs=1)
    assert ratings["A"] - ratings["C"] == pytest.approx(2 * ELO_3_TO_1, abs=1)
    assert sum(ratings.values()) / 3 == pytest.approx(1000.0)


def test_scale_and_base():
    ratings = fit_bradley_terry(THREE, scale=100.0, base=1500.0)
    assert ratings["A"] - ratings["B"] == pytest.approx(100 * math.log10(3), abs=0.5)
    assert sum(ratings.values()) / 3 == pytest.approx(1500.0)


def test_undefeated_player_stays_finite():
    ratings = fit_bradley_terry([("u", "v", "a")] * 5 + [("v", "w", "a")] * 3 + [("w", "v", "a")] * 3)
    assert all(math.isfinite(r) for r in ratings.values())
    assert ratings["u"] > ratings["v"] + 400


def test_invalid_battles():
    with pytest.raises(ValueError, match="winner"):
        fit_bradley_terry([("x", "y", "draw")])
    with pytest.raises(ValueError, match="itself"):
        fit_bradley_terry([("x", "x", "a")])
    with pytest.raises(ValueError, match="no battles"):
        fit_bradley_terry([])


def test_bootstrap_bradley_terry():
    result = bootstrap_bradley_terry(THREE, n_resamples=100, seed=4)
    point = fit_bradley_terry(THREE)
    assert list(result) == ["A", "B", "C"]
    for name, (rating, lo, hi) in result.items():
        assert rating == pytest.approx(point[name])
        assert lo < rating < hi
    # 40 battles per pair: the interval for the A-C gap is wide but finite (tens of Elo points).
    assert 20 < result["A"][2] - result["A"][1] < 300
    assert result == bootstrap_bradley_terry(THREE, n_resamples=100, seed=4)
