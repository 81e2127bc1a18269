"""Length-controlled win rates (AlpacaEval 2's GLM, ``harness/stats/length_control.py``) for the leaderboard."""

from __future__ import annotations

from itertools import combinations

from harness.run_records import Comparison
from harness.report.judged import outcomes
from harness.report.markdown import ci, num, table

MIN_GAMES = 5


def games(comparison: Comparison, judge: str, system: str, others: list[str] | None = None):
    """(outcomes for ``system``, its answer lengths, the opponents' lengths) over both-order results."""
    found, own, theirs = [], [], []
    for other in others or [s for s in comparison.systems if s != system]:
        for item_id, winner in outcomes(comparison, judge, system, other)["results"].items():
            found.append(1.0 if winner == system else 0.5 if winner == "tie" else 0.0)
            own.append(len(comparison.answer(system, item_id)["text"]))
            theirs.append(len(comparison.answer(other, item_id)["text"]))
    return found, own, theirs


def controlled(comparison: Comparison, judge: str, system: str, others: list[str] | None = None) -> dict | None:
    from harness.stats.length_control import length_controlled_win_rate

    key = ("length_control", judge, system, tuple(others or ()))

    def compute():
        found, own, theirs = games(comparison, judge, system, others)
        return length_controlled_win_rate(found, own, theirs) if len(found) >= MIN_GAMES else None

    return comparison.cached(key, compute)


def controlled_cell(comparison: Comparison, judge: str, system: str) -> str:
    """The overview column: the system's win rate against the field, predicted at equal length."""
    result = controlled(comparison, judge, system)
    return ci(result["controlled"], result["ci_low"], result["ci_high"]) if result else "n/a"


def length_control_section(comparison: Comparison, judge: str | None = None) -> str:
    """Per pair: raw and length-controlled win rate of A, the length coefficient, and a warning when the
    two put different systems ahead ("" without pairwise games)."""
    from harness.report.judge_sections import primary_judge
    from harness.stats.length_control import disagree

    judge = judge or primary_judge(comparison)
    if judge is None:
        return ""
    rows, flips = [], []
    for a, b in combinations(comparison.systems, 2):
        result = controlled(comparison, judge, a, [b])
        if result is None:
            continue
        _, own, theirs = games(comparison, judge, a, [b])
        flipped = disagree(result["raw"], result["controlled"])
        rows.append((f"{a} vs {b}", result["n"], num(result["raw"]),
                     ci(result["controlled"], result["ci_low"], result["ci_high"]), f"{result['length_coef']:+.2f}",
                     f"{sum(own) / len(own):.0f} / {sum(theirs) / len(theirs):.0f}", "**yes**" if flipped else "no"))
        if flipped:
            raw_leader, lc_leader = (a, b) if result["raw"] > 0.5 else (b, a)
            flips.append(f"{a} vs {b}: raw wins favour {raw_leader} ({result['raw']:.2f}), but at equal length "
                         f"{lc_leader} is ahead ({result['controlled']:.2f} for {a})")
    if not rows:
        return ""
    text = (f"## Length-controlled win rates (judge {judge})\n\n"
            + table(["pair (A vs B)", "items", "A raw win rate", "A length-controlled [95% CI]", "length coef",
                     "mean chars A / B", "leader flips"], rows)
            + "\n\nAlpacaEval 2's GLM: a logistic fit of A's both-order outcome (tie = half) on "
              "tanh(standardised length difference), predicted at zero length difference; the interval "
              "resamples items. A positive length coefficient means the judge favoured the longer answer.")
    if flips:
        text += "\n\n**Warning: raw and length-controlled results disagree on who wins.** " + "; ".join(flips) + "."
    return text
