"""Retrieval quality from answer records: recall@k and MRR against items' ``gold_docs``."""

from __future__ import annotations

from collections import defaultdict

from harness.run_records import Comparison
from harness.report.markdown import num, table


def item_metrics(gold: list[str], retrieved: list[str]) -> tuple[float, float]:
    """(recall@k: share of gold docs among the retrieved, reciprocal rank of the first gold hit)."""
    gold_set = set(gold)
    recall = len(gold_set & set(retrieved)) / len(gold_set)
    rank = next((n for n, doc in enumerate(retrieved, start=1) if doc in gold_set), None)
    return recall, (1.0 / rank if rank else 0.0)


def retrieval_rows(comparison: Comparison, system: str) -> list[tuple[str, str, float, float]]:
    """Per item (category, region, recall, rr) for a system that retrieved, grouped under 'all'."""
    rows = []
    for item in comparison.items:
        answer = comparison.answer(system, item.id)
        docs = [r["doc_id"] for r in answer.get("retrieved") or []]
        if item.gold_docs and docs:
            recall, rr = item_metrics(item.gold_docs, docs)
            rows.append((item.category or "-", item.region or "-", recall, rr))
    return rows


def retrieval_section(comparison: Comparison) -> str | None:
    from harness.report.rag_diagnostics import context_recall_cell

    rows_by_system = {s: retrieval_rows(comparison, s) for s in comparison.systems}
    systems = [s for s in comparison.systems if rows_by_system[s]]
    if not systems:
        if any(comparison.answer(s, i.id).get("retrieved") for s in comparison.systems for i in comparison.items[:1]):
            return "## Retrieval\n\nThe items carry no `gold_docs`, so retrieval recall could not be computed."
        return None
    parts = ["## Retrieval", ""]
    overall = []
    for system in systems:
        rows = rows_by_system[system]
        k = max(len(comparison.answer(system, i.id).get("retrieved") or []) for i in comparison.items)
        overall.append((system, len(rows), k, num(sum(r[2] for r in rows) / len(rows)),
                        num(sum(r[3] for r in rows) / len(rows)), context_recall_cell(comparison, system)))
    parts.append(table(["system", "items with gold docs", "k", "recall@k", "MRR", "context recall"], overall))
    parts.append("\nContext recall: the share of key points present in the retrieved passages (see RAG diagnostics).")
    for field, position in (("category", 0), ("region", 1)):
        groups: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for system in systems:
            for row in rows_by_system[system]:
                groups[row[position]][system].append(row)
        body = []
        for group, by_system in sorted(groups.items()):
            cells = []
            for system in systems:
                rows = by_system.get(system, [])
                cells.append(f"{num(sum(r[2] for r in rows) / len(rows))} / {num(sum(r[3] for r in rows) / len(rows))}"
                             if rows else "n/a")
            body.append((group, *cells))
        parts += ["", f"Recall@k / MRR by {field}:", "", table([field, *systems], body)]
    return "\n".join(parts)
