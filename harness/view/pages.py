"""Each viewer page as HTML from records; the live app and the static bundle both call these."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from harness.run_records import Comparison, list_runs
from harness.view.render import Links, render, render_markdown

PLOTS = ("scores.png", "heatmap.png", "history.png")
IMAGE_LINE = re.compile(r"^\s*!\[[^\]]*\]\([^)]*\)\s*$")


def leaderboard_file(out_dir: Path, run: str | None) -> Path:
    """``leaderboard.md``, or the run's own ``report.md`` (``run`` must be one of ``list_runs``)."""
    if run is None:
        return Path(out_dir) / "leaderboard.md"
    return next(p for p in list_runs(out_dir) if p.name == run) / "report.md"


def leaderboard_page(out_dir: Path, run: str | None, links: Links) -> tuple[str, list[str]]:
    """The leaderboard as ``python -m harness leaderboard`` last wrote it (rendering it again would
    load the embedding model for some sections), with a note when records are newer; returns the
    page and the plot files it shows."""
    path = leaderboard_file(out_dir, run)
    text = path.read_text(encoding="utf-8") if path.is_file() else None
    plots = [n for n in PLOTS if run is None and text is not None and (Path(out_dir) / n).is_file()]
    newest = max((f.stat().st_mtime for f in Path(out_dir).glob("runs/*/*.jsonl")), default=0)
    stale = text is not None and newest > path.stat().st_mtime
    body = None
    if text is not None:
        kept = [line for line in text.splitlines() if not IMAGE_LINE.match(line) and line.strip() != "## Plots"]
        body = render_markdown("\n".join(kept))
    command = "python -m harness leaderboard" + (f" --run {run}" if run else "")
    return render("leaderboard.html", links=links, page="leaderboard", body=body, plots=plots, stale=stale,
                  command=command, source=path.name, title="Leaderboard"), plots


def items_page(comparison: Comparison, links: Links) -> str:
    from harness.view.data import JUDGE_VS_COVERAGE, SPREAD_COVERAGE, SPREAD_JUDGE, item_rows

    rows = item_rows(comparison)

    def values(field: str) -> list[str]:
        return sorted({getattr(r["item"], field) for r in rows if getattr(r["item"], field, None)})

    return render("items.html", links=links, page="items", rows=rows, systems=comparison.systems,
                  categories=values("category"), regions=values("region"), splits=values("split"),
                  has_taught=any(r["taught"] for r in rows), title="Items",
                  thresholds={"judge": SPREAD_JUDGE, "coverage": SPREAD_COVERAGE, "jc": JUDGE_VS_COVERAGE})


def item_page(comparison: Comparison, links: Links, item_id: str) -> str | None:
    from harness.view.data import item_detail

    detail = item_detail(comparison, item_id)
    if detail is None:
        return None
    return render("item.html", links=links, page="items", d=detail, title=f"Item {item_id}")


def run_summaries(out_dir: Path) -> list[dict[str, Any]]:
    found = []
    for run_dir in reversed(list_runs(out_dir)):
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
        b = manifest["benchmark"]
        found.append({"run_id": manifest["run_id"], "created_at": manifest["created_at"],
                      "benchmark": f"{b['name']} v{b['version']}" + (f" ({b['split']})" if b.get("split") else ""),
                      "benchmark_key": (b["name"], b["version"], b.get("split")), "systems": list(manifest["systems"]),
                      "model": manifest.get("model"), "n_items": b.get("n_items")})
    return found


def runs_page(out_dir: Path, links: Links, compared: set[tuple[str, str]] | None = None) -> str:
    """All runs, newest first; live pages offer any two to compare, a bundle links the pairs it holds."""
    return render("runs.html", links=links, page="runs", runs=run_summaries(out_dir), compared=compared,
                  title="Runs")


def compare_page(a: Comparison, b: Comparison, links: Links) -> str:
    from harness.view.compare import run_diff

    diff = run_diff(a, b)
    return render("compare.html", links=links, page="runs", diff=diff, title=f"{diff['a']} vs {diff['b']}")


def agreement_page(comparison: Comparison, links: Links, *, blind: bool = False) -> str:
    from harness.report.human_sections import preference_agreement, rating_agreement

    return render("agreement.html", links=links, page="agreement", scores=rating_agreement(comparison),
                  prefs=preference_agreement(comparison), blind=blind, title="Human agreement")


def error_page(links: Links, status: int, message: str, *, blind: bool = False) -> str:
    return render("error.html", links=links, page=None, status=status, message=message, blind=blind,
                  title=f"{status}")
