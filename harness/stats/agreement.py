"""Agreement between raters (judges, humans) and correlations that reveal judge biases.

Missing ratings are allowed everywhere (None or NaN) and are dropped rather than imputed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

_LEVELS = ("nominal", "ordinal", "interval", "ratio")
_VERDICTS = {"a", "b", "tie"}


def _is_missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def krippendorff_alpha(ratings: Sequence[Sequence[float | None]], *, level: str = "ordinal") -> float:
    """Krippendorff's alpha for an annotators x units matrix, None/NaN marking a missing rating.

    Wraps ``krippendorff.alpha``; raises ValueError when there are fewer than 2 annotators or no unit
    rated by at least 2 of them (alpha is undefined there).
    """
    import krippendorff

    if level not in _LEVELS:
        raise ValueError(f"level must be one of {_LEVELS}, got {level!r}")
    data = np.array([[np.nan if _is_missing(v) else float(v) for v in row] for row in ratings], dtype=float)
    if data.ndim != 2 or data.shape[0] < 2:
        raise ValueError(f"need a 2-D annotators x units matrix with at least 2 annotators, got shape {data.shape}")
    if not np.any(np.sum(~np.isnan(data), axis=0) >= 2):
        raise ValueError("no unit has ratings from at least 2 annotators, so agreement is undefined")
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))


def spearman(x: Sequence[float | None], y: Sequence[float | None]) -> dict:
    """Spearman rank correlation over pairs where both values are present; returns rho, p_value, n.

    rho and p_value are None when fewer than 3 pairs remain or either side is constant.
    """
    from scipy.stats import spearmanr

    if len(x) != len(y):
        raise ValueError(f"x and y differ in length: {len(x)} != {len(y)}")
    pairs = [(float(u), float(v)) for u, v in zip(x, y) if not (_is_missing(u) or _is_missing(v))]
    n = len(pairs)
    if n < 3 or len({u for u, _ in pairs}) < 2 or len({v for _, v in pairs}) < 2:
        return {"rho": None, "p_value": None, "n": n}
    result = spearmanr([u for u, _ in pairs], [v for _, v in pairs])
    return {"rho": float(result.statistic), "p_value": float(result.pvalue), "n": n}


def pairwise_agreement(verdicts_a: Sequence[str], verdicts_b: Sequence[str], *, include_ties: bool = True) -> dict:
    """Share of comparisons where two raters gave the same verdict ("a", "b" or "tie"); returns agreement, n.

    With include_ties=False only comparisons where neither rater said "tie" count (MT-Bench style).
    agreement is None when no comparison counts.
    """
    if len(verdicts_a) != len(verdicts_b):
        raise ValueError(f"verdict lists differ in length: {len(verdicts_a)} != {len(verdicts_b)}")
    bad = (set(verdicts_a) | set(verdicts_b)) - _VERDICTS
    if bad:
        raise ValueError(f"verdicts must be 'a', 'b' or 'tie', got {sorted(bad)}")
    pairs = [(u, v) for u, v in zip(verdicts_a, verdicts_b) if include_ties or "tie" not in (u, v)]
    if not pairs:
        return {"agreement": None, "n": 0}
    return {"agreement": sum(u == v for u, v in pairs) / len(pairs), "n": len(pairs)}


def length_correlation(scores: Sequence[float | None], lengths: Sequence[float | None]) -> dict:
    """Spearman correlation of score with answer length: a large positive rho flags a verbosity bias."""
    return spearman(scores, lengths)
