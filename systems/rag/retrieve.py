"""Dense top-k, MMR, or hybrid BM25 + dense fused by reciprocal rank (RRF)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

SearchKind = Literal["dense", "mmr", "hybrid"]
RRF_K = 60


@dataclass
class Hit:
    doc_id: str
    chunk_id: str
    score: float
    text: str
    title: str | None = None


def tokenize(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


class Retriever:
    def __init__(self, store, embedder_model, search: SearchKind = "dense", k: int = 4, fetch_k: int = 20,
                 mmr_lambda: float = 0.5):
        self.store = store
        self.embedder = embedder_model
        self.search, self.k, self.fetch_k, self.mmr_lambda = search, k, max(fetch_k, k), mmr_lambda
        self._bm25 = None

    @property
    def chunks(self):
        docstore = self.store.docstore._dict
        return [docstore[self.store.index_to_docstore_id[i]] for i in range(len(self.store.index_to_docstore_id))]

    @property
    def bm25(self):
        if self._bm25 is None:
            from rank_bm25 import BM25Okapi

            chunks = self.chunks
            self._bm25 = (BM25Okapi([tokenize(c.page_content) for c in chunks]), chunks)
        return self._bm25

    def retrieve(self, queries: list[str]) -> list[list[Hit]]:
        vectors = self.embedder.embed_documents(queries) if queries else []
        return [self._one(q, v) for q, v in zip(queries, vectors)]

    def _one(self, query: str, vector: list[float]) -> list[Hit]:
        if self.search == "mmr":
            pairs = self.store.max_marginal_relevance_search_with_score_by_vector(
                vector, k=self.k, fetch_k=self.fetch_k, lambda_mult=self.mmr_lambda)
            return [hit(doc, score) for doc, score in pairs]
        dense = self.store.similarity_search_with_score_by_vector(
            vector, k=self.fetch_k if self.search == "hybrid" else self.k)
        if self.search == "dense":
            return [hit(doc, score) for doc, score in dense]
        return self._fuse(query, dense)

    def _fuse(self, query: str, dense) -> list[Hit]:
        import numpy as np

        bm25, chunks = self.bm25
        lexical = np.argsort(-bm25.get_scores(tokenize(query)))[: self.fetch_k]
        fused: dict[str, float] = {}
        docs = {}
        for rank, (doc, _) in enumerate(dense):
            fused[doc.metadata["chunk_id"]] = fused.get(doc.metadata["chunk_id"], 0.0) + 1 / (RRF_K + rank + 1)
            docs[doc.metadata["chunk_id"]] = doc
        for rank, index in enumerate(lexical):
            doc = chunks[int(index)]
            fused[doc.metadata["chunk_id"]] = fused.get(doc.metadata["chunk_id"], 0.0) + 1 / (RRF_K + rank + 1)
            docs[doc.metadata["chunk_id"]] = doc
        best = sorted(fused.items(), key=lambda kv: -kv[1])[: self.k]
        return [hit(docs[chunk_id], score) for chunk_id, score in best]


def hit(doc, score: float) -> Hit:
    return Hit(doc_id=doc.metadata["doc_id"], chunk_id=doc.metadata["chunk_id"], score=round(float(score), 5),
               text=doc.page_content, title=doc.metadata.get("title"))
