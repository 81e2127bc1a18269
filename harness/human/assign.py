"""``python -m harness human assign``: split a browser rating job between named annotators.

As in Argilla's task distribution, a share of the items (``--shared``) goes to every annotator, so
their agreement can be measured, and the rest is dealt out once each. A task is one answer
(``single``) or one pair of answers to an item (``pairwise``). In pairwise mode the A/B order is
balanced: on a shared task half the annotators see each order, and each annotator sees every system
first about as often as second. The file is the key to the blinding (it names the systems behind
each opaque task id): it stays on the server and is never sent to a browser.
"""

from __future__ import annotations

import json
import random
import re
from itertools import combinations
from pathlib import Path

from harness.errors import UserError
from harness.hashing import hash_value
from harness.records import utc_now
from harness.run_records import Comparison
from harness.rubric import Rubric
from harness.store import write_json_atomic

MODES = ("pairwise", "single")
ANNOTATOR_NAME = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
ASSIGNMENT_FORMAT = 1


def check_annotator(name: str) -> str:
    if not ANNOTATOR_NAME.match(name or ""):
        raise UserError(f"bad annotator name '{name}': use 1-32 letters, digits, '_' or '-'")
    return name


def parse_annotators(text: str) -> list[str]:
    names = [check_annotator(n.strip()) for n in str(text).split(",") if n.strip()]
    if not names:
        raise UserError("name the annotators, e.g. --annotators alice,bob,carol,dave")
    if len(set(names)) != len(names):
        raise UserError(f"an annotator is named twice in '{text}'")
    return names


def units(comparison: Comparison, mode: str) -> list[dict]:
    """Every rateable task: one answer per (item, system), or one pair per (item, two systems)."""
    groups = [(s,) for s in comparison.systems] if mode == "single" else list(combinations(comparison.systems, 2))
    if not groups:
        raise UserError("pairwise rating needs at least two systems in the run", hint="use --mode single")
    found = []
    for item in comparison.items:
        for systems in groups:
            found.append({"item_id": item.id, "systems": list(systems),
                          "hashes": [comparison.answer_hash(s, item.id) for s in systems],
                          "run_ids": [comparison.manifest(s)["run_id"] for s in systems]})
    return found


def build_assignment(comparison: Comparison, rubric: Rubric, annotators: list[str], *, mode: str = "single",
                     shared: float = 0.2, seed: int = 0) -> dict:
    if mode not in MODES:
        raise UserError(f"unknown mode '{mode}': use one of {', '.join(MODES)}")
    if not 0 <= shared <= 1:
        raise UserError(f"--shared must be between 0 and 1, got {shared}")
    if not comparison.items:
        raise UserError("the run has no item that every system answered; nothing to rate")
    tasks = units(comparison, mode)
    assignment_id = "a" + hash_value([comparison.benchmark, comparison.systems, mode, annotators, shared, seed,
                                      [t["hashes"] for t in tasks]], 10)
    rng = random.Random(f"{assignment_id}:{seed}")
    item_ids = sorted({t["item_id"] for t in tasks})
    rng.shuffle(item_ids)
    n_shared = round(len(item_ids) * shared) if len(annotators) > 1 else 0
    if shared > 0 and len(annotators) > 1:
        n_shared = max(1, n_shared)
    shared_items = set(item_ids[:n_shared]) if len(annotators) > 1 else set(item_ids)
    rng.shuffle(tasks)
    by_id: dict[str, dict] = {}
    queues: dict[str, list[list]] = {a: [] for a in annotators}
    n_shared_tasks = 0
    for task in tasks:
        task_id = "t" + hash_value([assignment_id, task["item_id"], task["systems"]], 10)
        by_id[task_id] = task
        if task["item_id"] in shared_items:
            for k, annotator in enumerate(annotators):  # half the annotators see each order
                queues[annotator].append([task_id, mode == "pairwise" and (n_shared_tasks + k) % 2 == 1])
            n_shared_tasks += 1
        else:
            annotator = min(annotators, key=lambda a: (len(queues[a]), annotators.index(a)))
            queue = queues[annotator]  # the order that this annotator has seen less often
            queue.append([task_id, mode == "pairwise" and 2 * sum(swap for _, swap in queue) < len(queue)])
    for annotator in annotators:
        random.Random(f"{assignment_id}:{annotator}").shuffle(queues[annotator])
    target = max((comparison.manifest(s) for s in comparison.systems), key=lambda m: m["created_at"])["run_id"]
    return {"format": ASSIGNMENT_FORMAT, "assignment_id": assignment_id, "mode": mode, "rubric": rubric.name,
            "rubric_version": rubric.version, "run_id": target, "created_at": utc_now(), "shared": shared,
            "seed": seed, "annotators": annotators, "shared_items": sorted(shared_items & set(item_ids)),
            "tasks": by_id, "queues": queues}


def assignment_path(out_dir: Path, assignment_id: str) -> Path:
    return Path(out_dir) / "human" / "assignments" / f"{assignment_id}.json"


def write_assignment(out_dir: Path, assignment: dict, path: Path | None = None) -> Path:
    """Write the assignment unless one with the same id exists (a rerun keeps the first, and its ratings)."""
    path = Path(path) if path else assignment_path(out_dir, assignment["assignment_id"])
    if path.is_file():
        existing = load_assignment(path)
        if existing["assignment_id"] == assignment["assignment_id"]:
            return path
        raise UserError(f"{path} already holds another assignment ({existing['assignment_id']})",
                        hint="choose another --assignment path")
    write_json_atomic(path, assignment)
    return path


def load_assignment(path: Path) -> dict:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"assignment file {path} does not exist",
                        hint="write one with: python -m harness human assign --annotators alice,bob") from None
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: not a readable assignment file: {exc}") from None
    required = ("format", "assignment_id", "mode", "rubric", "rubric_version", "run_id", "annotators", "tasks",
                "queues")
    missing = [k for k in required if not isinstance(data, dict) or k not in data]
    if missing:
        raise UserError(f"{path}: not an assignment file (missing {', '.join(missing)})")
    if data["format"] != ASSIGNMENT_FORMAT or data["mode"] not in MODES:
        raise UserError(f"{path}: unsupported assignment format {data['format']} or mode {data['mode']}")
    for annotator in data["annotators"]:
        check_annotator(annotator)
    for annotator, queue in data["queues"].items():
        unknown = [task_id for task_id, _ in queue if task_id not in data["tasks"]]
        if unknown:
            raise UserError(f"{path}: annotator {annotator} has unknown task {unknown[0]}")
    return data


def describe(assignment: dict) -> str:
    shared = len(assignment.get("shared_items", []))
    lines = [f"assignment {assignment['assignment_id']} ({assignment['mode']}, {len(assignment['tasks'])} tasks, "
             f"{shared} items rated by everyone):"]
    lines += [f"  {a}: {len(q)} tasks" for a, q in assignment["queues"].items()]
    return "\n".join(lines)
