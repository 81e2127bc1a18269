"""Leaderboard sections built from the automatic key-point coverage score."""

from __future__ import annotations


from harness.run_records import Comparison
from harness.report.markdown import breakdown, ci, num, table
from harness.scoring.keypoints import SCORER


def coverage_values(comparison: Comparison, system: str, item_ids) -> list[float]:
    values = []
    for item_id in item_ids:
        score = comparison.score(SCORER, system, item_id)
        if score is not None and score["status"] == "ok":
            values.append(score["value"])
    return values


def overall_section(comparison: Comparison) -> str:
    from harness.stats import bootstrap_mean_ci

    ids = [i.id for i in comparison.items]
    rows = []
    for system in comparison.systems:
        values = coverage_values(comparison, system, ids)
        answers = [comparison.answer(system, i) for i in ids]
        tokens = [a["completion_tokens"] for a in answers if a.get("completion_tokens") is not None]
        latency = [a["latency_s"] for a in answers if a.get("latency_s") is not None]
        pitfalls = [len(s["details"].get("pitfalls_hit", [])) for i in ids
                    if (s := comparison.score(SCORER, system, i)) and s["status"] == "ok"]
        mean_ci = bootstrap_mean_ci(values) if values else (None, None, None)
        rows.append((system, len(values), ci(*mean_ci), num(sum(pitfalls) / len(pitfalls) if pitfalls else None),
                     num(sum(tokens) / len(tokens) if tokens else None, 0),
                     num(sum(latency) / len(latency) if latency else None)))
    rows.sort(key=lambda r: -float(r[2].split()[0]) if r[2] != "n/a" else 0)
    text = table(["system", "n", "key-point coverage [95% CI]", "pitfall matches / answer", "answer tokens",
                  "seconds / answer"], rows)
    skipped = sum(1 for i in comparison.items if not i.key_points)
    note = ("\n\nKey-point coverage is an automatic score (embedding + lexical match of each item's key points), "
            "not a judge. Pitfall matches are a heuristic count of answer sentences that resemble a listed pitfall.")
    if skipped:
        note += f" {skipped} of {len(comparison.items)} items have no key_points, so coverage was not computed for them."
    if not any(i.pitfalls for i in comparison.items):
        note += " No item lists pitfalls, so pitfall matches could not be counted."
    return "## Automatic score: key-point coverage\n\n" + text + note


def breakdown_section(comparison: Comparison, field: str, title: str) -> str | None:
    def cell(system, ids):
        values = coverage_values(comparison, system, ids)
        return num(sum(values) / len(values) if values else None)

    rows = breakdown(comparison, field, cell)
    return rows and f"## Key-point coverage by {title}\n\n" + table([title, "n", *comparison.systems], rows)
