"""What the item browser and the item page show, read from a ``Comparison`` (records only, no markup).

Two flags help find where systems differ: *systems disagree* (the primary judge's overall scores of
one item span at least ``SPREAD_JUDGE`` points, or key-point coverage spans ``SPREAD_COVERAGE``) and
*judge and coverage disagree* (for one answer, the judge's score scaled to 0-1 and the coverage
score differ by at least ``JUDGE_VS_COVERAGE``).
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

from harness.report.human_sections import human_games
from harness.report.judge_sections import primary_judge
from harness.report.judged import outcomes, overall
from harness.run_records import Comparison
from harness.scoring.keypoints import SCORER

SPREAD_JUDGE = 1.0
SPREAD_COVERAGE = 0.3
JUDGE_VS_COVERAGE = 0.4


def scale_of(comparison: Comparison) -> tuple[int, int]:
    from harness.errors import UserError
    from harness.rubric import load_rubric

    name = next(iter(comparison.runs.values())).manifest.get("rubric") or "cultural_nuance"
    try:
        scale = load_rubric(name).scale
    except UserError:
        return 1, 5
    return scale["min"], scale["max"]


def newest(comparison: Comparison):
    """The run records that decided the comparison (its items, in benchmark order)."""
    return comparison.runs[comparison.systems[0]]


def answer(comparison: Comparison, system: str, item_id: str) -> dict[str, Any] | None:
    return comparison.runs[system].answers.get((system, item_id))


def answer_hash(comparison: Comparison, system: str, item_id: str) -> str | None:
    return comparison.runs[system].hashes.get((system, item_id))


def judgments(comparison: Comparison, system: str, item_id: str) -> list[dict[str, Any]]:
    digest = answer_hash(comparison, system, item_id)
    found = [comparison.judgments[key] for key in sorted(comparison.judgments) if key[1] == item_id and key[2] == digest]
    return [{**r, "overall": overall(r) if r["status"] == "ok" and r["scores"] else None} for r in found]


def judge_score(comparison: Comparison, judge: str | None, system: str, item_id: str) -> float | None:
    digest = answer_hash(comparison, system, item_id)
    record = comparison.judgments.get((judge, item_id, digest)) if judge and digest else None
    return overall(record) if record and record["status"] == "ok" and record["scores"] else None


def coverage(comparison: Comparison, system: str, item_id: str) -> float | None:
    score = comparison.runs[system].scores.get((SCORER, system, item_id))
    return score["value"] if score and score["status"] == "ok" else None


def adapter_labels(comparison: Comparison) -> dict:
    """Taught labels of the first SFT-family adapter system, as the leaderboard cached them ({} if none)."""
    from harness.errors import UserError
    from harness.scoring.taught import adapter_folder, cached_labels, training_data

    def read() -> dict:
        for system in comparison.systems:
            config = comparison.entry(system).get("config") or {}
            folder = adapter_folder(config) if comparison.family(system) == "sft" else None
            if folder is None:
                continue
            try:
                data = training_data(folder)
            except UserError:
                continue
            cache = comparison.runs[system].run_dir.parent.parent / "cache" / "taught"
            found = cached_labels(comparison.items, data, cache) if data.mode == "sft" else None
            if found:
                return found
        return {}

    return comparison.cached(("view-taught",), read)


def taught_label(comparison: Comparison, item) -> str | None:
    """'taught' / 'untaught' from the item record's own ``taught`` field, else from the labels the
    leaderboard computed for the first adapter system; None when neither exists."""
    value = (item.model_extra or {}).get("taught")
    if value is None:
        label = adapter_labels(comparison).get(item.id)
        return None if label is None else ("taught" if label.taught else "untaught")
    if isinstance(value, str):
        return value if value in ("taught", "untaught") else None
    return "taught" if value else "untaught"


def disagreements(cells: dict[str, dict], scale: tuple[int, int]) -> tuple[bool, bool]:
    judged = [c["judge"] for c in cells.values() if c["judge"] is not None]
    covered = [c["coverage"] for c in cells.values() if c["coverage"] is not None]
    systems = ((len(judged) > 1 and max(judged) - min(judged) >= SPREAD_JUDGE)
               or (len(covered) > 1 and max(covered) - min(covered) >= SPREAD_COVERAGE))
    low, high = scale
    judge_vs_coverage = any(c["judge"] is not None and c["coverage"] is not None
                            and abs((c["judge"] - low) / (high - low) - c["coverage"]) >= JUDGE_VS_COVERAGE
                            for c in cells.values())
    return bool(systems), judge_vs_coverage


def item_rows(comparison: Comparison) -> list[dict[str, Any]]:
    """One row per item of the newest run: per-system status, judge score and coverage, and the flags."""
    judge, scale = primary_judge(comparison), scale_of(comparison)
    rows = []
    for item in newest(comparison).items.values():
        cells = {}
        for system in comparison.systems:
            found = answer(comparison, system, item.id)
            cells[system] = {"status": found["status"] if found else "missing",
                             "judge": judge_score(comparison, judge, system, item.id),
                             "coverage": coverage(comparison, system, item.id)}
        systems_disagree, judge_vs_coverage = disagreements(cells, scale)
        rows.append({"item": item, "cells": cells, "systems_disagree": systems_disagree,
                     "judge_vs_coverage": judge_vs_coverage, "taught": taught_label(comparison, item),
                     "answered": [s for s, c in cells.items() if c["status"] == "ok"]})
    return rows


def pairwise_for_item(comparison: Comparison, item_id: str) -> list[dict[str, Any]]:
    """Each judge's A/B games on this item, both orders, and the combined outcome."""
    found = []
    for judge in sorted({key[0] for key in comparison.games}):
        for a, b in combinations(comparison.systems, 2):
            if answer_hash(comparison, a, item_id) is None or answer_hash(comparison, b, item_id) is None:
                continue
            g1, g2 = comparison.game(judge, item_id, a, b), comparison.game(judge, item_id, b, a)
            if not g1 and not g2:
                continue
            result = outcomes(comparison, judge, a, b)["results"].get(item_id)
            found.append({"judge": judge, "a": a, "b": b, "ab": g1 and (g1.get("verdict") or g1["status"]),
                          "ba": g2 and (g2.get("verdict") or g2["status"]), "result": result})
    return found


