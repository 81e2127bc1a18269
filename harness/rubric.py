"""Rubrics live in ``rubrics/<name>.yaml``; the LLM judge and the human sheets read the same file."""

from __future__ import annotations

from pathlib import Path

RUBRICS_DIR = Path(__file__).resolve().parent.parent / "rubrics"


def known_rubrics() -> list[str]:
    return sorted(p.stem for p in RUBRICS_DIR.glob("*.yaml"))
