"""Run systems over benchmark items: prepare prompts, serve what the cache has, generate the rest.

Records go to ``<out>/runs/<run-id>/`` (manifest.json, generations.jsonl, scores.jsonl), appended
and flushed per record. The run id is derived from the configuration, so rerunning the same
command resumes the same run; the generation cache lets other runs reuse identical generations.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

from harness.benchmark import Benchmark, load_benchmark, parse_column_map
from harness.config import RunConfig
from harness.generation import GenerationParams, Prompt
from harness.hashing import hash_text
from harness.progress import progress_bar
from harness.records import Answer, BenchmarkEntry, Item, RunManifest, Score, SystemEntry
from harness.keys import generation_key
from harness.plan import generation_throughput_key, record_throughput
from harness.keys import run_id as derive_run_id
from harness.store import JsonlStore, KeyedCache, write_json_atomic


@dataclass
class RunResult:
    run_id: str
    run_dir: Path
    generated: int
    from_cache: int
    failed: int


def generation_params(config: RunConfig, benchmark: Benchmark) -> GenerationParams:
    values = dict(benchmark.spec.generation)
    values["seed"] = config.seed
    if config.max_new_tokens is not None:
        values["max_new_tokens"] = config.max_new_tokens
    if config.temperature is not None:
        values["temperature"] = config.temperature
    return GenerationParams(**values)


def build_backend(config: RunConfig, model: str | None = None):
    from harness.backends import make_backend

    options = dict(model=model or config.model, endpoint=config.endpoint, device=config.device,
                   batch_size=config.batch_size, concurrency=config.concurrency, timeout_s=config.timeout_s,
                   retries=config.retries, api_key_env=config.api_key_env)
    if config.backend == "vllm":
        options.update(vllm_bin=config.vllm_bin, vllm_args=config.vllm_args)
    return make_backend(config.backend, **options)


def model_groups(config: RunConfig) -> dict[str, list[str]]:
    """Variant names grouped by base model, in config order: one model (or vLLM server) at a time."""
    groups: dict[str, list[str]] = {}
    for name, variant in config.systems.items():
        groups.setdefault(variant.model or config.model, []).append(name)
    return groups


def build_systems(config: RunConfig, backends: dict[str, object], template: str) -> list:
    """Every variant as a configured system on its model's backend; all kinds are checked first."""
    from harness.registry import get_system_class

    classes = {name: get_system_class(variant.kind) for name, variant in config.systems.items()}
    systems = []
    for name, variant in config.systems.items():
        cls = classes[name]
        options = config.variant_options(name)
        if config.corpus and "corpus" in cls.Config.model_fields:
            options.setdefault("corpus", config.corpus)
        system = cls.from_options(options, backends[variant.model or config.model], name=name)
        system.question_template = template
        systems.append(system)
    return systems


@dataclass
class Prepared:
    """What a run will do, known before any generation: its systems, ids, folder and manifest."""

    config: RunConfig
    benchmark: Benchmark
    backends: dict[str, object]
    systems: list
    params: GenerationParams
    fingerprints: dict[str, str]
    run_id: str
    run_dir: Path
    manifest: RunManifest

    def close(self) -> None:
        for backend in self.backends.values():
            backend.close()


def prepare_run(config: RunConfig, command: list[str] | None = None, benchmark: Benchmark | None = None) -> Prepared:
    """Load the benchmark, build every variant and derive the run id; generates nothing."""
    from harness.provenance import git_sha, package_versions

    benchmark = benchmark or load_benchmark(config.benchmark, split=config.split, limit=config.limit,
                                            column_map=parse_column_map(config.columns))
    backends = {model: build_backend(config, model) for model in model_groups(config)}
    try:
        for backend in backends.values():  # an unreachable endpoint fails before anything is written
            if hasattr(backend, "check") and backend.kind == "openai":
                backend.check()
        systems = build_systems(config, backends, benchmark.spec.prompt_template)
        params = generation_params(config, benchmark)
        fingerprints = {s.name: s.fingerprint() for s in systems}
        run_id = config.run_id or derive_run_id(benchmark.spec.name, benchmark.split, benchmark.content_hash,
                                                fingerprints, params.model_dump())
        manifest = RunManifest(
            run_id=run_id, command=command or sys.argv, git_sha=git_sha(), package_versions=package_versions(),
            backend=config.backend, model=config.model,
            systems={s.name: SystemEntry(fingerprint=fingerprints[s.name], config=s.config.model_dump(mode="json"),
                                         kind=s.kind, family=s.family,
                                         model=config.systems[s.name].model or config.model, details=s.describe())
                     for s in systems},
            benchmark=BenchmarkEntry(name=benchmark.spec.name, version=benchmark.spec.version,
                                     path=str(benchmark.path), split=benchmark.split, n_items=len(benchmark.items),
                                     content_hash=benchmark.content_hash, role=benchmark.spec.role),
            generation=params.model_dump(), seed=config.seed, rubric=config.rubric,
        )
    except BaseException:
        for backend in backends.values():
            backend.close()
        raise
    return Prepared(config, benchmark, backends, systems, params, fingerprints, run_id,
                    Path(config.out) / "runs" / run_id, manifest)


def control_config(config: RunConfig) -> RunConfig:
    """The same systems on the control benchmark, same split name where it has one, same limit."""
    from harness.benchmark import resolve

    spec, _ = resolve(config.control)
    split = config.split if config.split in spec.splits else None
    return config.model_copy(update={"benchmark": config.control, "split": split, "columns": None,
                                     "limit": config.control_limit or config.limit, "control": None,
                                     "control_limit": None, "run_id": None})


