"""Run systems over benchmark items: prepare prompts, serve what the cache has, generate the rest.

Records go to ``<out>/runs/<run-id>/`` (manifest.json, generations.jsonl, scores.jsonl), appended
and flushed per record. The run id is derived from the configuration, so rerunning the same
command resumes the same run; the generation cache lets other runs reuse identical generations.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from harness.benchmark import Benchmark, load_benchmark, parse_column_map
from harness.config import RunConfig
from harness.generation import GenerationParams, Prompt
from harness.hashing import hash_text
from harness.progress import progress_bar
from harness.records import Answer, BenchmarkEntry, Item, RunManifest, Score, SystemEntry
from harness.keys import generation_key
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


def build_backend(config: RunConfig):
    from harness.backends import make_backend

    options = dict(model=config.model, endpoint=config.endpoint, device=config.device, batch_size=config.batch_size,
                   concurrency=config.concurrency, timeout_s=config.timeout_s, retries=config.retries,
                   api_key_env=config.api_key_env)
    if config.backend == "vllm":
        options.update(vllm_bin=config.vllm_bin, vllm_args=config.vllm_args)
    return make_backend(config.backend, **options)


def build_systems(config: RunConfig, backend, template: str):
    from harness.registry import get_system_class

    classes = [get_system_class(name) for name in config.systems]  # all names checked before any work
    systems = []
    for cls in classes:
        options = dict(config.system_options.get(cls.name) or {})
        if config.corpus and "corpus" in cls.Config.model_fields:
            options.setdefault("corpus", config.corpus)
        system = cls.from_options(options, backend)
        system.question_template = template
        systems.append(system)
    return systems


def run(config: RunConfig, command: list[str] | None = None) -> RunResult:
    benchmark = load_benchmark(config.benchmark, split=config.split, limit=config.limit,
                               column_map=parse_column_map(config.columns))
    backend = build_backend(config)
    try:
        return _run(config, command, benchmark, backend)
    finally:
        backend.close()  # stops a managed vLLM server on success, errors and Ctrl-C alike


def _run(config: RunConfig, command, benchmark: Benchmark, backend) -> RunResult:
    from harness.provenance import git_sha, package_versions

    systems = build_systems(config, backend, benchmark.spec.prompt_template)
    params = generation_params(config, benchmark)
    if hasattr(backend, "check"):
        backend.check()
    fingerprints = {s.name: s.fingerprint() for s in systems}
    run_id = config.run_id or derive_run_id(benchmark.spec.name, benchmark.split, benchmark.content_hash,
                                            fingerprints, params.model_dump())
    run_dir = Path(config.out) / "runs" / run_id
    manifest = RunManifest(
        run_id=run_id, command=command or sys.argv, git_sha=git_sha(), package_versions=package_versions(),
        backend=config.backend, model=config.model,
        systems={s.name: SystemEntry(fingerprint=fingerprints[s.name], config=s.config.model_dump(mode="json"))
                 for s in systems},
        benchmark=BenchmarkEntry(name=benchmark.spec.name, version=benchmark.spec.version, path=str(benchmark.path),
                                 split=benchmark.split, n_items=len(benchmark.items),
                                 content_hash=benchmark.content_hash),
        generation=params.model_dump(), seed=config.seed, rubric=config.rubric,
    )
    write_json_atomic(run_dir / "manifest.json", manifest.model_dump(mode="json"))
    write_json_atomic(run_dir / "items.json", [i.model_dump(mode="json") for i in benchmark.items])

    generations = JsonlStore(run_dir / "generations.jsonl")
    cache = KeyedCache(Path(config.out) / "cache" / "generations.jsonl")
    done = {(r["system"], r["item_id"]) for r in generations if r.get("status") == "ok"}
    counts = {"generated": 0, "from_cache": 0, "failed": 0}
    try:
        for system in systems:
            todo = [item for item in benchmark.items if (system.name, item.id) not in done]
            if todo:
                _run_system(system, todo, params, fingerprints[system.name], run_id, generations, cache, counts)
    finally:
        generations.close()
        cache.close()
    score_run(run_dir)
    return RunResult(run_id, run_dir, **counts)


def _run_system(system, items: list[Item], params: GenerationParams, fingerprint: str, run_id: str,
                generations: JsonlStore, cache: KeyedCache, counts: dict[str, int]) -> None:
    prompts = system.prepare(items)
    param_dump = params.model_dump()
    keys = [generation_key(fingerprint, p.messages, p.adapter, param_dump) for p in prompts]

    def record(prompt: Prompt, key: str, completion: dict) -> None:
        generations.append(Answer(
            run_id=run_id, item_id=prompt.item_id, system=system.name, system_fingerprint=fingerprint,
            cache_key=key, backend=system.backend.kind, adapter=prompt.adapter, retrieved=prompt.retrieved,
            context_tokens=prompt.context_tokens, status="error" if completion.get("error") else "ok",
            answer_hash=hash_text(completion.get("text") or ""),
            **{k: v for k, v in completion.items() if k != "logprobs"},
        ))

    missing = []
    for prompt, key in zip(prompts, keys):
        hit = cache.get(key)
        if hit is not None:
            record(prompt, key, hit)
            counts["from_cache"] += 1
        else:
            missing.append((prompt, key))
    if not missing:
        return
    chunk = max(getattr(system.backend, "batch_size", 1), getattr(system.backend, "concurrency", 1)) * 2
    with progress_bar(f"generating: {system.name}", total=len(missing)) as advance:
        for start in range(0, len(missing), chunk):
            part = missing[start : start + chunk]
            completions = system.generate([p for p, _ in part], params, on_done=advance)
            for (prompt, key), completion in zip(part, completions):
                data = completion.model_dump(exclude={"logprobs"})
                if completion.error:
                    counts["failed"] += 1
                else:
                    cache.put(key, data)
                    counts["generated"] += 1
                record(prompt, key, data)


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
