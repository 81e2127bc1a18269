"""The rating session behind ``python -m harness human serve``: one annotator's blinded tasks, saved at once.

Single-answer ratings are ``HumanJudgment`` records in the run's ``human.jsonl`` (the same records the
CSV import writes, so the leaderboard reads both); pairwise verdicts are ``HumanPairwise`` records in
``human_pairwise.jsonl``. Each rating is one line, written under an exclusive ``fcntl.flock`` and
fsynced before the page moves on, so a reload or a restart resumes at the next unrated task.
What a browser sees (``task_view``) carries no system name, run id or model name.
"""

from __future__ import annotations

import fcntl
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import UserError
from harness.human.assign import check_annotator
from harness.records import HumanJudgment, HumanPairwise
from harness.run_records import RunRecords, iter_run_files, list_runs
from harness.rubric import Rubric
from harness.store import JsonlStore

HUMAN_FILE = "human.jsonl"
PAIRWISE_FILE = "human_pairwise.jsonl"
VERDICTS = {"A": "first", "B": "second", "T": "tie"}
MAX_COMMENT = 2000


@contextmanager
def exclusive(path: Path):
    """One writer at a time for ``path`` across processes (two annotators' servers on one folder)."""
    lock = path.with_name(f".{path.name}.lock")
    with open(lock, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def append_record(path: Path, record) -> None:
    """Append one record as one fsynced line while holding the file's lock."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with exclusive(path):
        store = JsonlStore(path)
        try:
            store.append(record)
        finally:
            store.close()


@dataclass
class Task:
    task_id: str
    item_id: str
    systems: list[str]  # in the order shown: A first
    hashes: list[str]


class RatingSession:
    """One annotator's queue of an assignment, with the answers it needs and the ratings made so far."""

    def __init__(self, out_dir: Path, assignment: dict, annotator: str, rubric: Rubric):
        self.out_dir = Path(out_dir)
        self.assignment = assignment
        self.annotator = check_annotator(annotator)
        self.rubric = rubric
        if (rubric.name, rubric.version) != (assignment["rubric"], assignment["rubric_version"]):
            raise UserError(f"the assignment was made for rubric {assignment['rubric']} "
                            f"v{assignment['rubric_version']}, not {rubric.name} v{rubric.version}")
        if annotator not in assignment["queues"]:
            raise UserError(f"annotator '{annotator}' is not in assignment {assignment['assignment_id']}",
                            hint="annotators: " + ", ".join(assignment["queues"]))
        self.mode = assignment["mode"]
        runs = {p.name: p for p in list_runs(self.out_dir)}
        wanted = {r for t in assignment["tasks"].values() for r in t["run_ids"]} | {assignment["run_id"]}
        missing = sorted(wanted - set(runs))
        if missing:
            raise UserError(f"run {missing[0]} of the assignment is not under {self.out_dir / 'runs'}")
        self.records = {run_id: RunRecords.load(runs[run_id]) for run_id in wanted}
        self.target = runs[assignment["run_id"]] / (PAIRWISE_FILE if self.mode == "pairwise" else HUMAN_FILE)
        self.queue: list[Task] = []
        for task_id, swap in assignment["queues"][annotator]:
            spec = assignment["tasks"][task_id]
            order = [1, 0] if swap else list(range(len(spec["systems"])))
            self.queue.append(Task(task_id, spec["item_id"], [spec["systems"][k] for k in order],
                                   [spec["hashes"][k] for k in order]))
        self.by_id = {t.task_id: t for t in self.queue}

    # reading
    def done(self) -> dict[str, dict[str, Any]]:
        """This annotator's latest rating per task of this assignment."""
        found = {}
        name = PAIRWISE_FILE if self.mode == "pairwise" else HUMAN_FILE
        key = "assignment_id" if self.mode == "pairwise" else "export_id"
        task = "task_id" if self.mode == "pairwise" else "row_id"
        for record in iter_run_files(self.out_dir, name):
            if record.get(key) == self.assignment["assignment_id"] and record.get("annotator") == self.annotator:
                found[record[task]] = record
        return found

    def next_task(self, after: str | None = None) -> Task | None:
        """The first unrated task (after ``after`` in queue order, wrapping), or None when all are rated."""
        done = self.done()
        start = self.queue.index(self.by_id[after]) + 1 if after in self.by_id else 0
        for task in self.queue[start:] + self.queue[:start]:
            if task.task_id not in done:
                return task
        return None

    def task(self, task_id: str) -> Task:
        if task_id not in self.by_id:
            raise KeyError(task_id)
        return self.by_id[task_id]

    def answer_text(self, task: Task, k: int) -> str:
        system, expected = task.systems[k], task.hashes[k]
        spec = self.assignment["tasks"][task.task_id]
        run_id = spec["run_ids"][spec["systems"].index(system)]
        records = self.records[run_id]
        if records.hashes.get((system, task.item_id)) != expected:
            raise UserError(f"the answer behind task {task.task_id} changed since the assignment was made",
                            hint="make a new assignment with: python -m harness human assign")
        return records.answers[(system, task.item_id)]["text"]

    def task_view(self, task: Task) -> dict[str, Any]:
        """Everything the rating page shows, and nothing that names a system, a run or a model."""
        item = next(r.items[task.item_id] for r in self.records.values() if task.item_id in r.items)
        done = self.done()
        labels = "AB" if self.mode == "pairwise" else "X"
        return {
            "task_id": task.task_id, "mode": self.mode, "question": item.question,
            "reference": item.reference_answer or "", "key_points": list(item.key_points),
            "pitfalls": list(item.pitfalls),
            "answers": [{"label": labels[k], "text": self.answer_text(task, k)} for k in range(len(task.systems))],
            "position": self.queue.index(task) + 1, "done": len(done), "total": len(self.queue),
            "rated": done.get(task.task_id),
        }

    def progress(self) -> tuple[int, int]:
        return len(self.done()), len(self.queue)

    # writing
    def rate(self, task: Task, form: dict[str, str]) -> None:
        """Validate a submitted form and append the rating; a bad form is a UserError (nothing written)."""
        comment = (form.get("comment") or "").strip()[:MAX_COMMENT]
        common = {"annotator": self.annotator, "item_id": task.item_id, "rubric": self.rubric.name,
                  "rubric_version": self.rubric.version, "comment": comment, "source": "browser"}
        if self.mode == "pairwise":
            choice = (form.get("verdict") or "").upper()
            if choice not in VERDICTS:
                raise UserError("choose A, B or T (tie)")
            record = HumanPairwise(assignment_id=self.assignment["assignment_id"], task_id=task.task_id,
                                   first_system=task.systems[0], second_system=task.systems[1],
                                   first_hash=task.hashes[0], second_hash=task.hashes[1],
                                   verdict=VERDICTS[choice], **common)
        else:
            low, high = self.rubric.scale["min"], self.rubric.scale["max"]
            scores = {}
            for criterion in self.rubric.criteria:
                cell = (form.get(f"score_{criterion.id}") or "").strip()
                if not cell.isdigit() or not low <= int(cell) <= high:
                    raise UserError(f"give {criterion.name} a score from {low} to {high}")
                scores[criterion.id] = int(cell)
            flags = {flag: form.get(f"flag_{flag}") == "yes" for flag in self.rubric.flags}
            record = HumanJudgment(export_id=self.assignment["assignment_id"], row_id=task.task_id,
                                   system=task.systems[0], answer_hash=task.hashes[0], scores=scores, flags=flags,
                                   **common)
        append_record(self.target, record)