def run(config: RunConfig, command: list[str] | None = None, prepared: Prepared | None = None) -> RunResult:
    prepared = prepared or prepare_run(config, command)
    try:
        return _run(prepared)
    finally:
        prepared.close()  # stops managed vLLM servers on success, errors and Ctrl-C alike


def _run(prepared: Prepared) -> RunResult:
    config, benchmark, run_dir = prepared.config, prepared.benchmark, prepared.run_dir
    write_json_atomic(run_dir / "manifest.json", prepared.manifest.model_dump(mode="json"), keep=("created_at",))
    write_json_atomic(run_dir / "items.json", [i.model_dump(mode="json") for i in benchmark.items])

    generations = JsonlStore(run_dir / "generations.jsonl")
    cache = KeyedCache(Path(config.out) / "cache" / "generations.jsonl")
    done = {(r["system"], r["item_id"]) for r in generations if r.get("status") == "ok"}
    counts = {"generated": 0, "from_cache": 0, "failed": 0}
    by_name = {s.name: s for s in prepared.systems}
    try:
        for model, names in model_groups(config).items():  # one model in memory (or one vLLM server) at a time
            backend = prepared.backends[model]
            todo = {name: [item for item in benchmark.items if (name, item.id) not in done] for name in names}
            if not any(todo.values()):
                continue
            if hasattr(backend, "check"):
                backend.check()
            for name in names:
                if todo[name]:
                    started, before = time.perf_counter(), counts["generated"]
                    _run_system(by_name[name], todo[name], prepared.params, prepared.fingerprints[name],
                                prepared.run_id, generations, cache, counts)
                    record_throughput(config.out, generation_throughput_key(config.backend, model, config.device),
                                      time.perf_counter() - started, counts["generated"] - before)
            backend.close()
    finally:
        generations.close()
        cache.close()
    score_run(run_dir)
    return RunResult(prepared.run_id, run_dir, **counts)


def _run_system(system, items: list[Item], params: GenerationParams, fingerprint: str, run_id: str,
                generations: JsonlStore, cache: KeyedCache, counts: dict[str, int]) -> None:
    """Answer ``items`` with one system, writing each answer the moment it exists: per completion
    on a server, per batch in process, so a kill loses at most the answers in flight.

    The run folder's lock is held meanwhile: a second identical run waits for it, then answers
    only what the first left undone.
    """
    from harness.locks import exclusive

    with exclusive(generations.path.parent / ".lock", f"run {run_id}"):
        done = {r["item_id"] for r in generations if r["system"] == system.name and r["status"] == "ok"}
        items = [item for item in items if item.id not in done]
        if not items:
            return
        prompts = system.prepare(items)
        param_dump = params.model_dump()

        def record(prompt: Prompt, key: str, completion: dict) -> None:
            generations.append(Answer(
                run_id=run_id, item_id=prompt.item_id, system=system.name, system_fingerprint=fingerprint,
                cache_key=key, backend=system.backend.kind, adapter=prompt.adapter, retrieved=prompt.retrieved,
                context_tokens=prompt.context_tokens, status="error" if completion.get("error") else "ok",
                answer_hash=hash_text(completion.get("text") or ""),
                **{k: v for k, v in completion.items() if k != "logprobs"},
            ))

        missing = []
        for prompt in prompts:
            key = generation_key(fingerprint, prompt.messages, prompt.adapter, param_dump)
            hit = cache.get(key)
            if hit is not None:
                record(prompt, key, hit)
                counts["from_cache"] += 1
            else:
                missing.append((prompt, key))
        if not missing:
            return

        def finished(index: int, completion) -> None:
            prompt, key = missing[index]
            data = completion.model_dump(exclude={"logprobs"})
            if completion.error:
                counts["failed"] += 1
            else:
                cache.put(key, data)
                counts["generated"] += 1
            record(prompt, key, data)

        with progress_bar(f"generating: {system.name}", total=len(missing)) as advance:
            system.generate([p for p, _ in missing], params, on_done=advance, on_result=finished)


def score_run(run_dir: Path) -> int:
    """Add key-point coverage scores for answers that have none yet; returns how many were added."""
    import json

    from harness.run_records import answer_hash as stored_answer_hash
    from harness.run_records import latest_answers
    from harness.scoring.keypoints import SCORER, SCORER_VERSION, score_answers

    run_dir = Path(run_dir)
    items = {i["id"]: Item(**i) for i in json.loads((run_dir / "items.json").read_text())}
    store = JsonlStore(run_dir / "scores.jsonl")
    scored = {(r["system"], r["item_id"], r["answer_hash"]) for r in store if r["scorer_version"] == SCORER_VERSION}
    todo = []
    for (system, item_id), answer in latest_answers(run_dir).items():
        if answer["status"] != "ok" or item_id not in items:
            continue
        answer_hash = stored_answer_hash(answer)
        if (system, item_id, answer_hash) not in scored:
            todo.append((system, items[item_id], answer["text"], answer_hash, answer["run_id"]))
    if todo:
        with progress_bar("scoring key-point coverage", total=len(todo)) as advance:
            results = score_answers([t[1] for t in todo], [t[2] for t in todo])
            for (system, item, _, answer_hash, run_id), result in zip(todo, results):
                store.append(Score(run_id=run_id, item_id=item.id, system=system, scorer=SCORER,
                                   scorer_version=SCORER_VERSION, answer_hash=answer_hash, value=result.value,
                                   status=result.status, reason=result.reason, details=result.details()))
                advance(1)
    store.close()
    return len(todo)
