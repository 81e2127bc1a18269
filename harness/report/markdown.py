"""Tiny markdown helpers: tables and number formatting.

Every cell may hold text from a benchmark, a model or a user file: ``escape`` keeps it one line of
plain text (pipes, newlines and HTML neutralised, links disarmed, long labels cut).
"""

from __future__ import annotations

import re
from typing import Any, Sequence

MAX_CELL = 160
_SPECIAL = re.compile(r"[|<>]")
_BREAKS = re.compile(r"[\r\n\t\v\f\u0085\u2028\u2029]+")


def escape(value: Any, limit: int = MAX_CELL) -> str:
    """One table cell (or inline label) of plain text, at most ``limit`` characters."""
    text = _BREAKS.sub(" ", "" if value is None else str(value)).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    text = _SPECIAL.sub(lambda m: {"<": "&lt;", ">": "&gt;", "|": "\\|"}[m.group()], text)
    return text.replace("](", "]\\(")  # no [text](url) links or ![images] from data


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], align: str | None = None) -> str:
    align = align or "l" + "r" * (len(headers) - 1)
    marks = {"l": ":--", "r": "--:", "c": ":-:"}
    lines = ["| " + " | ".join(escape(h) for h in headers) + " |",
             "| " + " | ".join(marks[a] for a in align) + " |"]
    lines += ["| " + " | ".join(escape(c) for c in row) + " |" for row in rows]
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
