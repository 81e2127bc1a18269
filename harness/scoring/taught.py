"""Taught vs untaught: does an adapter's own training data already teach a benchmark item?

An item is *taught* when one training answer covers at least ``TAUGHT_COVERAGE`` of the item's key
points (the key-point coverage scorer, ``harness/scoring/keypoints.py``, used as is), or one training
question is a near-paraphrase of the item's question (MiniLM cosine >= ``PARAPHRASE_SIMILARITY``).
Knowledge overlap is allowed (the contamination guard refuses only question-level leaks), so this
label is what makes it visible: the leaderboard compares systems on taught and untaught items apart.

Scoring every (item, training answer) pair with the scorer would embed hundreds of thousands of
texts, so a vectorised estimate (the scorer's own span, embedding and word rules over all pairs at
once) picks each item's ``CANDIDATES`` most covering pairs, and only those go through the scorer.
Labels are cached in ``<out>/cache/taught/<key>.jsonl``, keyed by the training data hash, the items'
content hash, the scorer version and this module's version and thresholds.

Use: ``labels = taught_labels(items, training_data(adapter_folder), cache_dir)``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from harness.errors import UserError
from harness.hashing import hash_file, hash_value
from harness.records import Item

TAUGHT_VERSION = "1"
# 0.4 = two of five key points (the benchmark's usual count) from one training answer: enough to carry
# the item's key fact (hist-t070 teaches relig-022's living-worship fact and its Jain temples).
TAUGHT_COVERAGE = 0.4
# The contamination guard's own paraphrase threshold (systems/sft/contamination.py, question_embedding):
# at 0.70-0.74 MiniLM pairs questions on the same topic that ask different things.
PARAPHRASE_SIMILARITY = 0.75
CANDIDATES = 3
FALLBACK_TRAIN_FILE = Path(__file__).resolve().parents[2] / "systems" / "sft" / "data" / "train.jsonl"
COPIED_TRAIN_FILE = "train_data.jsonl"


@dataclass
class TaughtLabel:
    item_id: str
    taught: bool
    reason: str | None  # "coverage", "paraphrase" (both: "coverage"), or None when untaught
    pair_id: str | None  # the training pair whose answer covers the item best
    coverage: float  # that pair's key-point coverage (scorer value)
    question_pair_id: str | None  # the training pair whose question is closest
    question_similarity: float  # MiniLM cosine of the two questions

    @property
    def nearest(self) -> tuple[str | None, float]:
        """The pair that decided the label (or came closest) and its similarity."""
        if self.reason == "paraphrase":
            return self.question_pair_id, self.question_similarity
        return self.pair_id, self.coverage


@dataclass
class TrainingData:
    pairs: list  # systems.sft.data.Pair
    data_hash: str
    source: Path
    mode: str = "sft"


def adapter_folder(config: dict[str, Any]) -> Path | None:
    """The adapter folder a system config points at, or the same name under this repo's adapters/."""
    raw = config.get("adapter")
    if not raw:
        return None
    path = Path(raw)
    if path.is_dir():
        return path
    local = Path(__file__).resolve().parents[2] / "adapters" / path.name
    return local if local.is_dir() else path


def training_data(folder: Path) -> TrainingData:
    """The pairs an adapter was trained on, found from its ``data.json`` and checked against its hash.

    Looks at the copy in the adapter folder (``train_data.jsonl``), then the recorded training file,
    then the repository's ``systems/sft/data/train.jsonl``; a file counts only when its hash is the one
    recorded at training time. ``max_train_examples`` is honoured through the recorded example count.
    """
    from systems.sft.data import load_pairs

    report_path = Path(folder) / "data.json"
    if not report_path.is_file():
        raise UserError(f"adapter {folder} has no data.json, so its training data cannot be found",
                        hint="retrain it with: python -m systems.sft.train")
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise UserError(f"unreadable JSON: {exc.msg}", where=f"{report_path}:{exc.lineno}") from None
    mode = report.get("mode", "sft")
    if mode != "sft":
        return TrainingData([], "", report_path, mode)
    hashes = report.get("data_hashes") or {}
    recorded = report.get("train_file") or next(iter(hashes), None)
    wanted = hashes.get(recorded) if recorded else None
    if wanted is None:
        raise UserError(f"{report_path} records no training file hash", hint="retrain the adapter")
    for candidate in (Path(folder) / COPIED_TRAIN_FILE, Path(recorded), FALLBACK_TRAIN_FILE):
        if candidate.is_file() and hash_file(candidate, len(wanted)) == wanted:
            pairs = load_pairs(candidate)
            if report.get("train_examples"):
                pairs = pairs[: int(report["train_examples"])]
            return TrainingData(pairs, wanted, candidate, mode)
    raise UserError(f"no file with the training data hash {wanted} recorded in {report_path} (looked at "
                    f"{COPIED_TRAIN_FILE} in the adapter, {recorded}, {FALLBACK_TRAIN_FILE})",
                    hint="the training file changed since the adapter was trained; retrain it")


