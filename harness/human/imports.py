"""``python -m harness human import FILES...``: validate filled sheets and store human judgments.

Every problem is reported with file:row and column; nothing is stored unless every sheet is valid.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from harness.errors import UserError
from harness.human.export import BASE_COLUMNS, sheet_columns
from harness.records import HumanJudgment
from harness.rubric import load_rubric
from harness.store import JsonlStore

MAX_SHOWN = 20


def annotator_of(path: Path) -> str:
    match = re.search(r"annotator_([\w-]+)\.csv$", path.name)
    return match.group(1) if match else path.stem


def read_sheet(path: Path, key: dict, rubric, problems: list[str]) -> list[HumanJudgment]:
    columns = sheet_columns(rubric)
    records = []
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            problems.append(f"{path}: missing columns: {', '.join(missing)}")
            return []
        for row in reader:
            where = f"{path}:{reader.line_num}"
            row_id = (row.get("row_id") or "").strip()
            if row_id not in key["rows"]:
                problems.append(f"{where}: column 'row_id': unknown row '{row_id}' (edited, or from another export)")
                continue
            scores, flags = {}, {}
            for criterion, column in zip(rubric.criteria, columns[len(BASE_COLUMNS):]):
                cell = (row.get(column) or "").strip()
                if not cell:
                    problems.append(f"{where}: column '{criterion.id}': missing score")
                elif not cell.isdigit() or not 1 <= int(cell) <= 5:
                    problems.append(f"{where}: column '{criterion.id}': '{cell}' is not a whole number from 1 to 5")
                else:
                    scores[criterion.id] = int(cell)
            for flag in rubric.flags:
                cell = (row.get(f"flag {flag} (yes/no)") or "").strip().lower()
                if cell not in ("yes", "no", "y", "n", ""):
                    problems.append(f"{where}: column 'flag {flag}': '{cell}' is not yes or no")
                elif cell:
                    flags[flag] = cell.startswith("y")
            if len(scores) == len(rubric.criteria):
                info = key["rows"][row_id]
                records.append(HumanJudgment(export_id=key["export_id"], row_id=row_id, annotator=annotator_of(path),
                                             item_id=info["item_id"], system=info["system"],
                                             answer_hash=info["answer_hash"], rubric=key["rubric"],
                                             rubric_version=key["rubric_version"], scores=scores, flags=flags,
                                             comment=(row.get("comment") or "").strip(), source=where))
    return records


def import_sheets(files: list[str], out_dir: Path, key_file: str | None = None) -> tuple[int, Path]:
    if not files:
        raise UserError("name at least one filled sheet (annotator_K.csv)")
    paths = [Path(f) for f in files]
    for path in paths:
        if not path.is_file():
            raise UserError(f"sheet {path} does not exist")
    key_path = Path(key_file) if key_file else paths[0].parent / "key.json"
    if not key_path.is_file():
        raise UserError(f"no key.json next to {paths[0]}", hint="pass --key path/to/key.json from the export folder")
    key = json.loads(key_path.read_text())
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
    for record in records:
        store.append(record)
    store.close()
    return len(records), target
