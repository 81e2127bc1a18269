"""``python -m harness human import FILES...``: validate filled sheets and store human judgments.

Every problem is reported with file:row and column; nothing is stored unless every sheet is valid.
Importing a sheet again stores only the rows that changed, so ratings are never doubled.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from harness.errors import UserError
from harness.files import read_csv, read_text
from harness.human.export import BASE_COLUMNS, scale, sheet_columns
from harness.records import HumanJudgment
from harness.rubric import load_rubric
from harness.store import JsonlStore

MAX_SHOWN = 20


def annotator_of(path: Path) -> str:
    match = re.search(r"annotator_([\w-]+)\.csv$", path.name)
    return match.group(1) if match else path.stem


def load_key(path: Path) -> dict[str, Any]:
    """The export's key.json, checked field by field (a truncated or edited key is named, not a traceback)."""
    text = read_text(path, "key file")
    try:
        key = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"invalid JSON: {exc.msg} (column {exc.colno})", where=f"{path}:{exc.lineno}",
                        hint="use the key.json written by `human export`, unedited") from None
    shapes = {"export_id": str, "rubric": str, "rubric_version": str, "run_ids": dict, "rows": dict}
    for field, kind in shapes.items():
        if not isinstance(key, dict) or not isinstance(key.get(field), kind) or not key.get(field):
            raise UserError(f"field '{field}': missing or not a {kind.__name__}", where=str(path))
    for row_id, info in key["rows"].items():
        if not isinstance(info, dict) or not all(isinstance(info.get(k), str)
                                                  for k in ("item_id", "system", "answer_hash")):
            raise UserError(f"field 'rows.{row_id}': needs item_id, system and answer_hash", where=str(path))
    return key


def read_sheet(path: Path, key: dict, rubric, problems: list[str]) -> list[HumanJudgment]:
    columns = sheet_columns(rubric)
    header, rows = read_csv(path, "sheet")
    missing = [c for c in columns if c not in header]
    if missing:
        problems.append(f"{path}: missing columns: {', '.join(missing)}")
        return []
    if not rows:
        problems.append(f"{path}: no rated rows, only a header")
        return []
    annotator = annotator_of(path)
    assigned = (key.get("sheets") or {}).get(annotator)
    low, high = scale(rubric)
    records, seen = [], {}
    for number, row in rows:
        where = f"{path}:{number}"
        row_id = (row.get("row_id") or "").strip()
        if row_id not in key["rows"]:
            problems.append(f"{where}: column 'row_id': unknown row '{row_id}' (edited, or from another export)")
            continue
        if row_id in seen:
            problems.append(f"{where}: column 'row_id': row '{row_id}' appears twice (first at line {seen[row_id]})")
            continue
        seen[row_id] = number
        if assigned is not None and row_id not in assigned:
            problems.append(f"{where}: column 'row_id': row '{row_id}' is not on annotator {annotator}'s sheet "
                            "(copied from another annotator's sheet?)")
            continue
        scores, flags = {}, {}
        for criterion, column in zip(rubric.criteria, columns[len(BASE_COLUMNS):]):
            cell = (row.get(column) or "").strip()
            if not cell:
                problems.append(f"{where}: column '{criterion.id}': missing score")
            elif not cell.isdigit() or not low <= int(cell) <= high:
                problems.append(f"{where}: column '{criterion.id}': '{cell[:40]}' is not a whole number "
                                f"from {low} to {high}")
            else:
                scores[criterion.id] = int(cell)
        for flag in rubric.flags:
            cell = (row.get(f"flag {flag} (yes/no)") or "").strip().lower()
            if cell not in ("yes", "no", "y", "n", ""):
                problems.append(f"{where}: column 'flag {flag}': '{cell[:40]}' is not yes or no")
            elif cell:
                flags[flag] = cell.startswith("y")
        if len(scores) == len(rubric.criteria):
            info = key["rows"][row_id]
            records.append(HumanJudgment(export_id=key["export_id"], row_id=row_id, annotator=annotator,
                                         item_id=info["item_id"], system=info["system"],
                                         answer_hash=info["answer_hash"], rubric=key["rubric"],
                                         rubric_version=key["rubric_version"], scores=scores, flags=flags,
                                         comment=(row.get("comment") or "").strip(), source=where))
    return records


def content(record: dict[str, Any]) -> tuple:
    """What makes a rating new: the same row re-imported with the same marks is not stored again."""
    return (record["export_id"], record["annotator"], record["row_id"], json.dumps(record["scores"], sort_keys=True),
            json.dumps(record.get("flags") or {}, sort_keys=True), record.get("comment") or "")


def import_sheets(files: list[str], out_dir: Path, key_file: str | None = None) -> tuple[int, Path]:
    if not files:
        raise UserError("name at least one filled sheet (annotator_K.csv)")
    paths = [Path(f) for f in files]
    by_annotator: dict[str, Path] = {}
    for path in paths:
        if not path.is_file():
            raise UserError(f"sheet {path} does not exist")
        if annotator_of(path) in by_annotator:
            raise UserError(f"sheet {path}: annotator '{annotator_of(path)}' is given twice "
                            f"(also {by_annotator[annotator_of(path)]})")
        by_annotator[annotator_of(path)] = path
    key_path = Path(key_file) if key_file else paths[0].parent / "key.json"
    if not key_path.is_file():
        raise UserError(f"no key.json next to {paths[0]}", hint="pass --key path/to/key.json from the export folder")
    key = load_key(key_path)
    rubric = load_rubric(key["rubric"])
    problems: list[str] = []
    records = [r for path in paths for r in read_sheet(path, key, rubric, problems)]
    if problems:
        shown = "\n  ".join(problems[:MAX_SHOWN])
        more = f"\n  ... and {len(problems) - MAX_SHOWN} more" if len(problems) > MAX_SHOWN else ""
        raise UserError(f"{len(problems)} problems in the sheets; nothing was imported:\n  {shown}{more}")
    run_id = sorted(key["run_ids"].values())[-1]
    target = Path(out_dir) / "runs" / run_id / "human.jsonl"
    if not target.parent.is_dir():
        raise UserError(f"run {run_id} (from {key_path}) is not under {Path(out_dir) / 'runs'}")
    store = JsonlStore(target)
    stored = {content(r) for r in store}
    fresh = [r for r in records if content(r.model_dump()) not in stored]
    try:
        for record in fresh:
            store.append(record)
    finally:
        store.close()
    if len(fresh) < len(records):
        print(f"{len(records) - len(fresh)} ratings were already imported unchanged; not stored again",
              file=sys.stderr)
    return len(fresh), target
