"""Every cache key and derived id in one place, each with a version constant.

Bump a ``*_KEY_VERSION`` whenever what goes into that key changes meaning (a new prompt recipe, a
different item hash), so old entries are never silently reused for new work. Concurrency,
timeouts and retries are never part of a key: they do not change what a model says.
"""

from __future__ import annotations

from typing import Any

from harness.hashing import hash_value, stable_json

GENERATION_KEY_VERSION = 1
RUN_ID_VERSION = 1
JUDGE_KEY_VERSION = 1
ITEM_HASH_VERSION = 1


def generation_key(fingerprint: str, messages: list[dict[str, str]], adapter: str | None,
                   params: dict[str, Any]) -> str:
    """Hash of (system fingerprint, rendered prompt, generation parameters), never the prompt alone."""
    return hash_value({"v": GENERATION_KEY_VERSION, "fingerprint": fingerprint, "prompt": stable_json(messages),
                       "adapter": adapter, "params": params}, length=32)


def run_id(benchmark_name: str, split: str | None, content_hash: str, fingerprints: dict[str, str],
           params: dict[str, Any]) -> str:
    """A run id derived from the configuration, so the same command resumes the same run."""
    digest = hash_value([RUN_ID_VERSION, content_hash, sorted(fingerprints.items()), params], 10)
    return f"{benchmark_name}-{split or 'all'}-{digest}"


def item_hash(question: str, reference: str | None, key_points: list[str], pitfalls: list[str]) -> str:
    """What a judge sees of an item: a changed reference or key point means a new verdict."""
    return hash_value([ITEM_HASH_VERSION, question, reference, key_points, pitfalls], 12)


def single_judgment_key(rubric: str, rubric_version: str, judge_fingerprint: str, item_id: str, item_digest: str,
                        answer_hash: str) -> str:
    return hash_value([JUDGE_KEY_VERSION, "single", rubric, rubric_version, judge_fingerprint, item_id, item_digest,
                       answer_hash], 32)


def pairwise_game_key(rubric: str, rubric_version: str, judge_fingerprint: str, item_id: str, item_digest: str,
                      first_hash: str, second_hash: str) -> str:
    return hash_value([JUDGE_KEY_VERSION, "pairwise", rubric, rubric_version, judge_fingerprint, item_id,
                       item_digest, first_hash, second_hash], 32)


def support_judgment_key(prompt_version: str, judge_fingerprint: str, item_id: str, answer_hash: str,
                         passages_hash: str) -> str:
    """A judge's faithfulness check of one answer: a new answer, new passages or a new prompt mean a new check."""
    return hash_value([JUDGE_KEY_VERSION, "support", prompt_version, judge_fingerprint, item_id, answer_hash,
                       passages_hash], 32)
