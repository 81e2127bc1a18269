"""Tiny markdown helpers: tables and number formatting."""

from __future__ import annotations

from typing import Any, Sequence


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], align: str | None = None) -> str:
    align = align or "l" + "r" * (len(headers) - 1)
    marks = {"l": ":--", "r": "--:", "c": ":-:"}
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(marks[a] for a in align) + " |"]
    lines += ["| " + " | ".join("" if c is None else str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def breakdown(comparison, field: str, cell) -> list[tuple] | None:
    """Rows of (group, items, one cell per system) over the items grouped by ``field``;
    ``cell(system, item_ids)`` renders a system's cell. None when no item has the field."""
    groups = comparison.groups(field)
    if not groups:
        return None
    return [(group, len(ids), *(cell(system, ids) for system in comparison.systems)) for group, ids in groups.items()]


def num(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def ci(mean: float | None, lo: float | None, hi: float | None, digits: int = 2) -> str:
    if mean is None:
        return "n/a"
    return f"{mean:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"
