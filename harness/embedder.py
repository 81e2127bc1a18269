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


def embed(texts: list[str], model: str | None = None, batch_size: int = 64):
    """Unit-normalised embeddings as a float32 numpy array (rows match ``texts``)."""
    encoder = load_embedder(model)
    return encoder.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
                          show_progress_bar=False)
