"""Key-point coverage: the share of an item's ``key_points`` an answer covers, and pitfall matches.

Coverage counts only what a key point adds beyond the question. The question's content words
are masked out of the key point and out of the answer before matching, so an answer that only
restates the question covers nothing, even when the key points restate the question in full
("In North India, guests show gratitude by ..."). A key point that adds no word to the question
cannot be checked and leaves the denominator (listed in ``details()["echo_only"]``).

A key point counts as covered when some span of the answer, masked the same way, is close to
its masked text in embedding space (packaged all-MiniLM-L6-v2) or contains most of the words it
adds. A pitfall counts as matched
when a sentence is close to it, closer to it than to every key point (so merely talking about
the same topic is not a hit), and carries no negation (a sentence that refutes the pitfall is
not falling into it). Both are heuristics, labelled as automatic in every report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from harness.records import Item

SCORER = "keypoint_coverage"
SCORER_VERSION = "2"  # 2: the question's words are masked before matching (echo-proof)
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


def stem(word: str) -> str:
    """A crude shared stem (plural 's' off, then the first five letters): 'celebrated' ~ 'celebration'."""
    word = word.lower().removesuffix("'s")
    if word.endswith("s") and len(word) > 3:
        word = word[:-1]
    return word[:5]


def stems(text: str) -> set[str]:
    return {stem(w) for w in content_words(text)}


def mask(text: str, masked: set[str]) -> str:
    """``text`` without the words whose stem is in ``masked`` (the question's content words)."""
    kept = re.sub(r"[a-zA-Z\u0900-\u0DFF']+", lambda m: "" if stem(m.group()) in masked and
                  m.group().lower() not in _STOPWORDS else m.group(), text)
    return re.sub(r"\s+", " ", kept).strip()


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

    echo_only: list[int] = field(default_factory=list)  # key points that add nothing to the question

    def details(self) -> dict:
        return {"covered": self.covered, "similarity": [round(s, 4) for s in self.similarity],
                "pitfalls_hit": self.pitfalls_hit, "n_key_points": len(self.covered), "echo_only": self.echo_only}


def score_answers(items: list[Item], answers: list[str], embedder: str | None = None) -> list[Coverage]:
    """Score each (item, answer) pair; embeds everything in one batch for speed."""
    import numpy as np

    from harness.embedder import embed

    plans, texts = [], []
    for item, answer in zip(items, answers):
        if not item.key_points:  # items without key points are skipped, so nothing of theirs is embedded
            plans.append(None)
            continue
        question = stems(item.question)
        novel = [stems(point) - question for point in item.key_points]
        scorable = [k for k, words in enumerate(novel) if words]
        spans = answer_spans(answer)
        masked_spans = [m for m in (mask(span, question) for span in spans) if stems(m) - question]
        groups = [[mask(item.key_points[k], question) for k in scorable], item.key_points, item.pitfalls, spans,
                  masked_spans]
        plans.append((novel, scorable, [len(g) for g in groups], len(texts)))
        for group in groups:
            texts += group
    vectors = embed(texts, embedder) if texts else np.zeros((0, 1))
    results = []
    for item, answer, plan in zip(items, answers, plans):
        if plan is None:
            results.append(Coverage(None, [], [], [], status="skipped", reason="item has no key_points"))
            continue
        novel, scorable, sizes, cursor = plan
        n_kp = len(item.key_points)
        echo_only = [k for k in range(n_kp) if k not in scorable]
        if not scorable:
            results.append(Coverage(None, [False] * n_kp, [0.0] * n_kp, [], status="skipped",
                                    reason="every key point only restates the question", echo_only=echo_only))
            continue
        bounds = np.cumsum([cursor, *sizes])
        masked_kp, kp, pf, sp, masked_sp = (vectors[bounds[g]:bounds[g + 1]] for g in range(5))
        if not answer.strip() or len(sp) == 0:
            results.append(Coverage(0.0, [False] * n_kp, [0.0] * n_kp, [], echo_only=echo_only))
            continue
        best = (masked_kp @ masked_sp.T).max(axis=1) if len(masked_sp) else np.zeros(len(scorable))
        answer_stems = stems(answer)
        covered, similarity = [False] * n_kp, [0.0] * n_kp
        for k, sim in zip(scorable, best):
            lexical = len(novel[k] & answer_stems) / len(novel[k]) if len(novel[k]) >= 2 else 0.0
            covered[k], similarity[k] = bool(sim >= COVER_SIMILARITY or lexical >= COVER_LEXICAL), float(sim)
        results.append(Coverage(sum(covered) / len(scorable), covered, similarity,
                                _pitfalls_hit(item, kp, pf, sp, answer_spans(answer)), echo_only=echo_only))
    return results


def _pitfalls_hit(item: Item, kp, pf, sp, spans: list[str]) -> list[str]:
    """Pitfalls some sentence falls into: close to it, closer than to any key point, and not negated."""
    if not len(pf):
        return []
    span_to_key_points = (kp @ sp.T).max(axis=0)
    hits = []
    for pitfall, row in zip(item.pitfalls, pf @ sp.T):
        best = int(row.argmax())
        if row[best] >= PITFALL_SIMILARITY and row[best] > span_to_key_points[best] and not _NEGATIONS.search(spans[best]):
            hits.append(pitfall)
    return hits
