"""Human sheets: export blinded, fill, import with validation, agreement in the leaderboard."""

import csv
import json

import pytest

from harness.config import RunConfig
from harness.errors import UserError
from harness.human.export import export_sheets
from harness.human.imports import import_sheets
from harness.run_records import collect
from harness.report.leaderboard import write_leaderboard
from harness.rubric import load_rubric
from harness.runner import run

RUBRIC = load_rubric("cultural_nuance")


@pytest.fixture
def exported(tiny_model, sample_benchmark, tmp_path):
    run(RunConfig(systems=["base", "prompted"], benchmark=str(sample_benchmark), model=str(tiny_model),
                  out=str(tmp_path), max_new_tokens=6))
    folder = export_sheets(collect(tmp_path), RUBRIC, tmp_path, annotators=2, shared=0.5)
    return tmp_path, folder


def fill(path, score_of):
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    first = header.index(next(h for h in header if h.startswith("accuracy")))
    for row in body:
        for k in range(len(RUBRIC.criteria)):
            row[first + k] = str(score_of(row[0], k))
        row[first + len(RUBRIC.criteria)] = "no"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *body])
    return [r[0] for r in body]


def test_sheets_are_blinded_shuffled_and_share_items(exported):
    _, folder = exported
    key = json.loads((folder / "key.json").read_text())
    sheets = [list(csv.DictReader(open(folder / f"annotator_{k}.csv", encoding="utf-8"))) for k in (1, 2)]
    text = "".join(open(folder / f"annotator_{k}.csv", encoding="utf-8").read() for k in (1, 2))
    assert "prompted" not in text and "base" not in text.replace("database", "")
    shared = {r["row_id"] for r in sheets[0]} & {r["row_id"] for r in sheets[1]}
    assert shared and {key["rows"][r]["item_id"] for r in shared} == set(key["shared_items"])
    assert len({r["row_id"] for s in sheets for r in s}) == 8  # every answer rated at least once
    assert (folder / "anchors.csv").read_text().count("\n") == 1 + 5 * len(RUBRIC.criteria)


def test_round_trip_adds_human_columns_and_agreement(exported):
    out, folder = exported
    key = json.loads((folder / "key.json").read_text())
    prompted_better = lambda row_id, k: 4 if key["rows"][row_id]["system"] == "prompted" else 2  # noqa: E731
    fill(folder / "annotator_1.csv", prompted_better)
    fill(folder / "annotator_2.csv", prompted_better)
    count, target = import_sheets([str(folder / "annotator_1.csv"), str(folder / "annotator_2.csv")], out)
    assert count > 8 and target.name == "human.jsonl"
    write_leaderboard(out)
    # no judge has run, so the human numbers appear in the agreement section only
    board = (out / "leaderboard.md").read_text()
    assert "Human ratings and agreement" in board and "| accuracy |" in board
    alpha_row = next(line for line in board.splitlines() if line.startswith("| accuracy |"))
    assert "| 1.00 |" in alpha_row  # both annotators agree perfectly


def test_bad_cells_are_reported_by_file_row_and_column_and_nothing_is_imported(exported):
    out, folder = exported
    fill(folder / "annotator_1.csv", lambda row_id, k: 3)
    rows = list(csv.reader(open(folder / "annotator_1.csv", encoding="utf-8")))
    rows[1][6] = "7"
    rows[2][7] = ""
    with open(folder / "annotator_1.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    with pytest.raises(UserError) as info:
        import_sheets([str(folder / "annotator_1.csv")], out)
    message = str(info.value)
    assert f"{folder / 'annotator_1.csv'}:2: column 'accuracy': '7' is not a whole number" in message
    assert f"{folder / 'annotator_1.csv'}:3: column 'regional_specificity': missing score" in message
    assert not list(out.glob("runs/*/human.jsonl"))
