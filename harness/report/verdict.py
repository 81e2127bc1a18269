"""The plain-language SFT-vs-RAG verdict at the top of the leaderboard.

It compares the best variant of the SFT family (sft, uft, uft+sft) with the best variant of the
RAG family, names both, and corrects for the choice: when either family has several variants,
the p-value is Holm-corrected over every SFT-family x RAG-family pair, since picking the best
pair after seeing the scores is a post-hoc choice. An SFT+RAG hybrid gets its own line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness.judge.judge import WEAK_JUDGES
from harness.report.judge_sections import primary_judge
from harness.report.judged import paired_scores
from harness.run_records import Comparison

ALPHA = 0.05


def automatic_pair(comparison: Comparison, a: str, b: str):
    from harness.scoring.keypoints import SCORER

    xa, xb = [], []
    for item in comparison.items:
        sa, sb = comparison.score(SCORER, a, item.id), comparison.score(SCORER, b, item.id)
        if sa and sb and sa["status"] == "ok" and sb["status"] == "ok":
            xa.append(sa["value"])
            xb.append(sb["value"])
    return xa, xb


def describe(a: str, b: str, xa: list[float], xb: list[float], p_value: float | None, unit: str, source: str,
             what: str = "on cultural nuance") -> str:
    from harness.stats import minimum_detectable_difference, paired_bootstrap

    n = len(xa)
    label_a, label_b = a.upper(), b.upper()
    if n < 2:
        return f"**{label_a} vs {label_b}**: not enough items scored for both ({n}) to compare ({source})."
    boot = paired_bootstrap(xa, xb)
    diff, lo, hi = boot["mean_diff"], boot["ci_low"], boot["ci_high"]
    sd = float(np.std(np.array(xa) - np.array(xb), ddof=1))
    mde = minimum_detectable_difference(sd, n) if sd else 0.0
    if p_value is None:
        p_text = "no p-value"
    else:
        p_text = f"p = {p_value:.3f}" if p_value >= 0.001 else "p < 0.001"
    if p_value is not None and p_value < ALPHA:
        leader, gap = (label_a, diff) if diff > 0 else (label_b, -diff)
        low, high = (lo, hi) if diff > 0 else (-hi, -lo)
        return (f"**{label_a} vs {label_b} {what}: {leader} ahead by {gap:.2f} {unit} "
                f"(95% CI {low:.2f} to {high:.2f}, {p_text}, n = {n}, {source}).**")
    if not sd:
        same = ("scored the same on every item" if diff == 0
                else f"differed by the same {diff:+.2f} {unit} on every item")
        return (f"**{label_a} vs {label_b} {what}: no difference this signal can show at n = {n}**: the two {same} "
                f"(mean {float(np.mean(xa)):.2f} {unit}; {p_text}, {source}), so it cannot separate them here.")
    disagree = ""
    if p_value is not None and (lo > 0 or hi < 0):
        disagree = (" The bootstrap interval leaves out zero but the rank test does not reject: a percentile"
                    " bootstrap is too narrow at small n, so treat the gap as unconfirmed.")
    return (f"**{label_a} vs {label_b} {what}: no significant difference at n = {n}** "
            f"({label_a} - {label_b} = {diff:+.2f} {unit}, 95% CI {lo:+.2f} to {hi:+.2f}, {p_text}, {source}); "
            f"differences under {mde:.2f} {unit} cannot be detected with this many items.{disagree}")


@dataclass
class Matchup:
    """The best variant of one family against the best of another, with the correction applied."""

    a: str
    b: str
    xa: list[float]
    xb: list[float]
    p_value: float | None  # Holm-corrected over every pair considered when there was a choice
    n_pairs: int
    candidates: tuple[list[str], list[str]]


def own_scores(comparison: Comparison, judge: str | None, system: str) -> list[float]:
    """A system's per-item scores (judge overall, else key-point coverage): what 'best variant' means."""
    from harness.report.judged import ok_judgments, overall
    from harness.scoring.keypoints import SCORER

    if judge:
        return [overall(j) for j in ok_judgments(comparison, judge, system).values()]
    found = [comparison.score(SCORER, system, item.id) for item in comparison.items]
    return [s["value"] for s in found if s and s["status"] == "ok"]


