"""``python -m harness view --bundle DIR``: the viewer's pages as a static site for sharing a finished run.

Every link is relative and the item filters are plain JavaScript, so the folder works from
``file://`` or any static host. Run-vs-run pages are written for each run of the same benchmark
before the bundled one. A folder that is not empty and not an earlier bundle is refused.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from harness.errors import UserError
from harness.run_records import benchmark_key, collect, list_runs
from harness.store import write_text_atomic
from harness.view import pages
from harness.view.render import STATIC_FILES, Links, file_name

MARKER = ".harness-bundle"


def prepare(target: Path) -> None:
    if target.exists() and not target.is_dir():
        raise UserError(f"--bundle {target} is a file, not a folder")
    if target.is_dir() and any(target.iterdir()) and not (target / MARKER).is_file():
        raise UserError(f"--bundle {target} is not empty and was not written by the viewer; choose a new folder")
    target.mkdir(parents=True, exist_ok=True)
    for sub in ("item", "compare", "static"):
        shutil.rmtree(target / sub, ignore_errors=True)
    (target / MARKER).write_text("written by python -m harness view --bundle\n")


def write_bundle(out_dir: Path, target: Path, run: str | None = None) -> Path:
    out_dir, target = Path(out_dir), Path(target)
    comparison = collect(out_dir, run)
    prepare(target)
    top, deep = Links(bundle=True, depth=0), Links(bundle=True, depth=1)
    for name, source in STATIC_FILES.items():
        (target / "static").mkdir(exist_ok=True)
        shutil.copyfile(source, target / "static" / name)
    page, plots = pages.leaderboard_page(out_dir, run, top)
    write_text_atomic(target / "index.html", page)
    for name in plots:
        shutil.copyfile(out_dir / name, target / name)
    write_text_atomic(target / "items.html", pages.items_page(comparison, top))
    write_text_atomic(target / "agreement.html", pages.agreement_page(comparison, top))
    for item_id in comparison.runs[comparison.systems[0]].items:
        write_text_atomic(target / "item" / f"{file_name(item_id)}.html", pages.item_page(comparison, deep, item_id))
    newest = comparison.runs[comparison.systems[0]]
    key = benchmark_key(newest.manifest)
    compared, own = set(), None
    for run_dir in list_runs(out_dir):
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
        if run_dir.name == newest.run_dir.name or benchmark_key(manifest) != key \
                or manifest["created_at"] > newest.manifest["created_at"]:
            continue
        older = collect(out_dir, run_dir.name)
        own = own or collect(out_dir, newest.run_dir.name)
        write_text_atomic(target / "compare" / f"{file_name(run_dir.name)}--{file_name(newest.run_dir.name)}.html",
                          pages.compare_page(older, own, deep))
        compared.add((run_dir.name, newest.run_dir.name))
    write_text_atomic(target / "runs.html", pages.runs_page(out_dir, top, compared))
    return target / "index.html"

