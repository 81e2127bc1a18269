"""RAG diagnostics per answer and item: faithfulness to the retrieved passages, context recall, and where
each missed key point was lost (retrieval or generation).

- *faithfulness*: the share of answer sentences supported by the retrieved passages; a sentence is
  supported when some passage span is close to it (MiniLM cosine >= ``SUPPORT_SIMILARITY``) or the
  passages hold at least ``SUPPORT_LEXICAL`` of its content words;
- *context recall*: the share of an item's key points present in the retrieved passages, by the
  key-point coverage scorer run on the passages as if they were an answer;
- *misses*: each key point the answer lacks is "retrieval missed" when the passages lack it too,
  "generation missed" when the passages held it.

Passage text comes from ``load_passages``: the corpus is re-chunked exactly as the index was built
(``systems/rag/ingest.py``), so nothing is read from the index's docstore and nothing is unpickled.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from harness.records import Item

FAITHFULNESS_VERSION = "1"
SUPPORT_SIMILARITY = 0.70
SUPPORT_LEXICAL = 0.80


@lru_cache(maxsize=4)
def _chunks(corpus: str, chunk_size: int, chunk_overlap: int) -> dict[str, str]:
    from systems.rag.ingest import load_corpus, split_documents

    chunks = split_documents(load_corpus(Path(corpus)), chunk_size, chunk_overlap)
    return {c.metadata["chunk_id"]: c.page_content for c in chunks}


def load_passages(chunk_ids: list[str], config: dict | None = None) -> dict[str, str]:
    """{chunk id: text} for the chunk ids a RAG answer recorded, from its system config's corpus and chunking
    (defaults: the shipped corpus, 1000/150). Ids the corpus no longer has are left out."""
    from systems.rag.system import RagConfig

    defaults = RagConfig()
    config = config or {}
    found = _chunks(str(config.get("corpus") or defaults.corpus), int(config.get("chunk_size") or defaults.chunk_size),
                    int(config.get("chunk_overlap", defaults.chunk_overlap)))
    return {c: found[c] for c in chunk_ids if c in found}


@dataclass
class Faithfulness:
    value: float | None  # None when the answer has no sentence to check
    supported: list[bool]
    sentences: list[str]


def faithfulness(answers: list[str], passages: list[list[str]], embedder: str | None = None) -> list[Faithfulness]:
    """Per answer, the share of its sentences that its own retrieved passages support."""
    import numpy as np

    from harness.embedder import embed
    from harness.scoring.keypoints import answer_spans, content_words

    sentences_of = [sentences(a) for a in answers]
    spans = [[s for p in ps for s in answer_spans(p)] for ps in passages]
    texts = [t for ss, sp in zip(sentences_of, spans) for t in ss + sp]
    vectors = embed(texts, embedder) if texts else np.zeros((0, 1))
    results, cursor = [], 0
    for own, their, ps in zip(sentences_of, spans, passages):
        s_vec, p_vec = vectors[cursor : cursor + len(own)], vectors[cursor + len(own) : cursor + len(own) + len(their)]
        cursor += len(own) + len(their)
        if not own:
            results.append(Faithfulness(None, [], []))
            continue
        words = content_words(" ".join(ps))
        sims = (s_vec @ p_vec.T).max(axis=1) if len(their) else np.zeros(len(own))
        supported = []
        for sentence, sim in zip(own, sims):
            needed = content_words(sentence)
            lexical = len(needed & words) / len(needed) if needed else 0.0
            supported.append(bool(sim >= SUPPORT_SIMILARITY or (len(needed) >= 3 and lexical >= SUPPORT_LEXICAL)))
        results.append(Faithfulness(sum(supported) / len(supported), supported, own))
    return results


def sentences(text: str) -> list[str]:
    """An answer's sentences (clauses ending in . ! ? ; : or a line break), as both faithfulness checks see them."""
    import re

    return [s.strip() for s in re.split(r"(?<=[.!?;:])\s+|\n+", text) if len(s.strip()) > 2]


@dataclass
class KeyPointMisses:
    in_passages: list[bool]  # per key point: present in the retrieved passages (context recall)
    in_answer: list[bool]  # per key point: covered by the answer

    @property
    def context_recall(self) -> float | None:
        return sum(self.in_passages) / len(self.in_passages) if self.in_passages else None

    @property
    def retrieval_missed(self) -> int:
        return sum(not p and not a for p, a in zip(self.in_passages, self.in_answer))

    @property
    def generation_missed(self) -> int:
        return sum(p and not a for p, a in zip(self.in_passages, self.in_answer))


def key_point_misses(items: list[Item], passages: list[list[str]], answer_covered: list[list[bool]],
                     embedder: str | None = None) -> list[KeyPointMisses]:
    """Per item: which key points the passages hold (the coverage scorer on the joined passages) and which
    the answer covered (``answer_covered``, e.g. the stored score's ``details.covered``)."""
    from harness.scoring.keypoints import score_answers

    coverage = score_answers(items, ["\n\n".join(ps) for ps in passages], embedder)
    return [KeyPointMisses(list(c.covered), list(covered)) for c, covered in zip(coverage, answer_covered)]
