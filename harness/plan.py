"""The plan printed before any work: generations left after the cache, judge calls, tokens and time.

Time comes from throughput this machine has measured before (``<out>/cache/throughput.json``,
updated after every run and judging pass), else from a rough figure labelled as such. A plan
that is large for the hardware says so up front, with the flags that cut it down.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from harness.judge.pairing import plan_pairs
from harness.judge.support import RETRIEVING_FAMILIES, wants_support
from harness.keys import generation_key

# Rough seconds per call when nothing was measured yet: the embedded 135M model on 2 CPU cores
# (vLLM's CPU build generates about 3.5x faster there; judges run in-process either way).
ROUGH_CPU_SECONDS = {"answer": 3.3, "single": 2.1, "game": 0.54, "support": 2.0}
ROUGH_SERVER_ANSWER = 1.0
LARGE_PLAN_MINUTES = 15


@dataclass
class SystemPlan:
    name: str
    kind: str
    model: str
    items: int
    done: int  # already in this run folder
    cached: int  # served by the generation cache
    to_generate: int
    prompt_tokens: int  # estimated, for the prompts still to generate
    completion_tokens: int  # upper bound: max_new_tokens per answer


@dataclass
class Plan:
    run_id: str
    systems: list[SystemPlan]
    single_grades: int = 0
    pairs: list[tuple[str, str]] = field(default_factory=list)
    games: int = 0
    support_checks: int = 0  # RAG answers a judge checks against their passages (judge faithfulness)
    judges: list[str] = field(default_factory=list)
    seconds: float = 0.0
    measured: bool = True
    notes: list[str] = field(default_factory=list)

    @property
    def generations(self) -> int:
        return sum(s.to_generate for s in self.systems)


def throughput_path(out: str | Path) -> Path:
    return Path(out) / "cache" / "throughput.json"


def load_throughput(out: str | Path) -> dict:
    path = throughput_path(out)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def record_throughput(out: str | Path, key: str, seconds: float, count: int) -> None:
    """Fold a measured (seconds, count) into the running mean kept for ``key``; never fails a run."""
    from harness.store import write_json_atomic

    if count <= 0 or seconds <= 0:
        return
    data = load_throughput(out)
    entry = data.get(key) or {"seconds": 0.0, "count": 0}
    entry = {"seconds": entry["seconds"] + seconds, "count": entry["count"] + count}
    data[key] = entry
    try:
        write_json_atomic(throughput_path(out), data)
    except OSError:
        pass


def generation_throughput_key(backend: str, model: str, device: str) -> str:
    return f"generate|{backend}|{model}|{device}"


def judge_throughput_key(judge_name: str, kind: str) -> str:
    return f"judge|{judge_name}|{kind}"


def seconds_per(data: dict, key: str, rough: float) -> tuple[float, bool]:
    entry = data.get(key)
    if entry and entry.get("count"):
        return entry["seconds"] / entry["count"], True
    return rough, False


def make_plan(prepared, judges: list[str], pairwise: bool, pairing: str, anchor: str | None,
              faithfulness: str = "off") -> Plan:
    """What ``run`` will do for ``prepared`` (a ``harness.runner.Prepared``), with no generation."""
    from harness.store import JsonlStore, KeyedCache

    config = prepared.config
    run_dir = prepared.run_dir
    done = set()
    if (run_dir / "generations.jsonl").is_file():
        done = {(r["system"], r["item_id"]) for r in JsonlStore(run_dir / "generations.jsonl")
                if r.get("status") == "ok"}
    cache = KeyedCache(Path(config.out) / "cache" / "generations.jsonl")
    params = prepared.params.model_dump()
    rows = []
    try:
        for system in prepared.systems:
            todo = [item for item in prepared.benchmark.items if (system.name, item.id) not in done]
            prompts = system.prepare(todo) if todo else []
            missing = [p for p in prompts
                       if cache.get(generation_key(prepared.fingerprints[system.name], p.messages, p.adapter,
                                                   params)) is None]
            rows.append(SystemPlan(
                name=system.name, kind=system.kind, model=config.systems[system.name].model or config.model,
                items=len(prepared.benchmark.items), done=len(prepared.benchmark.items) - len(todo),
                cached=len(prompts) - len(missing), to_generate=len(missing),
                prompt_tokens=sum(len(json.dumps(p.messages)) // 4 for p in missing),
                completion_tokens=len(missing) * prepared.params.max_new_tokens))
    finally:
        cache.close()
    plan = Plan(run_id=prepared.run_id, systems=rows, judges=list(judges))
    n_items = len(prepared.benchmark.items)
    families = {s.name: s.family for s in prepared.systems}
    if judges:
        plan.single_grades = len(prepared.systems) * n_items * len(judges)
        if pairwise:
            plan.pairs = plan_pairs([s.name for s in prepared.systems], families, pairing, anchor)
            plan.games = len(plan.pairs) * n_items * 2 * len(judges)
        retrieving = sum(s.family in RETRIEVING_FAMILIES for s in prepared.systems)
        plan.support_checks = retrieving * n_items * sum(wants_support(j, faithfulness) for j in judges)
    throughput = load_throughput(config.out)
    seconds = 0.0
    for row in rows:
        per, measured = seconds_per(throughput, generation_throughput_key(config.backend, row.model, config.device),
                                    ROUGH_CPU_SECONDS["answer"] if config.backend == "hf" else ROUGH_SERVER_ANSWER)
        seconds += per * row.to_generate
        plan.measured &= measured or row.to_generate == 0
    for judge in judges:
        for kind, count in (("single", plan.single_grades // max(len(judges), 1)),
                            ("game", plan.games // max(len(judges), 1)),
                            ("support", retrieving * n_items if wants_support(judge, faithfulness) else 0)):
            per, measured = seconds_per(throughput, judge_throughput_key(judge, kind), ROUGH_CPU_SECONDS[kind])
            seconds += per * count
            plan.measured &= measured or count == 0
    plan.seconds = seconds
    if seconds / 60 > LARGE_PLAN_MINUTES:
        cuts = [c for c, applies in (("--split dev", config.split != "dev"),
                                     ("--limit 20", config.limit is None or config.limit > 20),
                                     ("fewer --systems", len(rows) > 2),
                                     ("--no-pairwise", bool(plan.games)),
                                     ("a GPU with --backend vllm", config.backend == "hf")) if applies]
        plan.notes.append(
            f"this is about {seconds / 60:.0f} minutes of work on this machine"
            + ("" if plan.measured else " (a rough figure: nothing measured here yet)")
            + (f". To cut it down: {', '.join(cuts)}." if cuts else "."))
    return plan


def print_plan(plan: Plan) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(stderr=True)
    if not console.is_terminal:
        console = Console(stderr=True, width=132)  # a log file: keep the table's columns whole
    table = Table(title=f"plan for run {plan.run_id}")
    for column in ("system", "kind", "model", "items", "done", "cached", "to generate", "prompt tok", "new tok <="):
        table.add_column(column, justify="left" if column in ("system", "kind", "model") else "right")
    for s in plan.systems:
        table.add_row(s.name, s.kind, s.model, str(s.items), str(s.done), str(s.cached), str(s.to_generate),
                      f"{s.prompt_tokens:,}", f"{s.completion_tokens:,}")
    console.print(table)
    if plan.judges:
        pairs = ", ".join(f"{a} v {b}" for a, b in plan.pairs) or "none"
        console.print(f"judging with {', '.join(plan.judges)}: at most {plan.single_grades} grades and "
                      f"{plan.games} pairwise games (pairs: {pairs}; both orders; cached verdicts are skipped)"
                      + (f", and {plan.support_checks} RAG answers checked against their passages"
                         if plan.support_checks else ""))
    minutes = plan.seconds / 60
    console.print(f"estimated time: {minutes:.1f} min" + ("" if plan.measured else
                                                           " (rough: from a 2-core CPU figure, not measured here)"))
    for note in plan.notes:
        console.print(f"[bold yellow]warning:[/bold yellow] {note}")
