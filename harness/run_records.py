"""Run records as one lower layer: reading a run's answers, scores and judgments, and the comparison.

The runner, the judge runner, human sheets, the viewer and the report all read runs through this
module; it imports only records, stores and keys, never a higher layer.

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


def answer_hash(answer: dict[str, Any]) -> str:
    """The hash stored with an answer when it was written (computed for records older than that)."""
    return answer.get("answer_hash") or hash_text(answer["text"])


def latest_answers(run_dir: Path) -> dict[tuple[str, str], dict]:
    """The last record per (system, item): a retried failure is superseded by its success."""
    latest: dict[tuple[str, str], dict] = {}
    for record in JsonlStore(Path(run_dir) / "generations.jsonl"):
        key = (record["system"], record["item_id"])
        if record.get("status") == "ok" or key not in latest:
            latest[key] = record
    return latest


LEGACY_FAMILIES = {"base": "base", "prompted": "prompted", "rag": "rag", "sft": "sft", "uft": "sft",
                   "sft+rag": "hybrid", "uft+sft": "sft"}


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
        manifest = read_manifest(run_dir)
        items = read_items(run_dir)
        answers = latest_answers(run_dir)
        hashes = {key: answer_hash(answer) for key, answer in answers.items()}
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
    supports: dict[tuple, dict[str, Any]] = field(default_factory=dict)  # (judge, item, answer hash) -> faithfulness
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

    def entry(self, system: str) -> dict[str, Any]:
        """The manifest entry of a variant: kind, family, model, config and details."""
        return self.runs[system].manifest["systems"][system]

    def kind(self, system: str) -> str:
        return self.entry(system).get("kind") or system

    def family(self, system: str) -> str:
        """base | prompted | rag | sft | hybrid; records older than variants are read by their name."""
        return self.entry(system).get("family") or LEGACY_FAMILIES.get(system.split("-")[0], "other")

    def families(self) -> dict[str, str]:
        return {s: self.family(s) for s in self.systems}

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

    def support(self, judge: str, system: str, item_id: str) -> dict[str, Any] | None:
        """The judge's sentence-by-sentence faithfulness check of this system's answer, if one was made."""
        return self.supports.get((judge, item_id, self.answer_hash(system, item_id)))

    def support_judges(self) -> list[str]:
        return sorted({key[0] for key in self.supports})

    def human(self, system: str, item_id: str) -> list[dict[str, Any]]:
        return self.humans.get((item_id, system, self.answer_hash(system, item_id)), [])

    def load_judgments(self, out_dir: Path, rubric: tuple[str, str] | None) -> None:
        """Read every run's judge and human records for one rubric (name, version), and every judge faithfulness
        check; newer records win."""
        self.rubric_version = rubric[1] if rubric else None

        def wanted(r: dict[str, Any]) -> bool:
            return rubric is None or (r.get("rubric"), r.get("rubric_version")) == rubric

        for r in iter_run_files(out_dir, "judgments.jsonl"):
            if wanted(r):
                self.judgments[(r["judge"], r["item_id"], r["answer_hash"])] = r
        latest: dict[tuple, dict[str, Any]] = {}
        for r in iter_run_files(out_dir, "human.jsonl"):
            if wanted(r):
                latest[(r["export_id"], r["annotator"], r["row_id"])] = r
        for r in latest.values():
            self.humans.setdefault((r["item_id"], r["system"], r["answer_hash"]), []).append(r)
        for r in iter_run_files(out_dir, "pairwise.jsonl"):
            if wanted(r):
                self.games[(r["judge"], r["item_id"], r["first_hash"], r["second_hash"])] = r
        for r in iter_run_files(out_dir, "support.jsonl"):  # faithfulness grades no rubric: every check counts
            self.supports[(r["judge"], r["item_id"], r["answer_hash"])] = r


def iter_run_files(out_dir: Path, name: str):
    """Every record of one file kind across all runs, oldest run folder name first."""
    for path in sorted((Path(out_dir) / "runs").glob(f"*/{name}")):
        yield from JsonlStore(path)


def read_manifest(run_dir: Path) -> dict[str, Any]:
    """A run's manifest, checked for the fields readers use; a broken one is a UserError naming it."""
    path = Path(run_dir) / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UserError(f"unreadable run manifest: {exc}", where=str(path)) from None
    if not (isinstance(data, dict) and isinstance(data.get("benchmark"), dict) and isinstance(data.get("systems"), dict)
            and isinstance(data.get("created_at"), str) and data["benchmark"].get("name")):
        raise UserError("not a run manifest (needs created_at, benchmark and systems)", where=str(path))
    return data


