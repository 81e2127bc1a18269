"""Sentence embeddings with the packaged all-MiniLM-L6-v2 (or any sentence-transformers model)."""

from __future__ import annotations

from functools import lru_cache

from harness import embedded

EMBEDDED_EMBEDDER = "all-MiniLM-L6-v2"


def embedder_location(model: str | None = None) -> str:
    if model in (None, "embedded", EMBEDDED_EMBEDDER, "sentence-transformers/all-MiniLM-L6-v2"):
        return str(embedded.embedder_path())
    return model


@lru_cache(maxsize=2)
def load_embedder(model: str | None = None, device: str = "cpu"):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(embedder_location(model), device=device)


MEMO_LIMIT = 50_000  # vectors kept per process (384 floats each: about 75 MB at the limit)
_memo: dict[tuple[str | None, str], object] = {}


def embed(texts: list[str], model: str | None = None, batch_size: int = 64):
    """Unit-normalised embeddings as a float32 numpy array (rows match ``texts``).

    Each distinct text is encoded once per process: the report embeds the same passages, key points
    and answers for several sections, and a text's vector does not depend on what else is asked."""
    import numpy as np

    encoder = load_embedder(model)
    missing = list(dict.fromkeys(t for t in texts if (model, t) not in _memo))
    if missing:
        vectors = encoder.encode(missing, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
                                 show_progress_bar=False)
        if len(_memo) + len(missing) > MEMO_LIMIT:
            _memo.clear()
        _memo.update(((model, t), v) for t, v in zip(missing, vectors))
    if not texts:
        return encoder.encode([], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    return np.stack([_memo[(model, t)] for t in texts]).astype(np.float32, copy=False)
