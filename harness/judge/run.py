"""Judge the answers of a comparison: single grades for every answer, pairwise games in both orders.

Judgments are appended to the newest run's ``judgments.jsonl`` and ``pairwise.jsonl``. Before
judging, every run's records are read, so a verdict whose key (rubric version, judge, item,
answer hashes) already exists is never asked for again; a changed judge or rubric gets new keys.
"""

from __future__ import annotations

from pathlib import Path

from harness.keys import item_hash, pairwise_game_key, single_judgment_key, support_judgment_key
from harness.judge.judge import Judge
from harness.judge.pairing import plan_pairs
from harness.progress import progress_bar
from harness.records import Item, Judgment, PairwiseGame, SupportJudgment
from harness.run_records import Comparison
from harness.store import JsonlStore


def item_digest(item: Item) -> str:
    return item_hash(item.question, item.reference_answer, item.key_points, item.pitfalls)


def single_key(judge: Judge, item: Item, answer_hash: str) -> str:
    return single_judgment_key(judge.rubric.name, judge.rubric.version, judge.fingerprint, item.id,
                               item_digest(item), answer_hash)


def game_key(judge: Judge, item: Item, first_hash: str, second_hash: str) -> str:
    return pairwise_game_key(judge.rubric.name, judge.rubric.version, judge.fingerprint, item.id, item_digest(item),
                             first_hash, second_hash)


def existing_keys(out_dir: Path) -> set[str]:
    keys = set()
    for name in ("judgments.jsonl", "pairwise.jsonl", "support.jsonl"):
        for path in (Path(out_dir) / "runs").glob(f"*/{name}"):
            keys |= {record["key"] for record in JsonlStore(path)}
    return keys


def judge_comparison(out_dir: Path, comparison: Comparison, judge: Judge, *, pairwise: bool = True,
                     pairs: list[tuple[str, str]] | None = None) -> dict[str, int]:
    """Grade every answer, then play ``pairs`` (default: the comparison's anchor plan) in both orders."""
    run_dir = comparison.runs[comparison.systems[0]].run_dir
    run_id = run_dir.name
    done = existing_keys(out_dir)
    counts = {"single": 0, "pairwise": 0, "unparsed": 0}
    texts = {(s, i.id): comparison.answer(s, i.id)["text"] for s in comparison.systems for i in comparison.items}
    hashes = {(s, i.id): comparison.answer_hash(s, i.id) for s in comparison.systems for i in comparison.items}

    # item-major: one item's prompts land in one chunk, so a form-filling judge prefills their prefix once
    todo = [(system, item) for item in comparison.items for system in comparison.systems
            if single_key(judge, item, hashes[(system, item.id)]) not in done]
    store = JsonlStore(run_dir / "judgments.jsonl")
    _judge_in_chunks(f"judging answers ({judge.spec.name})", todo, judge.backend, lambda part: [
        Judgment(key=single_key(judge, item, hashes[(system, item.id)]), run_id=run_id, item_id=item.id,
                 system=system, judge=judge.spec.name, judge_fingerprint=judge.fingerprint,
                 rubric=judge.rubric.name, rubric_version=judge.rubric.version,
                 answer_hash=hashes[(system, item.id)], answer_chars=len(texts[(system, item.id)]),
                 status="error" if completion.error else ("ok" if verdict else "unparsed"),
                 scores=verdict.scores if verdict else {}, flags=verdict.flags if verdict else {},
                 weighted=bool(verdict and verdict.weighted), attempts=attempts,
                 raw=completion.text or completion.error or "")
        for (system, item), (completion, verdict, attempts) in zip(
            part, judge.grade([(item, texts[(system, item.id)]) for system, item in part]))
    ], store, counts, "single")
    store.close()

    if not pairwise or len(comparison.systems) < 2:
        return counts
    games, plan = [], pairs if pairs is not None else plan_pairs(comparison.systems, comparison.families())
    for item in comparison.items:  # item-major, as above
        for a, b in plan:
            for first, second in ((a, b), (b, a)):
                if game_key(judge, item, hashes[(first, item.id)], hashes[(second, item.id)]) not in done:
                    games.append((first, second, item))
    store = JsonlStore(run_dir / "pairwise.jsonl")
    _judge_in_chunks(f"pairwise games ({judge.spec.name})", games, judge.backend, lambda part: [
        PairwiseGame(key=game_key(judge, item, hashes[(first, item.id)], hashes[(second, item.id)]), run_id=run_id,
                     item_id=item.id, first_system=first, second_system=second, judge=judge.spec.name,
                     judge_fingerprint=judge.fingerprint, rubric=judge.rubric.name,
                     rubric_version=judge.rubric.version, first_hash=hashes[(first, item.id)],
                     second_hash=hashes[(second, item.id)], first_chars=len(texts[(first, item.id)]),
                     second_chars=len(texts[(second, item.id)]),
                     status="error" if completion.error else ("ok" if verdict else "unparsed"),
                     verdict={"a": "first", "b": "second", "tie": "tie"}.get(verdict), attempts=attempts,
                     raw=completion.text or completion.error or "")
        for (first, second, item), (completion, verdict, attempts) in zip(
            part, judge.compare([(item, texts[(first, item.id)], texts[(second, item.id)]) for first, second, item in part]))
    ], store, counts, "pairwise")
    store.close()
    return counts