def read_items(run_dir: Path) -> dict[str, Item]:
    path = Path(run_dir) / "items.json"
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
        return {row["id"]: Item(**row) for row in rows}
    except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError) as exc:
        raise UserError(f"unreadable run items: {str(exc)[:200]}", where=str(path)) from None


def list_runs(out_dir: Path) -> list[Path]:
    """Readable run folders, oldest first (by the manifest's creation time); broken ones are skipped
    with a warning, so one damaged folder never stops a leaderboard."""
    from harness.store import warn

    found = []
    for path in (Path(out_dir) / "runs").glob("*/manifest.json"):
        try:
            manifest = read_manifest(path.parent)
            if not (path.parent / "items.json").is_file():
                raise UserError("run has no items.json", where=str(path.parent))
        except UserError as exc:
            warn(path, f"{exc}; run skipped")
            continue
        found.append((manifest["created_at"], path.stat().st_mtime, path.parent))
    return [run_dir for _, _, run_dir in sorted(found)]


def benchmark_key(manifest: dict[str, Any]) -> tuple:
    b = manifest["benchmark"]
    return (b["name"], b["version"], b["split"])


def collect(out_dir: Path, run_id: str | None = None, rubric: str | None = None,
            benchmark: str | None = None) -> Comparison:
    """The comparison for the newest run (or ``run_id``), judged under ``rubric`` (default: the run's).

    ``benchmark`` picks the newest run of that benchmark; otherwise control-benchmark runs (made by
    ``--control``) are passed over, so the leaderboard's subject is always the main benchmark.
    """
    runs = list_runs(out_dir)
    if not runs:
        raise UserError(f"no runs under {Path(out_dir) / 'runs'}", hint="start one with: python -m harness run")
    if run_id:
        matches = [r for r in runs if r.name == run_id]
        if not matches:
            raise UserError(f"no run '{run_id}' under {Path(out_dir) / 'runs'}")
        newest = matches[0]
    else:
        if benchmark:
            eligible = [r for r in runs if read_manifest(r)["benchmark"]["name"] == benchmark]
            if not eligible:
                raise UserError(f"no runs of benchmark '{benchmark}' under {Path(out_dir) / 'runs'}")
        else:
            eligible = [r for r in runs if read_manifest(r)["benchmark"].get("role", "main") != "control"] or runs
        runs = eligible
        newest = runs[-1]
    chosen: dict[str, RunRecords] = {}
    newest_records = RunRecords.load(newest)
    key = benchmark_key(newest_records.manifest)
    for system in newest_records.manifest["systems"]:
        chosen[system] = newest_records
    if not run_id:
        for run_dir in reversed(runs[:-1]):
            records = None
            manifest = read_manifest(run_dir)
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
    comparison.load_judgments(out_dir, rubric_identity(rubric or newest_records.manifest.get("rubric")
                                                       or "cultural_nuance"))
    return comparison


def rubric_identity(name: str) -> tuple[str, str] | None:
    """(name, version) of a rubric, or None (no filter) when it cannot be found."""
    from harness.rubric import load_rubric

    try:
        rubric = load_rubric(name)
    except UserError:
        return None
    return rubric.name, rubric.version
