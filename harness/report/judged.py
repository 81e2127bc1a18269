"""Per-judge numbers for the leaderboard: scores with CIs, win rates, Bradley-Terry, paired tests."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from harness.run_records import Comparison


def overall(judgment: dict) -> float:
    scores = judgment["scores"]
    return sum(scores.values()) / len(scores)


def ok_judgments(comparison: Comparison, judge: str, system: str, item_ids=None) -> dict[str, dict]:
    if item_ids is None:
        return comparison.cached(("ok", judge, system), lambda: _ok_judgments(comparison, judge, system, None))
    return _ok_judgments(comparison, judge, system, item_ids)


def _ok_judgments(comparison: Comparison, judge: str, system: str, item_ids) -> dict[str, dict]:
    found = {}
    for item in comparison.items:
        if item_ids is not None and item.id not in item_ids:
            continue
        record = comparison.judgment(judge, system, item.id)
        if record is not None and record["status"] == "ok":
            found[item.id] = record
    return found


def status_counts(comparison: Comparison, judge: str, system: str) -> dict[str, int]:
    counts = {"ok": 0, "unparsed": 0, "error": 0, "missing": 0}
    for item in comparison.items:
        record = comparison.judgment(judge, system, item.id)
        counts[record["status"] if record else "missing"] += 1
    return counts


def paired_scores(comparison: Comparison, judge: str, a: str, b: str) -> tuple[list[float], list[float]]:
    """Overall per-item scores of a and b on the items both were graded on."""
    ja, jb = ok_judgments(comparison, judge, a), ok_judgments(comparison, judge, b)
    common = [i for i in ja if i in jb]
    return [overall(ja[i]) for i in common], [overall(jb[i]) for i in common]


def outcomes(comparison: Comparison, judge: str, a: str, b: str) -> dict:
    """Both orders per item: a win counts only when both games agree; otherwise a tie."""
    return comparison.cached(("outcomes", judge, a, b), lambda: _outcomes(comparison, judge, a, b))


def _outcomes(comparison: Comparison, judge: str, a: str, b: str) -> dict:
    results, inconsistent, unparsed = {}, 0, 0
    for item in comparison.items:
        g1, g2 = comparison.game(judge, item.id, a, b), comparison.game(judge, item.id, b, a)
        if not g1 or not g2:
            continue
        if g1["status"] != "ok" or g2["status"] != "ok":
            unparsed += 1
            continue
        v1 = {"first": a, "second": b, "tie": "tie"}[g1["verdict"]]
        v2 = {"first": b, "second": a, "tie": "tie"}[g2["verdict"]]
        if v1 == v2:
            results[item.id] = v1
        else:
            results[item.id] = "tie"
            inconsistent += 1
    return {"results": results, "inconsistent": inconsistent, "unparsed": unparsed}


@dataclass
class PairTest:
    a: str
    b: str
    n: int
    mean_diff: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    p_holm: float | None
    effect: float | None
    mde: float | None
    wins: int = 0
    losses: int = 0
    ties: int = 0
    sign_p: float | None = None


def pair_tests(comparison: Comparison, judge: str) -> list[PairTest]:
    return comparison.cached(("pair_tests", judge), lambda: _pair_tests(comparison, judge))


def _pair_tests(comparison: Comparison, judge: str) -> list[PairTest]:
    import numpy as np

    from harness.stats import (cohens_dz, holm_correction, minimum_detectable_difference, paired_bootstrap,
                               sign_test, wilcoxon_signed_rank)

    tests = []
    for a, b in combinations(comparison.systems, 2):
        xa, xb = paired_scores(comparison, judge, a, b)
        games = outcomes(comparison, judge, a, b)["results"]
        wins = sum(v == a for v in games.values())
        losses = sum(v == b for v in games.values())
        ties = len(games) - wins - losses
        if len(xa) >= 2:
            boot = paired_bootstrap(xa, xb)
            wil = wilcoxon_signed_rank(xa, xb)
            sd = float(np.std(np.array(xa) - np.array(xb), ddof=1))
            tests.append(PairTest(a, b, len(xa), boot["mean_diff"], boot["ci_low"], boot["ci_high"], wil["p_value"],
                                  None, cohens_dz(xa, xb), minimum_detectable_difference(sd, len(xa)) if sd else None,
                                  wins, losses, ties, sign_test(wins, losses) if games else None))
        else:
            tests.append(PairTest(a, b, len(xa), None, None, None, None, None, None, None, wins, losses, ties,
                                  sign_test(wins, losses) if games else None))
    testable = [t for t in tests if t.p_value is not None]
    for test, adjusted in zip(testable, holm_correction([t.p_value for t in testable]) if testable else []):
        test.p_holm = adjusted
    return tests


def battles(comparison: Comparison, judge: str) -> list[tuple[str, str, str]]:
    found = []
    for a, b in combinations(comparison.systems, 2):
        for winner in outcomes(comparison, judge, a, b)["results"].values():
            found.append((a, b, "a" if winner == a else "b" if winner == b else "tie"))
    return found