def judge_support(out_dir: Path, comparison: Comparison, judge: Judge, loader=None) -> dict[str, int]:
    """Judge faithfulness: for every answer that recorded retrieved passages, the judge checks each sentence
    against those passages (``harness.judge.support``). Records go to the newest run's ``support.jsonl``."""
    from harness.hashing import hash_value
    from harness.judge.support import SUPPORT_PROMPT_VERSION, SupportCase
    from harness.scoring.faithfulness import load_passages, sentences

    loader = loader or load_passages
    run_dir = comparison.runs[comparison.systems[0]].run_dir
    done = existing_keys(out_dir)
    counts = {"support": 0, "unparsed": 0}
    todo = []
    for system in comparison.systems:
        config = comparison.manifest(system)["systems"][system].get("config") or {}
        for item in comparison.items:
            answer = comparison.answer(system, item.id)
            ids = [r["chunk_id"] for r in answer.get("retrieved") or [] if r.get("chunk_id")]
            if not ids or answer.get("status", "ok") != "ok" or not sentences(answer["text"]):
                continue
            found = loader(ids, config)
            passages = [found[c] for c in ids if c in found]
            answer_hash = comparison.answer_hash(system, item.id)
            passages_hash = hash_value(passages)
            key = support_judgment_key(SUPPORT_PROMPT_VERSION, judge.fingerprint, item.id, answer_hash, passages_hash)
            if key not in done:
                todo.append((system, item, key, answer_hash, passages_hash, SupportCase(sentences(answer["text"]),
                                                                                         passages)))
    store = JsonlStore(run_dir / "support.jsonl")
    _judge_in_chunks(f"faithfulness ({judge.spec.name})", todo, judge.backend, lambda part: [
        SupportJudgment(key=key, run_id=run_dir.name, item_id=item.id, system=system, judge=judge.spec.name,
                        judge_fingerprint=judge.fingerprint, rubric=judge.rubric.name,
                        rubric_version=judge.rubric.version, answer_hash=answer_hash, passages_hash=passages_hash,
                        sentences=case.sentences, supported=supported or [], probabilities=probabilities,
                        value=(sum(supported) / len(supported)) if supported else None,
                        status="error" if completion.error else ("ok" if supported is not None else "unparsed"),
                        attempts=attempts, raw=completion.text or completion.error or "")
        for (system, item, key, answer_hash, passages_hash, case), (completion, supported, attempts, probabilities)
        in zip(part, judge.support([case for *_, case in part]))
    ], store, counts, "support")
    store.close()
    return counts


def _judge_in_chunks(label, todo, backend, make_records, store, counts, kind) -> None:
    if not todo:
        return
    chunk = max(getattr(backend, "batch_size", 1), getattr(backend, "concurrency", 1)) * 2
    with progress_bar(label, total=len(todo)) as advance:
        for start in range(0, len(todo), chunk):
            part = todo[start : start + chunk]
            for record in make_records(part):
                store.append(record)
                counts[kind] += 1
                counts["unparsed"] += record.status != "ok"
            advance(len(part))
