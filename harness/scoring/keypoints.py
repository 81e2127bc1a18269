"""Key-point coverage: the share of an item's ``key_points`` an answer covers, and pitfall matches.

A key point counts as covered when some span of the answer is close to it in embedding space
(packaged all-MiniLM-L6-v2) or contains most of its content words. A pitfall counts as matched
when a sentence is close to it, closer to it than to every key point (so merely talking about
the same topic is not a hit), and carries no negation (a sentence that refutes the pitfall is
not falling into it). Both are heuristics, labelled as automatic in every report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.records import Item

SCORER = "keypoint_coverage"
SCORER_VERSION = "1"
COVER_SIMILARITY = 0.65
COVER_LEXICAL = 0.75
PITFALL_SIMILARITY = 0.72

_STOPWORDS = set(
    "a an the and or of in on at to for from by with is are was were be been being it its this that these those "
    "as into than then so such not no do does did has have had can could may might must should would will their "
    "there they them he she his her you your we our i me my who whom which what when where why how all any some "
    "more most many much very also often usually one two".split()
)
_NEGATIONS = re.compile(r"\b(not|no|never|isn't|aren't|doesn't|don't|wasn't|weren't|myth|misconception|"
                        r"incorrect|untrue|false|wrong|rather than|instead of)\b", re.IGNORECASE)


def content_words(text: str) -> set[str]:
    words = re.findall(r"[a-zA-Z\u0900-\u0DFF]+", text.lower())
    return {w[:-1] if w.endswith("s") and len(w) > 3 else w for w in words if w not in _STOPWORDS and len(w) > 1}


def answer_spans(text: str) -> list[str]:
    """Sentences, their clauses, and adjacent sentence pairs, so a point matches at any grain."""
    sentences = [s.strip() for s in re.split(r"(?<=[.!?;:])\s+|\n+", text) if len(s.strip()) > 2]
    clauses = [c.strip() for s in sentences for c in re.split(r",\s+|\s+and\s+|\s+but\s+", s)
               if len(c.strip()) > 12 and c.strip() != s]
    pairs = [f"{a} {b}" for a, b in zip(sentences, sentences[1:])]
    return sentences + clauses + pairs


@dataclass
class Coverage:
    value: float | None
    covered: list[bool]
    similarity: list[float]
    pitfalls_hit: list[str]
    status: str = "ok"
    reason: str | None = None

    def details(self) -> dict:
        return {"covered": self.covered, "similarity": [round(s, 4) for s in self.similarity],
                "pitfalls_hit": self.pitfalls_hit, "n_key_points": len(self.covered)}


def score_answers(items: list[Item], answers: list[str], embedder: str | None = None) -> list[Coverage]:
    """Score each (item, answer) pair; embeds everything in one batch for speed."""
    import numpy as np

    from harness.embedder import embed

    spans = [answer_spans(a) for a in answers]
    texts: list[str] = []
    for item, item_spans in zip(items, spans):
        if item.key_points:  # items without key points are skipped, so nothing of theirs is embedded
            texts += item.key_points + item.pitfalls + item_spans
    vectors = embed(texts, embedder) if texts else np.zeros((0, 1))
    results, cursor = [], 0
    for item, answer, item_spans in zip(items, answers, spans):
        if not item.key_points:
            results.append(Coverage(None, [], [], [], status="skipped", reason="item has no key_points"))
            continue
        n_kp, n_pf, n_sp = len(item.key_points), len(item.pitfalls), len(item_spans)
        kp = vectors[cursor : cursor + n_kp]
        pf = vectors[cursor + n_kp : cursor + n_kp + n_pf]
        sp = vectors[cursor + n_kp + n_pf : cursor + n_kp + n_pf + n_sp]
        cursor += n_kp + n_pf + n_sp
        if not answer.strip() or n_sp == 0:
            results.append(Coverage(0.0, [False] * n_kp, [0.0] * n_kp, []))
            continue
        kp_sp = kp @ sp.T
        sims = kp_sp.max(axis=1)
        words = content_words(answer)
        covered = []
        for point, sim in zip(item.key_points, sims):
            needed = content_words(point)
            lexical = len(needed & words) / len(needed) if len(needed) >= 2 else 0.0
            covered.append(bool(sim >= COVER_SIMILARITY or lexical >= COVER_LEXICAL))
        hits = []
        if n_pf:
            pf_sims = pf @ sp.T
            span_to_key_points = kp_sp.max(axis=0)
            for pitfall, row in zip(item.pitfalls, pf_sims):
                best = int(row.argmax())
                if (row[best] >= PITFALL_SIMILARITY and row[best] > span_to_key_points[best]
                        and not _NEGATIONS.search(item_spans[best])):
                    hits.append(pitfall)
        results.append(Coverage(sum(covered) / n_kp, covered, [float(s) for s in sims], hits))
    return results
