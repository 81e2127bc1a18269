"""Run-vs-run: the same items in two runs (or two adapter iterations), and what changed between them.

Systems are paired by name; when the runs share no name, by family (two SFT variants), else every
system of one run with every system of the other. Scores come from one judge both runs were graded
by, so a difference is never a change of judge.
"""

from __future__ import annotations

from typing import Any

from harness.report.judge_sections import primary_judge
from harness.run_records import Comparison
from harness.view.data import answer, answer_hash, coverage, judge_score

MAX_PAIRS = 12


def family(comparison: Comparison, system: str) -> str | None:
    return comparison.runs[system].manifest["systems"].get(system, {}).get("family")


def system_pairs(a: Comparison, b: Comparison) -> list[tuple[str, str]]:
    common = [s for s in a.systems if s in b.systems]
    if common:
        return [(s, s) for s in common]
    same_family = [(x, y) for x in a.systems for y in b.systems if family(a, x) and family(a, x) == family(b, y)]
    return (same_family or [(x, y) for x in a.systems for y in b.systems])[:MAX_PAIRS]


def config_changes(a: dict[str, Any], b: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    keys = sorted(set(a) | set(b))
    return [(k, a.get(k), b.get(k)) for k in keys if a.get(k) != b.get(k)]


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def run_diff(a: Comparison, b: Comparison) -> dict[str, Any]:
    judges_b = set(b.judges())
    judge = next((j for j in [primary_judge(a), *a.judges()] if j and j in judges_b), None)
    items_b = b.runs[b.systems[0]].items
    shared = [i for i in a.runs[a.systems[0]].items.values() if i.id in items_b]
    pairs = []
    for sa, sb in system_pairs(a, b):
        rows = []
        for item in shared:
            ans_a, ans_b = answer(a, sa, item.id), answer(b, sb, item.id)
            if ans_a is None or ans_b is None:
                continue
            ja, jb = judge_score(a, judge, sa, item.id), judge_score(b, judge, sb, item.id)
            ca, cb = coverage(a, sa, item.id), coverage(b, sb, item.id)
            rows.append({"item": item, "answer_a": ans_a, "answer_b": ans_b,
                         "changed": answer_hash(a, sa, item.id) != answer_hash(b, sb, item.id),
                         "judge_a": ja, "judge_b": jb, "judge_delta": jb - ja if None not in (ja, jb) else None,
                         "coverage_a": ca, "coverage_b": cb,
                         "coverage_delta": cb - ca if None not in (ca, cb) else None})
        rows.sort(key=lambda r: -abs(r["judge_delta"] if r["judge_delta"] is not None else r["coverage_delta"] or 0))
        deltas = [r["judge_delta"] for r in rows if r["judge_delta"] is not None]
        ea = a.runs[sa].manifest["systems"].get(sa, {})
        eb = b.runs[sb].manifest["systems"].get(sb, {})
        pairs.append({
            "a": sa, "b": sb, "rows": rows, "changed": sum(r["changed"] for r in rows),
            "judge_a": mean([r["judge_a"] for r in rows if r["judge_a"] is not None]),
            "judge_b": mean([r["judge_b"] for r in rows if r["judge_b"] is not None]),
            "coverage_a": mean([r["coverage_a"] for r in rows if r["coverage_a"] is not None]),
            "coverage_b": mean([r["coverage_b"] for r in rows if r["coverage_b"] is not None]),
            "better": sum(d > 0 for d in deltas), "worse": sum(d < 0 for d in deltas),
            "same": sum(d == 0 for d in deltas),
            "fingerprint": (ea.get("fingerprint"), eb.get("fingerprint")),
            "config": config_changes(ea.get("config", {}), eb.get("config", {})),
        })
    ma, mb = a.runs[a.systems[0]].manifest, b.runs[b.systems[0]].manifest
    run_changes = [(k, ma.get(k), mb.get(k)) for k in ("model", "backend", "git_sha", "seed", "rubric")
                   if ma.get(k) != mb.get(k)]
    if ma["benchmark"] != mb["benchmark"]:
        run_changes.append(("benchmark", f"{ma['benchmark']['name']} v{ma['benchmark']['version']}",
                            f"{mb['benchmark']['name']} v{mb['benchmark']['version']}"))
    return {"a": ma["run_id"], "b": mb["run_id"], "judge": judge, "shared": len(shared), "pairs": pairs,
            "run_changes": run_changes}
