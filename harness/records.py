"""Typed records written to disk at every stage; each carries a ``schema_version``."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schema_version: int = SCHEMA_VERSION


class Item(Record):
    """One benchmark question. Only ``id`` and ``question`` are required."""

    model_config = ConfigDict(extra="allow")  # a user's benchmark may carry more columns
    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    reference_answer: str | None = None
    key_points: list[str] = Field(default_factory=list)
    pitfalls: list[str] = Field(default_factory=list)
    category: str | None = None
    region: str | None = None
    type: str | None = None
    difficulty: str | None = None
    gold_docs: list[str] = Field(default_factory=list)
    variation_note: str | None = None
    split: str | None = None


class RetrievedDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    doc_id: str
    chunk_id: str | None = None
    score: float | None = None


class Answer(Record):
    """One system's answer to one item, with what it cost and what it saw."""

    run_id: str
    item_id: str
    system: str
    system_fingerprint: str
    cache_key: str
    text: str
    answer_hash: str | None = None  # hash of ``text``, stored when written so readers never recompute it
    status: Literal["ok", "error"] = "ok"
    error: str | None = None
    backend: str
    model: str | None = None  # the model the backend reported
    adapter: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_s: float | None = None
    finish_reason: str | None = None
    retrieved: list[RetrievedDoc] = Field(default_factory=list)
    context_tokens: int | None = None
    created_at: str = Field(default_factory=utc_now)


class Score(Record):
    """An automatic, deterministic score of one answer (not a judge's opinion)."""

    run_id: str
    item_id: str
    system: str
    scorer: str
    scorer_version: str
    answer_hash: str
    value: float | None = None
    status: Literal["ok", "skipped"] = "ok"
    reason: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class SystemEntry(BaseModel):
    """One variant of a run: its kind, family, model and a snapshot of what made it (adapter, training)."""

    model_config = ConfigDict(extra="forbid")
    fingerprint: str
    config: dict[str, Any]
    kind: str | None = None  # the registered system kind (rag, sft...); the entry's key is the variant name
    family: str | None = None  # base | prompted | rag | sft | hybrid
    model: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)  # e.g. adapter hash and its training summary


class BenchmarkEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    version: str
    path: str
    split: str | None
    n_items: int
    content_hash: str
    role: str = "main"  # "control": a benchmark run beside the main one, never the leaderboard's subject


class RunManifest(Record):
    run_id: str
    created_at: str = Field(default_factory=utc_now)
    command: list[str]
    git_sha: str | None
    package_versions: dict[str, str]
    backend: str
    model: str
    systems: dict[str, SystemEntry]
    benchmark: BenchmarkEntry
    generation: dict[str, Any]
    seed: int
    rubric: str | None = None  # the rubric the run is judged under


class JudgeRecord(Record):
    """What every judge verdict carries: its cache key, the judge and rubric, status and raw reply."""

    key: str  # hash of (rubric, version, judge fingerprint, item content, answer hashes)
    run_id: str
    item_id: str
    judge: str
    judge_fingerprint: str
    rubric: str
    rubric_version: str
    status: Literal["ok", "unparsed", "error"]
    attempts: int = 1
    raw: str = ""
    created_at: str = Field(default_factory=utc_now)


class Judgment(JudgeRecord):
    """A judge's reference-guided grade of one answer. ``status="unparsed"`` never carries scores."""

    system: str
    answer_hash: str
    answer_chars: int
    scores: dict[str, float] = Field(default_factory=dict)
    flags: dict[str, bool] = Field(default_factory=dict)
    weighted: bool = False


class PairwiseGame(JudgeRecord):
    """One ordering of a pairwise comparison; the leaderboard combines both orders."""

    first_system: str
    second_system: str
    first_hash: str
    second_hash: str
    first_chars: int
    second_chars: int
    verdict: Literal["first", "second", "tie"] | None = None


class SupportJudgment(JudgeRecord):
    """A judge's sentence-by-sentence check of one RAG answer against the passages it retrieved."""

    system: str
    answer_hash: str
    passages_hash: str
    sentences: list[str] = Field(default_factory=list)
    supported: list[bool] = Field(default_factory=list)  # empty unless status is ok
    probabilities: list[float] | None = None  # P("yes") per sentence, from a form-filling judge
    value: float | None = None  # share of sentences supported


class HumanJudgment(Record):
    """One annotator's rubric scores for one blinded answer."""

    export_id: str
    row_id: str
    annotator: str
    item_id: str
    system: str
    answer_hash: str
    rubric: str
    rubric_version: str
    scores: dict[str, int]
    flags: dict[str, bool] = Field(default_factory=dict)
    comment: str = ""
    source: str  # file:row it came from
    created_at: str = Field(default_factory=utc_now)


class HumanPairwise(Record):
    """One annotator's blind A/B preference between two answers to one item (browser rating).

    ``first_system`` is the answer shown as A; ``verdict`` is relative to that order, as in ``PairwiseGame``.
    """

    assignment_id: str
    task_id: str
    annotator: str
    item_id: str
    first_system: str
    second_system: str
    first_hash: str
    second_hash: str
    verdict: Literal["first", "second", "tie"]
    rubric: str
    rubric_version: str
    comment: str = ""
    source: str  # where it was made, e.g. "browser"
    created_at: str = Field(default_factory=utc_now)


class ContrastResult(BaseModel):
    """How a judge ordered one controlled contrast (``better`` should beat ``worse``) over the items."""

    model_config = ConfigDict(extra="forbid")
    name: str
    better: str
    worse: str
    n_items: int
    single_correct: float | None = None  # share of items where the better answer scored higher
    single_worse_wins: float | None = None  # share where the worse answer scored higher
    separation: float | None = None  # mean score(better) - score(worse), in the judge's own scale
    separation_ci: list[float] | None = None  # 95% bootstrap interval over items
    pairwise_correct: float | None = None  # share of items where the better answer won in both orders
    pairwise_worse_wins: float | None = None  # share where the worse answer won in both orders
    position_consistency: float | None = None  # share of items whose two orders agree
    threshold: float | None = None
    passed: bool | None = None


class JudgeCheck(Record):
    """A judge's meta-evaluation on controlled answers (``python -m harness judge check``).

    Keyed by the judge's fingerprint, the rubric's name and version and the benchmark items'
    content hash (with the controls' version, seed, thresholds and whether the faithfulness contrast
    ran), so a rerun reads it back.
    """

    key: str
    judge: str
    judge_fingerprint: str
    rubric: str
    rubric_version: str
    benchmark: str
    benchmark_version: str
    split: str | None = None
    content_hash: str
    controls_version: str
    seed: int
    n_items: int
    scale: str  # what a single score is: "rubric mean 1-5" or "coverage minus pitfalls 0-1"
    contrasts: list[ContrastResult]
    order_correct: float | None  # pooled share of contrasts ordered correctly (pairwise when played)
    order_correct_single: float | None = None
    order_correct_pairwise: float | None = None
    position_consistency: float | None = None
    length_preference: float | None = None  # how often the padded weaker answer beats the reference
    unparsed_rate: float
    # faithfulness contrast (judges that check faithfulness): accuracy on supported, falsified and off_topic
    # sentences, pooled unsupported, balanced (mean of supported and unsupported), unparsed share of replies
    support: dict[str, float | None] | None = None
    support_n: dict[str, int] = Field(default_factory=dict)  # sentences scored per kind, and replies
    thresholds: dict[str, Any]
    passed: bool
    failures: list[str] = Field(default_factory=list)
    created_at: str = Field(default_factory=utc_now)