def _estimate(items: list[Item], pairs: list, embedder: str | None):
    """(items x pairs) estimated coverage and question cosine, from the scorer's own rules vectorised."""
    import numpy as np
    from scipy import sparse

    from harness.embedder import embed
    from harness.scoring.keypoints import COVER_LEXICAL, COVER_SIMILARITY, answer_spans, content_words

    spans, owner = [], []
    for n, pair in enumerate(pairs):
        for span in answer_spans(pair.answer):
            spans.append(span)
            owner.append(n)
    points = [(row, kp) for row, item in enumerate(items) for kp in item.key_points]
    vectors = embed([kp for _, kp in points] + spans + [i.question for i in items] + [p.question for p in pairs],
                    embedder)
    n_kp, n_sp, n_it = len(points), len(spans), len(items)
    kp_vec, sp_vec = vectors[:n_kp], vectors[n_kp : n_kp + n_sp]
    item_q, pair_q = vectors[n_kp + n_sp : n_kp + n_sp + n_it], vectors[n_kp + n_sp + n_it :]
    # best span per (key point, pair): spans are grouped by pair, so a segment max does it
    starts = np.flatnonzero(np.r_[True, np.diff(owner) != 0])
    has_spans = sorted(set(owner))
    best = np.zeros((n_kp, len(pairs)), dtype=np.float32)
    for lo in range(0, n_kp, 256):
        best[lo : lo + 256][:, has_spans] = np.maximum.reduceat(kp_vec[lo : lo + 256] @ sp_vec.T, starts, axis=1)
    vocab: dict[str, int] = {}

    def indicator(texts: list[str]):
        rows, cols = [], []
        for r, text in enumerate(texts):
            for word in content_words(text):
                rows.append(r)
                cols.append(vocab.setdefault(word, len(vocab)))
        return rows, cols

    kr, kc = indicator([kp for _, kp in points])
    ar, ac = indicator([p.answer for p in pairs])
    shape = len(vocab)
    kp_words = sparse.csr_matrix((np.ones(len(kr)), (kr, kc)), shape=(n_kp, shape))
    answer_words = sparse.csr_matrix((np.ones(len(ar)), (ar, ac)), shape=(len(pairs), shape))
    needed = np.asarray(kp_words.sum(axis=1)).ravel()
    shared = (kp_words @ answer_words.T).toarray()
    lexical = np.where(needed[:, None] >= 2, shared / np.maximum(needed[:, None], 1), 0.0)
    covered = (best >= COVER_SIMILARITY) | (lexical >= COVER_LEXICAL)
    estimate = np.zeros((n_it, len(pairs)))
    rows = np.array([row for row, _ in points], dtype=int)
    np.add.at(estimate, rows, covered)
    counts = np.bincount(rows, minlength=n_it) if n_kp else np.zeros(n_it)
    estimate = estimate / np.maximum(counts, 1)[:, None]
    return estimate, item_q @ pair_q.T


def label_items(items: list[Item], pairs: list, embedder: str | None = None) -> list[TaughtLabel]:
    """One label per item against training pairs (objects with ``id``, ``question`` and ``answer``)."""
    import numpy as np

    from harness.scoring.keypoints import score_answers

    if not items:
        return []
    if not pairs:
        return [TaughtLabel(i.id, False, None, None, 0.0, None, 0.0) for i in items]
    estimate, question_sims = _estimate(items, pairs, embedder)
    k = min(CANDIDATES, len(pairs))
    candidates = {row: [int(c) for c in np.argsort(-estimate[row], kind="stable")[:k]]
                  for row, item in enumerate(items) if item.key_points}
    flat = [(row, col) for row, cols in candidates.items() for col in cols]
    scored = score_answers([items[row] for row, _ in flat], [pairs[col].answer for _, col in flat], embedder)
    best: dict[int, tuple[float, int]] = {}
    for (row, col), coverage in zip(flat, scored):
        value = coverage.value or 0.0
        if row not in best or value > best[row][0]:
            best[row] = (value, col)
    labels = []
    for row, item in enumerate(items):
        value, col = best.get(row, (0.0, None))
        q_col = int(question_sims[row].argmax())
        q_sim = float(question_sims[row, q_col])
        by_coverage = col is not None and value >= TAUGHT_COVERAGE
        by_question = q_sim >= PARAPHRASE_SIMILARITY
        reason = "coverage" if by_coverage else "paraphrase" if by_question else None
        labels.append(TaughtLabel(item.id, reason is not None, reason, pairs[col].id if col is not None else None,
                                  round(float(value), 4), pairs[q_col].id, round(q_sim, 4)))
    return labels


def cache_key(items: list[Item], data_hash: str, n_pairs: int, embedder: str | None = None) -> str:
    from harness.scoring.keypoints import SCORER_VERSION

    return hash_value({"taught": TAUGHT_VERSION, "coverage": TAUGHT_COVERAGE, "paraphrase": PARAPHRASE_SIMILARITY,
                       "candidates": CANDIDATES, "scorer": SCORER_VERSION, "embedder": embedder,
                       "data": data_hash, "pairs": n_pairs,
                       "items": hash_value([i.model_dump(mode="json") for i in items])})


def cached_labels(items: list[Item], training: TrainingData, cache_dir: Path,
                  embedder: str | None = None) -> dict[str, TaughtLabel] | None:
    """The labels ``taught_labels`` wrote for exactly these items and data, or None: never computes
    (readers such as the viewer must not load an embedding model)."""
    path = Path(cache_dir) / f"{cache_key(items, training.data_hash, len(training.pairs), embedder)}.jsonl"
    if not path.is_file():
        return None
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {r["item_id"]: TaughtLabel(**r) for r in rows}


def taught_labels(items: list[Item], training: TrainingData, cache_dir: Path | None = None,
                  embedder: str | None = None) -> dict[str, TaughtLabel]:
    """{item id: label}, read from ``cache_dir/<key>.jsonl`` when there, else computed and written there."""
    from harness.store import write_text_atomic

    path = None
    if cache_dir is not None:  # written whole by a rename, so a reader never sees half of it
        found = cached_labels(items, training, cache_dir, embedder)
        if found is not None:
            return found
        path = Path(cache_dir) / f"{cache_key(items, training.data_hash, len(training.pairs), embedder)}.jsonl"
    labels = label_items(items, training.pairs, embedder)
    if path is not None:
        write_text_atomic(path, "".join(json.dumps(asdict(label)) + "\n" for label in labels))
    return {label.item_id: label for label in labels}
