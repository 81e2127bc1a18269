"""``python -m harness human export``: blinded, shuffled CSV sheets, one per annotator.

System names are hidden behind row ids; the key that maps them back stays in ``key.json`` next
to the sheets (do not send it to annotators). A shared set of rows goes to every annotator so
their agreement can be measured; the rest is split between them.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from harness.files import staging_dir
from harness.hashing import hash_value
from harness.run_records import Comparison
from harness.rubric import Rubric
from harness.store import write_json_atomic

BASE_COLUMNS = ["row_id", "question", "reference_answer", "key_points", "pitfalls", "answer"]
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A CSV cell a spreadsheet shows as text: one starting like a formula gets a leading quote (OWASP)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def scale(rubric: Rubric) -> tuple[int, int]:
    return rubric.scale["min"], rubric.scale["max"]


def criterion_header(criterion, rubric: Rubric) -> str:
    low, high = scale(rubric)
    return f"{criterion.id} ({low}={criterion.anchors[low]} {high}={criterion.anchors[high]})"


def sheet_columns(rubric: Rubric) -> list[str]:
    return (BASE_COLUMNS + [criterion_header(c, rubric) for c in rubric.criteria]
            + [f"flag {f} (yes/no)" for f in rubric.flags] + ["comment"])


def export_sheets(comparison: Comparison, rubric: Rubric, out_dir: Path, *, annotators: int, shared: float = 0.25,
                  seed: int = 0) -> Path:
    rng = random.Random(seed)
    rows = []
    for item in comparison.items:
        for system in comparison.systems:
            text = comparison.answer(system, item.id)["text"]
            rows.append({"item": item, "system": system, "answer": text,
                         "answer_hash": comparison.answer_hash(system, item.id)})
    rng.shuffle(rows)
    export_id = hash_value([comparison.benchmark, comparison.systems, [r["answer_hash"] for r in rows], seed], 10)
    for n, row in enumerate(rows):
        row["row_id"] = f"r{export_id[:4]}-{n:04d}"
    # the shared set: whole items (all their systems' answers), so agreement covers every system
    item_ids = [i.id for i in comparison.items]
    rng.shuffle(item_ids)
    shared_items = set(item_ids[: max(1, round(len(item_ids) * shared))]) if annotators > 1 else set()
    sheets: dict[int, list[dict]] = {k: [] for k in range(1, annotators + 1)}
    cursor = 0
    for row in rows:
        if row["item"].id in shared_items:
            for k in sheets:
                sheets[k].append(row)
        else:
            sheets[cursor % annotators + 1].append(row)
            cursor += 1
    folder = Path(out_dir) / "human" / export_id
    with staging_dir(folder) as staging:  # the sheets and their key appear together or not at all
        write_files(staging, rubric, sheets, rows, {
            "export_id": export_id, "rubric": rubric.name, "rubric_version": rubric.version,
            "scale": rubric.scale, "run_ids": {s: comparison.manifest(s)["run_id"] for s in comparison.systems},
            "shared_items": sorted(shared_items),
            "sheets": {},  # annotator -> row ids, filled as the sheets are written
            "rows": {r["row_id"]: {"item_id": r["item"].id, "system": r["system"], "answer_hash": r["answer_hash"]}
                     for r in rows},
        }, rng, folder)
    return folder


def write_files(staging: Path, rubric: Rubric, sheets: dict[int, list[dict]], rows: list[dict], key: dict,
                rng: random.Random, folder: Path) -> None:
    columns = sheet_columns(rubric)
    for k, sheet in sheets.items():
        rng.shuffle(sheet)
        with open(staging / f"annotator_{k}.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            for row in sheet:
                item = row["item"]
                cells = [row["row_id"], item.question, item.reference_answer or "", " | ".join(item.key_points),
                         " | ".join(item.pitfalls), row["answer"]]
                writer.writerow([safe_cell(c) for c in cells] + [""] * (len(columns) - len(BASE_COLUMNS)))
        key["sheets"][str(k)] = [r["row_id"] for r in sheet]
    with open(staging / "anchors.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["criterion", "question", "score", "anchor"])
        for c in rubric.criteria:
            for score, text in sorted(c.anchors.items()):
                writer.writerow([safe_cell(c.id), safe_cell(c.question), score, safe_cell(text)])
    write_json_atomic(staging / "key.json", key)
    low, high = scale(rubric)
    (staging / "README.txt").write_text(
        f"Score each answer {low}-{high} on every criterion (see anchors.csv) and answer each flag with yes or no.\n"
        f"The system that wrote an answer is hidden on purpose. Do not edit row_id. Send back annotator_K.csv;\n"
        f"keep key.json to yourself. Import with: python -m harness human import {folder}/annotator_*.csv\n")
