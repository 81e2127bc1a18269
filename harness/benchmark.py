"""Load a benchmark by name (a folder under ``benchmarks/``) or by path (a folder, JSONL or CSV).

A folder holds ``items.jsonl`` and ``benchmark.yaml`` (name, version, splits, prompt template,
generation parameters). A bare JSONL or CSV needs only ``id`` and ``question`` columns;
``--columns question=prompt,id=qid`` maps other names. Errors name the file, line and field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.errors import UserError, did_you_mean, field_error
from harness.hashing import hash_value
from harness.records import Item

BENCHMARKS_DIR = Path(__file__).resolve().parent.parent / "benchmarks"
LIST_FIELDS = ("key_points", "pitfalls", "gold_docs")


class BenchmarkSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    version: str = "0"
    description: str = ""
    items: str = "items.jsonl"
    splits: list[str] = Field(default_factory=list)
    prompt_template: str = "{question}"
    generation: dict[str, Any] = Field(default_factory=dict)
    rubric: str | None = None
    role: Literal["main", "control"] = "main"  # a control benchmark is run beside a main one (--control)
    categories: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)
    types: list[str] = Field(default_factory=list)
    targets: dict[str, Any] = Field(default_factory=dict)  # coverage targets checked by `benchmark validate`


@dataclass
class Benchmark:
    spec: BenchmarkSpec
    path: Path  # the items file
    items: list[Item] = field(default_factory=list)
    split: str | None = None

    @property
    def content_hash(self) -> str:
        return hash_value([item.model_dump(mode="json") for item in self.items])


def known_benchmarks() -> list[str]:
    return sorted(p.parent.name for p in BENCHMARKS_DIR.glob("*/benchmark.yaml"))


def parse_column_map(text: str | None) -> dict[str, str]:
    """'question=prompt,id=qid' -> {'question': 'prompt', 'id': 'qid'} (our field = their column)."""
    if not text:
        return {}
    mapping = {}
    for part in text.split(","):
        ours, sep, theirs = part.partition("=")
        if not sep or not ours.strip() or not theirs.strip():
            raise UserError(f"bad --columns entry '{part}': expected FIELD=COLUMN, e.g. question=prompt")
        if ours.strip() not in Item.model_fields:
            raise UserError(f"--columns maps unknown field '{ours.strip()}'",
                            hint=did_you_mean(ours.strip(), list(Item.model_fields)))
        mapping[ours.strip()] = theirs.strip()
    return mapping


def resolve(name_or_path: str) -> tuple[BenchmarkSpec, Path]:
    """Find the spec and items file for a benchmark name, folder, or data file."""
    path = Path(name_or_path)
    if not path.exists() and (BENCHMARKS_DIR / name_or_path / "benchmark.yaml").is_file():
        path = BENCHMARKS_DIR / name_or_path
    if path.is_dir():
        spec_file = path / "benchmark.yaml"
        if not spec_file.is_file():
            raise UserError(f"{path} has no benchmark.yaml")
        spec = load_spec(spec_file)
        return spec, path / spec.items
    if path.is_file():
        if path.suffix.lower() not in (".jsonl", ".csv"):
            raise UserError(f"{path}: a benchmark file must be .jsonl or .csv")
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise UserError(f"cannot read benchmark file: {exc.strerror or exc}", where=str(path)) from None
        return BenchmarkSpec(name=path.stem, version="file:" + hash_value(content.hex(), 8)), path
    raise UserError(f"no benchmark named or found at '{name_or_path}'",
                    hint=did_you_mean(name_or_path, known_benchmarks()))


def load_spec(spec_file: Path) -> BenchmarkSpec:
    from harness.files import key_line, load_yaml_mapping
    from harness.generation import GenerationParams

    data = load_yaml_mapping(spec_file, "benchmark spec")
    try:
        spec = BenchmarkSpec(**data)
    except ValidationError as exc:
        loc = exc.errors()[0]["loc"]
        raise field_error(exc, where=key_line(spec_file, str(loc[0])) if loc else str(spec_file)) from None
    try:
        GenerationParams(**spec.generation)
    except ValidationError as exc:
        raise field_error(exc, where=key_line(spec_file, "generation"), prefix="generation ") from None
    try:
        spec.prompt_template.format(question="?")
    except (KeyError, IndexError, ValueError) as exc:
        raise UserError(f"field 'prompt_template': must hold {{question}} and no other {{...}} ({exc!r})",
                        where=key_line(spec_file, "prompt_template"),
                        hint="write a literal brace as {{ or }}") from None
    return spec


def read_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(line number, raw row) for every row of a JSONL or CSV file."""
    from harness.files import iter_jsonl, read_csv

    if path.suffix.lower() == ".csv":
        _, rows = read_csv(path, "benchmark items file")
        return [(number, {k: v for k, v in row.items() if k and v not in ("", None)}) for number, row in rows]
    return [(number, row) for number, _, row in iter_jsonl(path, "benchmark items file")]


def to_item(row: dict[str, Any], column_map: dict[str, str], where: str) -> Item:
    data = dict(row)
    for ours, theirs in column_map.items():
        if theirs not in row:
            raise UserError(f"column '{theirs}' (mapped to '{ours}') is missing", where=where)
        data[ours] = data.pop(theirs)
    if isinstance(data.get("id"), int) and not isinstance(data["id"], bool):
        data["id"] = str(data["id"])  # a numeric id; null, floats and lists stay errors
    for name in LIST_FIELDS:
        value = data.get(name)
        if isinstance(value, str):  # CSV: a JSON array or 'a | b | c'
            text = value.strip()
            if text.startswith("["):
                try:
                    data[name] = json.loads(text)
                except ValueError as exc:
                    raise UserError(f"field '{name}': not a JSON list ({exc})", where=where,
                                    hint="write a list as [\"a\", \"b\"] or as a | b") from None
            else:
                data[name] = [p.strip() for p in text.split("|") if p.strip()]
    try:
        return Item(**data)
    except ValidationError as exc:
        raise field_error(exc, where=where) from None


def load_benchmark(name_or_path: str, *, split: str | None = None, limit: int | None = None,
                   column_map: dict[str, str] | None = None) -> Benchmark:
    spec, items_path = resolve(name_or_path)
    items: list[Item] = []
    seen: dict[str, str] = {}
    for number, row in read_rows(items_path):
        where = f"{items_path}:{number}"
        item = to_item(row, column_map or {}, where)
        if item.id in seen:
            raise UserError(f"duplicate id '{item.id}' (first at {seen[item.id]})", where=where)
        seen[item.id] = where
        items.append(item)
    if not items:
        raise UserError(f"{items_path} holds no items")
    if split:
        available = sorted({i.split for i in items if i.split})
        if split not in available:
            raise UserError(f"benchmark '{spec.name}' has no split '{split}'",
                            hint=("splits: " + ", ".join(available)) if available else "it has no splits")
        items = [i for i in items if i.split == split]
    if limit is not None:
        items = stratified_head(items, limit)
    return Benchmark(spec=spec, path=items_path, items=items, split=split)


def stratified_head(items: list[Item], limit: int) -> list[Item]:
    """The first ``limit`` items taken round-robin over categories, so a small run stays balanced."""
    if limit >= len(items):
        return items
    groups: dict[str, list[Item]] = {}
    for item in items:
        groups.setdefault(item.category or "", []).append(item)
    chosen: list[Item] = []
    queues = [list(g) for g in groups.values()]
    while len(chosen) < limit:
        for queue in queues:
            if queue and len(chosen) < limit:
                chosen.append(queue.pop(0))
    keep = {i.id for i in chosen}
    return [i for i in items if i.id in keep]
