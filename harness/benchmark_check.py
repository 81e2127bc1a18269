"""``python -m harness benchmark validate PATH`` and ``benchmark stats NAME``.

Validation lists every problem at once (schema errors with file:line and field, duplicate ids,
near-duplicate questions, values outside the spec's vocabularies, gold_docs missing from the RAG
corpus) and checks the coverage targets that ``benchmark.yaml`` declares.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from harness.benchmark import BenchmarkSpec, read_rows, resolve, to_item
from harness.errors import UserError
from harness.records import Item

NEAR_DUPLICATE = 0.92
CORPUS_DIR = Path(__file__).resolve().parent.parent / "systems" / "rag" / "corpus"


@dataclass
class Validation:
    items: list[Item] = field(default_factory=list)
    where: dict[str, str] = field(default_factory=dict)  # item id -> file:line
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    targets: list[tuple[str, bool, str]] = field(default_factory=list)  # (target, met, measured)

    @property
    def ok(self) -> bool:
        return not self.errors and all(met for _, met, _ in self.targets)


def corpus_doc_ids(corpus: Path = CORPUS_DIR) -> set[str]:
    return {p.stem for p in corpus.rglob("*.md")} if corpus.is_dir() else set()


def near_duplicates(items: list[Item], threshold: float = NEAR_DUPLICATE) -> list[tuple[str, str, float]]:
    from harness.embedder import embed

    if len(items) < 2:
        return []
    vectors = embed([i.question for i in items])
    sims = vectors @ vectors.T
    pairs = []
    for a in range(len(items)):
        for b in range(a + 1, len(items)):
            if sims[a, b] >= threshold:
                pairs.append((items[a].id, items[b].id, float(sims[a, b])))
    return pairs


def check_rows(spec: BenchmarkSpec, path: Path, result: Validation) -> None:
    curated = bool(spec.categories)
    for number, row in read_rows(path):
        where = f"{path}:{number}"
        try:
            item = to_item(row, {}, where)
        except UserError as exc:
            result.errors.append(str(exc))
            continue
        if item.id in result.where:
            result.errors.append(f"{where}: duplicate id '{item.id}' (first at {result.where[item.id]})")
            continue
        result.where[item.id] = where
        result.items.append(item)
        if not curated:
            continue
        for name, allowed in (("category", spec.categories), ("region", spec.regions), ("type", spec.types),
                              ("split", spec.splits)):
            value = getattr(item, name)
            if allowed and value not in allowed:
                result.errors.append(f"{where}: field '{name}': '{value}' is not one of {', '.join(allowed)}")
        if not item.reference_answer:
            result.errors.append(f"{where}: field 'reference_answer': missing")
        if not 2 <= len(item.key_points) <= 6:
            result.errors.append(f"{where}: field 'key_points': {len(item.key_points)} given, 2-6 expected")
        if not item.pitfalls:
            result.errors.append(f"{where}: field 'pitfalls': missing")


def check_gold_docs(result: Validation) -> None:
    known = corpus_doc_ids()
    if not known:
        return
    for item in result.items:
        missing = [d for d in item.gold_docs if d not in known]
        if missing:
            result.errors.append(f"{result.where[item.id]}: field 'gold_docs': not in the corpus: {', '.join(missing)}")


def check_targets(spec_targets: dict, items: list[Item], result: Validation, spec: BenchmarkSpec | None = None) -> None:
    n = len(items)
    if "min_items" in spec_targets:
        result.targets.append((f"at least {spec_targets['min_items']} items", n >= spec_targets["min_items"], str(n)))
    for name, attr in (("min_per_category", "category"), ("min_per_region", "region")):
        if name in spec_targets:
            counts = Counter(getattr(i, attr) for i in items)
            declared = (spec.categories if spec and attr == "category" else []) or sorted(k for k in counts if k)
            wanted = spec_targets.get(f"{attr}_targets") or declared
            low = {k: counts.get(k, 0) for k in wanted if counts.get(k, 0) < spec_targets[name]}
            result.targets.append((f"at least {spec_targets[name]} items per {attr}", not low,
                                   "all met" if not low else ", ".join(f"{k}={v}" for k, v in low.items())))
    types = Counter(i.type for i in items)
    for type_name, share in (spec_targets.get("min_type_share") or {}).items():
        measured = types.get(type_name, 0) / n if n else 0.0
        result.targets.append((f"{type_name} at least {share:.0%}", measured >= share, f"{measured:.1%}"))
    for split, minimum in (spec_targets.get("min_split") or {}).items():
        count = sum(1 for i in items if i.split == split)
        result.targets.append((f"split '{split}' at least {minimum}", count >= minimum, str(count)))


def validate(path_or_name: str, *, near_duplicate_threshold: float = NEAR_DUPLICATE,
             targets: dict | None = None) -> Validation:
    spec, items_path = resolve(path_or_name)
    result = Validation()
    check_rows(spec, items_path, result)
    check_gold_docs(result)
    for a, b, sim in near_duplicates(result.items, near_duplicate_threshold):
        result.errors.append(f"{result.where[b]}: near-duplicate question of '{a}' ({result.where[a]}), "
                             f"similarity {sim:.2f}")
    check_targets(spec.targets if targets is None else targets, result.items, result, spec)
    return result


def balance_table(items: list[Item], rows: str = "category", columns: str = "region"):
    from rich.table import Table

    counts = Counter((getattr(i, rows) or "-", getattr(i, columns) or "-") for i in items)
    row_keys = sorted({r for r, _ in counts})
    col_keys = sorted({c for _, c in counts})
    table = Table(title=f"items by {rows} x {columns}")
    table.add_column(rows)
    for key in col_keys:
        table.add_column(key, justify="right")
    table.add_column("total", justify="right")
    for r in row_keys:
        cells = [counts.get((r, c), 0) for c in col_keys]
        table.add_row(r, *map(str, cells), str(sum(cells)))
    totals = [sum(counts.get((r, c), 0) for r in row_keys) for c in col_keys]
    table.add_row("total", *map(str, totals), str(sum(totals)))
    return table


def count_table(items: list[Item], field_name: str):
    from rich.table import Table

    counts = Counter(getattr(i, field_name) or "-" for i in items)
    table = Table(title=f"items by {field_name}")
    table.add_column(field_name)
    table.add_column("n", justify="right")
    table.add_column("share", justify="right")
    for key, n in sorted(counts.items()):
        table.add_row(key, str(n), f"{n / len(items):.1%}")
    return table


def print_stats(items: list[Item]) -> None:
    from rich.console import Console

    console = Console()
    console.print(balance_table(items))
    for name in ("type", "difficulty", "split"):
        if any(getattr(i, name) for i in items):
            console.print(count_table(items, name))
    with_fields = {name: sum(1 for i in items if getattr(i, name)) for name in
                   ("reference_answer", "key_points", "pitfalls", "gold_docs", "variation_note")}
    console.print("items with each optional field: " + ", ".join(f"{k} {v}/{len(items)}" for k, v in with_fields.items()))


def print_validation(result: Validation) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if result.items:
        print_stats(result.items)
    if result.targets:
        table = Table(title="coverage targets")
        for column in ("target", "met", "measured"):
            table.add_column(column)
        for target, met, measured in result.targets:
            table.add_row(target, "yes" if met else "[red]NO[/red]", measured)
        console.print(table)
    for error in result.errors:
        console.print(f"[red]error[/red] {error}", highlight=False, soft_wrap=True)
    console.print(f"{len(result.items)} valid items, {len(result.errors)} errors: "
                  + ("[green]PASS[/green]" if result.ok else "[red]FAIL[/red]"))
