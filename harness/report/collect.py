"""Gather the records a leaderboard compares: runs of one benchmark, one answer per system and item.

The newest run decides the benchmark (name, version, split). Systems it lacks are taken from the
newest older run of the same benchmark that has them, so ``run --systems rag`` followed by
``run --systems sft`` still compares both. Statistics use the items every system answered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import UserError
from harness.hashing import hash_text
from harness.records import Item
from harness.store import JsonlStore


@dataclass
class RunRecords:
    run_dir: Path
    manifest: dict[str, Any]
    items: dict[str, Item]
    answers: dict[tuple[str, str], dict[str, Any]]
    scores: dict[tuple[str, str, str], dict[str, Any]]  # (scorer, system, item) -> score
    hashes: dict[tuple[str, str], str]  # (system, item) -> hash of the answer text

    @classmethod
    def load(cls, run_dir: Path) -> RunRecords:
        from harness.runner import latest_answers

        manifest = json.loads((run_dir / "manifest.json").read_text())
        items = {i["id"]: Item(**i) for i in json.loads((run_dir / "items.json").read_text())}
        answers = latest_answers(run_dir)
        hashes = {key: hash_text(answer["text"]) for key, answer in answers.items()}
        scores = {}
        for score in JsonlStore(run_dir / "scores.jsonl"):
            if hashes.get((score["system"], score["item_id"])) == score["answer_hash"]:
                scores[(score["scorer"], score["system"], score["item_id"])] = score
        return cls(run_dir, manifest, items, answers, scores, hashes)


@dataclass
class Comparison:
    """Systems side by side on a common set of items."""

    benchmark: dict[str, Any]
    systems: list[str]
    runs: dict[str, RunRecords]  # system -> the run its records come from
    items: list[Item]  # items every system answered successfully
    all_item_ids: set[str] = field(default_factory=set)
    judgments: dict[tuple, dict[str, Any]] = field(default_factory=dict)  # (judge, item, answer hash) -> record
    games: dict[tuple, dict[str, Any]] = field(default_factory=dict)  # (judge, item, first, second hash) -> game
    rubric_version: str | None = None
    humans: dict[tuple, list[dict[str, Any]]] = field(default_factory=dict)  # (item, system, answer hash) -> records
    memo: dict[tuple, Any] = field(default_factory=dict, repr=False)  # derived statistics, computed once per render

    def cached(self, key: tuple, compute):
        """``compute()`` once per key: leaderboard sections share pair outcomes, graded sets and tests."""
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    def answer(self, system: str, item_id: str) -> dict[str, Any]:
        return self.runs[system].answers[(system, item_id)]

    def score(self, scorer: str, system: str, item_id: str) -> dict[str, Any] | None:
        return self.runs[system].scores.get((scorer, system, item_id))

    def manifest(self, system: str) -> dict[str, Any]:
        return self.runs[system].manifest

    def groups(self, field: str) -> dict[str, list[str]]:
        """Item ids of the compared items grouped by a field (category, region...), sorted by value."""
        found: dict[str, list[str]] = {}
        for item in self.items:
            if getattr(item, field):
                found.setdefault(getattr(item, field), []).append(item.id)
        return dict(sorted(found.items()))

    def answer_hash(self, system: str, item_id: str) -> str:
        return self.runs[system].hashes[(system, item_id)]

    def judges(self) -> list[str]:
        return sorted({key[0] for key in self.judgments})

    def judgment(self, judge: str, system: str, item_id: str) -> dict[str, Any] | None:
        return self.judgments.get((judge, item_id, self.answer_hash(system, item_id)))

    def game(self, judge: str, item_id: str, first: str, second: str) -> dict[str, Any] | None:
        return self.games.get((judge, item_id, self.answer_hash(first, item_id), self.answer_hash(second, item_id)))

    def human(self, system: str, item_id: str) -> list[dict[str, Any]]:
        return self.humans.get((item_id, system, self.answer_hash(system, item_id)), [])

    def load_judgments(self, out_dir: Path, rubric_version: str | None) -> None:
        """Read every run's judge records for the current rubric version; newer records win."""
        self.rubric_version = rubric_version
        for path in sorted((Path(out_dir) / "runs").glob("*/judgments.jsonl")):
            for r in JsonlStore(path):
                if rubric_version is None or r["rubric_version"] == rubric_version:
                    self.judgments[(r["judge"], r["item_id"], r["answer_hash"])] = r
        latest: dict[tuple, dict[str, Any]] = {}
        for path in sorted((Path(out_dir) / "runs").glob("*/human.jsonl")):
            for r in JsonlStore(path):
                if rubric_version is None or r["rubric_version"] == rubric_version:
                    latest[(r["export_id"], r["annotator"], r["row_id"])] = r
        for r in latest.values():
            self.humans.setdefault((r["item_id"], r["system"], r["answer_hash"]), []).append(r)
        for path in sorted((Path(out_dir) / "runs").glob("*/pairwise.jsonl")):
            for r in JsonlStore(path):
                if rubric_version is None or r["rubric_version"] == rubric_version:
                    self.games[(r["judge"], r["item_id"], r["first_hash"], r["second_hash"])] = r


def list_runs(out_dir: Path) -> list[Path]:
    runs = [p for p in (Path(out_dir) / "runs").glob("*/manifest.json")]
    return [p.parent for p in sorted(runs, key=lambda p: (json.loads(p.read_text())["created_at"], p.stat().st_mtime))]


def benchmark_key(manifest: dict[str, Any]) -> tuple:
    b = manifest["benchmark"]
    return (b["name"], b["version"], b["split"])


def collect(out_dir: Path, run_id: str | None = None) -> Comparison:
    runs = list_runs(out_dir)
    if not runs:
        raise UserError(f"no runs under {Path(out_dir) / 'runs'}", hint="start one with: python -m harness run")
    if run_id:
        matches = [r for r in runs if r.name == run_id]
        if not matches:
            raise UserError(f"no run '{run_id}' under {Path(out_dir) / 'runs'}")
        newest = matches[0]
    else:
        newest = runs[-1]
    chosen: dict[str, RunRecords] = {}
    newest_records = RunRecords.load(newest)
    key = benchmark_key(newest_records.manifest)
    for system in newest_records.manifest["systems"]:
        chosen[system] = newest_records
    if not run_id:
        for run_dir in reversed(runs[:-1]):
            records = None
            manifest = json.loads((run_dir / "manifest.json").read_text())
            if benchmark_key(manifest) != key:
                continue
            for system in manifest["systems"]:
                if system not in chosen:
                    records = records or RunRecords.load(run_dir)
                    chosen[system] = records
    systems = list(chosen)
    common = set(newest_records.items)
    for system, records in chosen.items():
        common &= {i for (s, i), a in records.answers.items() if s == system and a["status"] == "ok"}
    items = [item for item_id, item in newest_records.items.items() if item_id in common]
    comparison = Comparison(benchmark=newest_records.manifest["benchmark"], systems=systems, runs=chosen,
                            items=items, all_item_ids=set(newest_records.items))
    comparison.load_judgments(out_dir, current_rubric_version())
    return comparison


def current_rubric_version() -> str | None:
    from harness.rubric import known_rubrics, load_rubric

    return load_rubric("cultural_nuance").version if "cultural_nuance" in known_rubrics() else None
