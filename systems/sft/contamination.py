"""Contamination guard: training pairs must not contain benchmark questions or near-paraphrases.

Three checks, each with a configurable threshold: word n-gram containment of questions, the same
for answers against reference answers, and embedding similarity of questions (packaged MiniLM).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from harness.records import Item
from systems.sft.data import Pair


@dataclass
class Thresholds:
    ngram_n: int = 6
    question_ngram: float = 0.5  # share of the benchmark question's n-grams found in a training question
    answer_ngram: float = 0.5  # share of a reference answer's n-grams found in a training answer
    question_embedding: float = 0.75  # cosine of questions; MiniLM scores paraphrases ~0.8


@dataclass
class Hit:
    pair_id: str
    item_id: str
    check: str
    value: float


@dataclass
class Report:
    thresholds: Thresholds
    n_pairs: int
    n_items: int
    hits: list[Hit] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.hits

    def to_dict(self) -> dict:
        return {"clean": self.clean, "n_pairs": self.n_pairs, "n_items": self.n_items,
                "thresholds": asdict(self.thresholds), "n_hits": len(self.hits),
                "hits": [asdict(h) for h in self.hits]}


def ngrams(text: str, n: int) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    if len(words) < n:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def containment(small: set, big: set) -> float:
    return len(small & big) / len(small) if small else 0.0


def check(pairs: list[Pair], items: list[Item], thresholds: Thresholds | None = None) -> Report:
    from harness.embedder import embed

    thresholds = thresholds or Thresholds()
    report = Report(thresholds, len(pairs), len(items))
    if not pairs or not items:
        return report
    n = thresholds.ngram_n
    item_q = [ngrams(i.question, n) for i in items]
    item_a = [ngrams(i.reference_answer or "", n) for i in items]
    for pair in pairs:
        pq, pa = ngrams(pair.question, n), ngrams(pair.answer, n)
        for item, iq, ia in zip(items, item_q, item_a):
            q = containment(iq, pq)
            if q >= thresholds.question_ngram:
                report.hits.append(Hit(pair.id, item.id, "question_ngram", round(q, 3)))
            a = containment(ia, pa)
            if ia and a >= thresholds.answer_ngram:
                report.hits.append(Hit(pair.id, item.id, "answer_ngram", round(a, 3)))
    pair_vectors = embed([p.question for p in pairs])
    item_vectors = embed([i.question for i in items])
    sims = pair_vectors @ item_vectors.T
    for row, pair in enumerate(pairs):
        for col in (sims[row] >= thresholds.question_embedding).nonzero()[0]:
            report.hits.append(Hit(pair.id, items[int(col)].id, "question_embedding", round(float(sims[row, col]), 3)))
    return report
