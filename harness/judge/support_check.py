"""The judge check's faithfulness contrast: sentences whose support by a passage is known.

The item's reference answer is the one passage. Its own sentences must come back SUPPORTED; the
falsified answer's changed sentences and an off-topic sentence UNSUPPORTED. Replies are cached in
``<out>/judge_checks/support.jsonl`` by the same key as a run's support judgments, and
``support_figures`` turns them into accuracy per kind of sentence, which the check compares with the
rubric's ``min_support_accuracy``.
"""

from __future__ import annotations

import random
from pathlib import Path

from harness.hashing import hash_value
from harness.judge.check import CHECK_RUN_ID, CHECKS_DIR, SUPPORT_KINDS, chunks
from harness.judge.controls import Controls
from harness.records import SupportJudgment
from harness.store import JsonlStore

MIN_OFF_TOPIC_WORDS = 6
SUPPORT_SYSTEM = "support-controls"  # the system named on the cached support judgments


def support_controls(controls: dict[str, Controls], seed: int = 0) -> dict[str, tuple]:
    """Per item: (``SupportCase`` with the reference as its one passage, the kind of each sentence).

    Up to two reference sentences (supported), the falsified answer's sentences that differ from the
    reference (skipped when the item has none) and the off-topic answer's first sentence of at least
    ``MIN_OFF_TOPIC_WORDS`` words (else its first), in an order
    shuffled by the item's seed. Sentences are split as the faithfulness checks split answers.
    """
    from harness.judge.support import SupportCase
    from harness.scoring.faithfulness import sentences

    cases = {}
    for c in controls.values():
        reference = c.answers["reference"]
        own = sentences(reference)
        rng = random.Random(f"{seed}:{c.item.id}:support")
        picked = [(s, "supported") for s in rng.sample(own, min(2, len(own)))]
        picked += [(s, "falsified") for s in sentences(c.answers.get("falsified") or "") if s not in own]
        off = [s for s in sentences(c.answers.get("off_topic") or "") if s not in own]
        claims = [s for s in off if len(s.split()) >= MIN_OFF_TOPIC_WORDS]  # a bare "No." asserts nothing to check
        picked += [(s, "off_topic") for s in (claims or off)[:1]]
        if not picked:
            continue
        rng.shuffle(picked)
        cases[c.item.id] = (SupportCase([s for s, _ in picked], [reference]), [kind for _, kind in picked])
    return cases


def support_verdicts(out_dir, judge, cases: dict[str, tuple]) -> dict[str, dict]:
    """The judge's support reply per item, asked once per (judge, sentences, passages) and cached."""
    from harness.judge.support import SUPPORT_PROMPT_VERSION
    from harness.keys import support_judgment_key

    path = Path(out_dir) / CHECKS_DIR / "support.jsonl"
    done = {r["key"]: r for r in JsonlStore(path) if "key" in r}
    hashes = {i: (hash_value(case.sentences), hash_value(case.passages)) for i, (case, _) in cases.items()}
    keys = {i: support_judgment_key(SUPPORT_PROMPT_VERSION, judge.fingerprint, i, *hashes[i]) for i in cases}
    todo = [i for i in cases if keys[i] not in done]
    store = JsonlStore(path)
    for part in chunks(f"judge check: faithfulness ({judge.spec.name})", todo, judge.backend):
        replies = judge.support([cases[i][0] for i in part])
        for i, (completion, supported, attempts, probabilities) in zip(part, replies):
            case = cases[i][0]
            record = SupportJudgment(key=keys[i], run_id=CHECK_RUN_ID, item_id=i, system=SUPPORT_SYSTEM,
                                     judge=judge.spec.name, judge_fingerprint=judge.fingerprint,
                                     rubric=judge.rubric.name, rubric_version=judge.rubric.version,
                                     answer_hash=hashes[i][0], passages_hash=hashes[i][1], sentences=case.sentences,
                                     supported=supported or [], probabilities=probabilities,
                                     value=sum(supported) / len(supported) if supported else None,
                                     status="error" if completion.error else ("ok" if supported is not None
                                                                              else "unparsed"),
                                     attempts=attempts, raw=completion.text or completion.error or "")
            store.append(record)
            done[record.key] = record.model_dump()
    store.close()
    return {i: done[keys[i]] for i in cases}


def support_figures(cases: dict[str, tuple], replies: dict[str, dict]) -> tuple[dict, dict]:
    """Accuracy per sentence kind, pooled over unsupported kinds, balanced, and the unparsed share of replies.
    An unparsed or failed reply scores none of its sentences."""
    marked: dict[str, list[bool]] = {kind: [] for kind in SUPPORT_KINDS}
    unparsed = 0
    for i, (case, kinds) in cases.items():
        reply = replies[i]
        supported = reply.get("supported") or []
        if reply.get("status") != "ok" or len(supported) != len(kinds):
            unparsed += 1
            continue
        for kind, said in zip(kinds, supported):
            marked[kind].append(said == (kind == "supported"))
    share = (lambda values: sum(values) / len(values) if values else None)
    figures = {kind: share(marked[kind]) for kind in SUPPORT_KINDS}
    figures["unsupported"] = share(marked["falsified"] + marked["off_topic"])
    both = [figures["supported"], figures["unsupported"]]
    figures["balanced"] = None if None in both else sum(both) / 2
    figures["unparsed"] = unparsed / len(cases) if cases else 0.0
    return figures, {**{kind: len(marked[kind]) for kind in SUPPORT_KINDS}, "replies": len(cases)}
