"""The plain-language SFT-vs-RAG verdict line at the top of the leaderboard."""

from __future__ import annotations

import numpy as np

from harness.judge.judge import WEAK_JUDGES
from harness.run_records import Comparison
from harness.report.judge_sections import primary_judge
from harness.report.judged import paired_scores, pair_tests

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


def describe(a: str, b: str, xa: list[float], xb: list[float], p_value: float | None, unit: str, source: str) -> str:
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
        return (f"**{label_a} vs {label_b} on cultural nuance: {leader} ahead by {gap:.2f} {unit} "
                f"(95% CI {low:.2f} to {high:.2f}, {p_text}, n = {n}, {source}).**")
    return (f"**{label_a} vs {label_b} on cultural nuance: no significant difference at n = {n}** "
            f"({label_a} - {label_b} = {diff:+.2f} {unit}, 95% CI {lo:+.2f} to {hi:+.2f}, {p_text}, {source}); "
            f"differences under {mde:.2f} {unit} cannot be detected with this many items.")


def verdict_lines(comparison: Comparison) -> str:
    systems = set(comparison.systems)
    contenders = [s for s in ("sft", "sft+rag", "uft") if s in systems]
    if "rag" not in systems or not contenders:
        return ("**Verdict:** the SFT-vs-RAG verdict needs `rag` and `sft` (or `sft+rag`) in the comparison; "
                f"this one has {', '.join(comparison.systems)}.")
    judge = primary_judge(comparison)
    tests = {(t.a, t.b): t for t in pair_tests(comparison, judge)} if judge else {}  # once, for every contender
    lines = []
    for contender in contenders:
        if judge:
            xa, xb = paired_scores(comparison, judge, contender, "rag")
            test = tests.get((contender, "rag")) or tests.get(("rag", contender))
            p = test.p_holm if test else None
            source = f"judge: {judge}, Wilcoxon with Holm correction" + (
                "; a weak judge, see below" if judge in WEAK_JUDGES else "")
            lines.append(describe(contender, "rag", xa, xb, p, "points", source))
            if judge in WEAK_JUDGES:  # its scores barely move; show the other signal next to it
                lines.append(automatic_line(comparison, contender,
                                            "automatic key-point coverage, not a judge: a second signal next to the weak judge"))
        else:
            lines.append(automatic_line(comparison, contender,
                                        "automatic key-point coverage, no judge: add --judge for a graded verdict"))
    return "\n\n".join(lines)


def automatic_line(comparison: Comparison, contender: str, source: str) -> str:
    from harness.stats import wilcoxon_signed_rank

    xa, xb = automatic_pair(comparison, contender, "rag")
    p = wilcoxon_signed_rank(xa, xb)["p_value"] if len(xa) >= 2 else None
    return describe(contender, "rag", xa, xb, p, "coverage", source)
