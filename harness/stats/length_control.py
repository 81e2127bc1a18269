"""Length-controlled pairwise win rate: AlpacaEval 2's GLM (``alpaca_eval/metrics/glm_winrate.py``).

For one pair of systems (A vs B) over items, fit a logistic model of A's outcome (1 win, 0.5 tie,
0 loss) on the length difference ``tanh((len_A - len_B) / sd(len_A - len_B))`` plus an intercept,
then predict at zero length difference: the controlled win rate is ``sigmoid(intercept)``. A judge
that prefers longer answers shows up as a positive length coefficient, and the controlled rate
says who would win if both answered at the same length. (AlpacaEval 2 also has an
instruction-difficulty term; with one pair per fit it drops out.) Ties enter as half a win,
as in the raw win rate and Bradley-Terry. Intervals resample items.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from harness.stats.bootstrap import _check_settings

# A small ridge keeps the fit finite when one side wins every game (complete separation).
_L2 = 1e-2
_MAX_NEWTON_STEPS = 100


def _fit(x: np.ndarray, y: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Ridge-penalised logistic regression of fractional targets y on [1, x] by Newton's method."""
    design = np.column_stack([np.ones_like(x), x])
    beta = np.zeros(2)
    for _ in range(_MAX_NEWTON_STEPS):
        p = 1.0 / (1.0 + np.exp(-(design @ beta)))
        grad = design.T @ (weight * (y - p)) - _L2 * beta
        hessian = (design * (weight * p * (1.0 - p))[:, None]).T @ design + _L2 * np.eye(2)
        step = np.linalg.solve(hessian, grad)
        beta = beta + step
        if np.max(np.abs(step)) < 1e-10:
            break
    return beta


def length_feature(length_a: Sequence[float], length_b: Sequence[float]) -> np.ndarray:
    """AlpacaEval's length term: tanh of the length difference over its standard deviation (not centred)."""
    diff = np.asarray(length_a, dtype=float) - np.asarray(length_b, dtype=float)
    sd = float(diff.std())
    return np.tanh(diff / sd) if sd > 0 else np.zeros_like(diff)


def length_controlled_win_rate(
    outcomes: Sequence[float], length_a: Sequence[float], length_b: Sequence[float], *,
    n_resamples: int = 1000, confidence: float = 0.95, seed: int = 0,
) -> dict:
    """A's raw and length-controlled win rate over B from per-item outcomes (1, 0.5, 0) and answer lengths.

    Returns raw, controlled, ci_low, ci_high (bootstrap over items of the controlled rate),
    length_coef (log-odds per unit of the tanh length term; > 0 means the longer answer wins more),
    and n.
    """
    _check_settings(n_resamples, confidence)
    y = np.asarray(outcomes, dtype=float)
    if y.ndim != 1 or y.size == 0:
        raise ValueError("outcomes must be a non-empty 1-D sequence")
    if not np.all(np.isin(y, (0.0, 0.5, 1.0))):
        raise ValueError("outcomes must be 1.0, 0.5 or 0.0")
    if len(length_a) != y.size or len(length_b) != y.size:
        raise ValueError("outcomes and lengths differ in length")
    x = length_feature(length_a, length_b)
    beta = _fit(x, y, np.ones_like(y))
    rng = np.random.default_rng(seed)
    samples = np.empty(n_resamples)
    for r in range(n_resamples):
        weight = np.bincount(rng.integers(0, y.size, y.size), minlength=y.size).astype(float)
        samples[r] = _fit(x, y, weight)[0]
    tail = (1.0 - confidence) / 2.0
    lo, hi = np.quantile(1.0 / (1.0 + np.exp(-samples)), [tail, 1.0 - tail])
    return {"raw": float(y.mean()), "controlled": float(1.0 / (1.0 + np.exp(-beta[0]))), "ci_low": float(lo),
            "ci_high": float(hi), "length_coef": float(beta[1]), "n": int(y.size)}


def disagree(raw: float, controlled: float, margin: float = 0.0) -> bool:
    """True when raw and controlled rates put different systems ahead (each beyond ``margin`` from 0.5)."""
    return (raw - 0.5 > margin and 0.5 - controlled > margin) or (0.5 - raw > margin and controlled - 0.5 > margin)
