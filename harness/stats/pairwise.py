"""Pairwise (A vs B) verdict statistics: win rates and Bradley-Terry ratings on the Elo scale.

Ratings follow the arena-hard recipe: a maximum-likelihood logistic Bradley-Terry fit in which a tie is
half a win for each side, reported as base + scale * log10(strength) and resampled over battles.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from harness.stats.bootstrap import _check_settings, bootstrap_mean_ci

Battle = tuple[str, str, str]  # (model_a, model_b, winner) with winner in {"a", "b", "tie"}

_SCORE_FOR_A = {"a": 1.0, "b": 0.0, "tie": 0.5}
# L2 penalty on natural-log strengths (arena-hard uses C=1e6): negligible for ordinary data, but it
# keeps undefeated or winless players, and players in separate comparison graphs, finite and identified.
_L2 = 1e-6
_MAX_NEWTON_STEPS = 200


def win_rate_ci(
    outcomes: Sequence[float], *, n_resamples: int = 2000, confidence: float = 0.95, seed: int = 0
) -> tuple[float, float, float]:
    """Return (win rate, lo, hi) from per-item outcomes 1.0 (win), 0.5 (tie), 0.0 (loss), bootstrapped over items."""
    bad = sorted({float(o) for o in outcomes} - {0.0, 0.5, 1.0})
    if bad:
        raise ValueError(f"outcomes must be 1.0, 0.5 or 0.0, got {bad}")
    return bootstrap_mean_ci(outcomes, n_resamples=n_resamples, confidence=confidence, seed=seed)


def _encode(battles: Sequence[Battle]) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Map battles to player indices and model_a's score (1, 0.5, 0), validating each battle."""
    if not battles:
        raise ValueError("no battles to fit")
    names: dict[str, int] = {}
    ia, ib, score = [], [], []
    for model_a, model_b, winner in battles:
        if winner not in _SCORE_FOR_A:
            raise ValueError(f"winner must be 'a', 'b' or 'tie', got {winner!r}")
        if model_a == model_b:
            raise ValueError(f"a model cannot battle itself: {model_a!r}")
        ia.append(names.setdefault(model_a, len(names)))
        ib.append(names.setdefault(model_b, len(names)))
        score.append(_SCORE_FOR_A[winner])
    return list(names), np.array(ia), np.array(ib), np.array(score)


def _log_likelihood(gamma: np.ndarray, ia: np.ndarray, ib: np.ndarray, score: np.ndarray, weight: np.ndarray) -> float:
    x = gamma[ia] - gamma[ib]
    # log sigma(x) = -logaddexp(0, -x); a tie scores 0.5 on each side.
    ll = -(weight * (score * np.logaddexp(0.0, -x) + (1.0 - score) * np.logaddexp(0.0, x))).sum()
    return float(ll - 0.5 * _L2 * gamma @ gamma)


def _fit_log_strengths(
    k: int, ia: np.ndarray, ib: np.ndarray, score: np.ndarray, weight: np.ndarray
) -> np.ndarray:
    """Penalised maximum-likelihood natural-log strengths by Newton's method with step halving."""
    gamma = np.zeros(k)
    current = _log_likelihood(gamma, ia, ib, score, weight)
    for _ in range(_MAX_NEWTON_STEPS):
        p = 1.0 / (1.0 + np.exp(-(gamma[ia] - gamma[ib])))
        residual = weight * (score - p)
        grad = np.bincount(ia, residual, k) - np.bincount(ib, residual, k) - _L2 * gamma
        h = weight * p * (1.0 - p)
        neg_hessian = _L2 * np.eye(k)
        np.add.at(neg_hessian, (ia, ia), h)
        np.add.at(neg_hessian, (ib, ib), h)
        np.add.at(neg_hessian, (ia, ib), -h)
        np.add.at(neg_hessian, (ib, ia), -h)
        step = np.linalg.solve(neg_hessian, grad)
        while True:
            candidate = _log_likelihood(gamma + step, ia, ib, score, weight)
            if candidate >= current or np.max(np.abs(step)) < 1e-12:
                break
            step /= 2.0
        gamma, current = gamma + step, candidate
        if np.max(np.abs(step)) < 1e-10:
            break
    return gamma


def _to_elo(gamma: np.ndarray, present: np.ndarray, scale: float, base: float) -> np.ndarray:
    """base + scale * log10(strength), centred so present players average ``base``; absent ones are NaN."""
    ratings = scale * gamma / math.log(10.0)
    ratings = ratings - ratings[present].mean() + base
    return np.where(present, ratings, np.nan)


def fit_bradley_terry(battles: Sequence[Battle], *, scale: float = 400.0, base: float = 1000.0) -> dict[str, float]:
    """Fit Bradley-Terry ratings on the Elo scale; returns {model: rating}, best first, mean rating = base."""
    names, ia, ib, score = _encode(battles)
    gamma = _fit_log_strengths(len(names), ia, ib, score, np.ones(score.size))
    ratings = _to_elo(gamma, np.ones(len(names), dtype=bool), scale, base)
    return dict(sorted(zip(names, map(float, ratings)), key=lambda kv: -kv[1]))


def bootstrap_bradley_terry(
    battles: Sequence[Battle], *, n_resamples: int = 200, confidence: float = 0.95, seed: int = 0,
    scale: float = 400.0, base: float = 1000.0,
) -> dict[str, tuple[float, float, float]]:
    """Return {model: (rating, lo, hi)}: the full-data fit plus percentile intervals over resampled battles.

    Each resample is re-centred on ``base``; a model absent from a resample is left out of that resample.
    """
    _check_settings(n_resamples, confidence)
    point = fit_bradley_terry(battles, scale=scale, base=base)
    names, ia, ib, score = _encode(battles)
    k, m = len(names), score.size
    rng = np.random.default_rng(seed)
    samples = np.empty((n_resamples, k))
    for r in range(n_resamples):
        weight = np.bincount(rng.integers(0, m, m), minlength=m).astype(float)
        present = (np.bincount(ia, weight, k) + np.bincount(ib, weight, k)) > 0
        samples[r] = _to_elo(_fit_log_strengths(k, ia, ib, score, weight), present, scale, base)
    tail = (1.0 - confidence) / 2.0
    lo, hi = np.nanquantile(samples, [tail, 1.0 - tail], axis=0)
    index = {name: i for i, name in enumerate(names)}
    return {name: (rating, float(lo[index[name]]), float(hi[index[name]])) for name, rating in point.items()}