def item_detail(comparison: Comparison, item_id: str) -> dict[str, Any] | None:
    from harness.view.passages import passages

    item = newest(comparison).items.get(item_id)
    if item is None:
        return None
    judge, scale = primary_judge(comparison), scale_of(comparison)
    columns, cells = [], {}
    for system in comparison.systems:
        found = answer(comparison, system, item_id)
        entry = comparison.runs[system].manifest["systems"].get(system, {})
        cells[system] = {"judge": judge_score(comparison, judge, system, item_id),
                         "coverage": coverage(comparison, system, item_id)}
        score = comparison.runs[system].scores.get((SCORER, system, item_id))
        digest = answer_hash(comparison, system, item_id)
        humans = comparison.humans.get((item_id, system, digest), []) if digest else []
        columns.append({
            "system": system, "family": entry.get("family"), "run_id": comparison.runs[system].manifest["run_id"],
            "answer": found, "passages": passages(found, entry.get("config", {})) if found else [],
            "judgments": judgments(comparison, system, item_id), "coverage": score, "humans": humans,
        })
    systems_disagree, judge_vs_coverage = disagreements(cells, scale)
    games = [g for g in human_games(comparison) if g["item_id"] == item_id]
    ids = list(newest(comparison).items)
    index = ids.index(item_id)
    return {"item": item, "columns": columns, "judge": judge, "pairwise": pairwise_for_item(comparison, item_id),
            "human_games": games, "systems_disagree": systems_disagree, "judge_vs_coverage": judge_vs_coverage,
            "taught": taught_label(comparison, item), "scale": scale,
            "previous": ids[index - 1] if index > 0 else None, "next": ids[index + 1] if index + 1 < len(ids) else None}