def scores_for(comparison: Comparison, judge: str | None):
    """(pairs function, unit): the judge's overall scores, else key-point coverage."""
    if judge:
        return (lambda a, b: paired_scores(comparison, judge, a, b)), "points"
    return (lambda a, b: automatic_pair(comparison, a, b)), "coverage"


def best_matchup(comparison: Comparison, side_a: list[str], side_b: list[str], judge: str | None) -> Matchup | None:
    from harness.stats import holm_correction, wilcoxon_signed_rank

    pairs_of, _ = scores_for(comparison, judge)
    rows = []
    for a in side_a:
        for b in side_b:
            xa, xb = pairs_of(a, b)
            p = wilcoxon_signed_rank(xa, xb)["p_value"] if len(xa) >= 2 else None
            rows.append((a, b, xa, xb, p))
    if not rows:
        return None
    testable = [r for r in rows if r[4] is not None]
    adjusted = dict(zip([(r[0], r[1]) for r in testable], holm_correction([r[4] for r in testable]))) if testable else {}

    def mean(system: str) -> float:
        values = own_scores(comparison, judge, system)
        return float(np.mean(values)) if values else float("-inf")

    best_a = max(side_a, key=mean)
    best_b = max(side_b, key=mean)
    a, b, xa, xb, _ = next(r for r in rows if r[0] == best_a and r[1] == best_b)
    return Matchup(a, b, xa, xb, adjusted.get((a, b)), len(rows), (side_a, side_b))


def choice_note(m: Matchup) -> str:
    if m.n_pairs == 1:
        return ""
    return (f"best of {len(m.candidates[0])} x {len(m.candidates[1])} variants "
            f"({', '.join(m.candidates[0])} vs {', '.join(m.candidates[1])}), chosen after seeing the scores, "
            f"so p is Holm-corrected over all {m.n_pairs} pairs")


def family_members(comparison: Comparison, family: str) -> list[str]:
    return [s for s in comparison.systems if comparison.family(s) == family]


def headline(comparison: Comparison) -> tuple[str, str] | None:
    """(best SFT-family variant, best RAG-family variant) the verdict names, or None."""
    rag = family_members(comparison, "rag")
    side = family_members(comparison, "sft") or family_members(comparison, "hybrid")
    if not rag or not side:
        return None
    m = best_matchup(comparison, side, rag, primary_judge(comparison))
    return (m.a, m.b) if m else None


def verdict_lines(comparison: Comparison, extra_lines: list[str] | None = None) -> str:
    rag = family_members(comparison, "rag")
    sft = family_members(comparison, "sft")
    hybrid = family_members(comparison, "hybrid")
    if not rag or not (sft or hybrid):
        return ("**Verdict:** the SFT-vs-RAG verdict needs a RAG-family system (e.g. `rag`) and an SFT-family one "
                f"(e.g. `sft`, or `sft+rag`) in the comparison; this one has {', '.join(comparison.systems)}.")
    judge = primary_judge(comparison)
    lines = []
    for side, label in ((sft, "SFT family"), (hybrid, "SFT+RAG")):
        if not side:
            continue
        lines.extend(matchup_lines(comparison, side, rag, judge))
    lines.extend(line for line in (extra_lines or []) if line)
    return "\n\n".join(lines)


def matchup_lines(comparison: Comparison, side: list[str], rag: list[str], judge: str | None) -> list[str]:
    lines = []
    if judge:
        m = best_matchup(comparison, side, rag, judge)
        source = f"judge: {judge}, Wilcoxon" + (" with Holm correction" if m.n_pairs > 1 else "")
        note = choice_note(m)
        source += (f"; {note}" if note else "") + ("; a weak judge, see below" if judge in WEAK_JUDGES else "")
        lines.append(describe(m.a, m.b, m.xa, m.xb, m.p_value, "points", source))
        if judge not in WEAK_JUDGES:
            return lines
        label = "automatic key-point coverage, not a judge: a second signal next to the weak judge"
    else:
        label = "automatic key-point coverage, no judge: add --judge for a graded verdict"
    m = best_matchup(comparison, side, rag, None)
    note = choice_note(m)
    lines.append(describe(m.a, m.b, m.xa, m.xb, m.p_value, "coverage",
                          f"{label}, Wilcoxon" + (f" with Holm correction; {note}" if note else "")))
    return lines
