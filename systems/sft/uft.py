"""Unsupervised fine-tuning data: the raw corpus text, for continued pretraining (no Q&A pairs)."""

from __future__ import annotations

import random


def corpus_texts(corpus: str, *, seed: int, val_share: float = 0.05) -> tuple[list[str], list[str]]:
    """Document texts split into train and validation by document (no document is in both)."""
    from systems.rag.ingest import load_corpus

    documents = load_corpus(corpus)
    texts = [d.page_content.strip() for d in documents]
    random.Random(seed).shuffle(texts)
    n_val = max(1, round(len(texts) * val_share)) if len(texts) > 1 else 0
    return texts[n_val:] or texts, texts[:n_val] or texts
