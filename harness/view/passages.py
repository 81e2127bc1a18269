"""The passages a retrieval answer saw, re-derived read-only from the corpus named in the run manifest.

Chunk ids are ``<doc_id>#<n>`` (``systems/rag/ingest.py``); the text is rebuilt by splitting that one
document with the run's chunk settings, so no FAISS index is unpickled and no torch is imported.
Files are found by scanning the manifest's corpus folder, never from a path in a request.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from harness.view.render import citations


@lru_cache(maxsize=8)
def corpus_map(corpus: str, stamp: float) -> dict[str, Path]:
    """doc_id -> file of a corpus folder (``stamp`` is the folder's mtime, so an edit refreshes it)."""
    from harness.errors import UserError
    from systems.rag.ingest import corpus_files, load_file

    found = {}
    try:
        files = corpus_files(Path(corpus))
    except UserError:
        return {}
    for path in files:
        stem = str(path.relative_to(corpus).with_suffix("")).replace("\\", "/")
        found.setdefault(stem, path)
        if path.suffix.lower() in (".md", ".markdown"):
            try:
                docs = load_file(path, Path(corpus))
            except UserError:
                continue
            for doc in docs:
                found[doc.metadata["doc_id"]] = path
    return found


@lru_cache(maxsize=256)
def chunks_of(path: Path, corpus: str, chunk_size: int, chunk_overlap: int, stamp: float) -> dict[str, str]:
    from harness.errors import UserError
    from systems.rag.ingest import load_file, split_documents

    try:
        return {c.metadata["chunk_id"]: c.page_content
                for c in split_documents(load_file(path, Path(corpus)), chunk_size, chunk_overlap)}
    except UserError:
        return {}


def passages(answer: dict[str, Any], config: dict[str, Any]) -> list[dict[str, Any]]:
    """[{n, doc_id, chunk_id, score, text, source, cited}] in prompt order ([1] first)."""
    retrieved = answer.get("retrieved") or []
    if not retrieved:
        return []
    corpus = config.get("corpus")
    folder = Path(corpus) if corpus else None
    files = corpus_map(str(folder), folder.stat().st_mtime) if folder and folder.is_dir() else {}
    cited = citations(answer.get("text"))
    found = []
    for n, doc in enumerate(retrieved, start=1):
        path = files.get(doc["doc_id"])
        text = None
        if path is not None and doc.get("chunk_id"):
            text = chunks_of(path, str(folder), int(config.get("chunk_size", 1000)),
                             int(config.get("chunk_overlap", 150)), path.stat().st_mtime).get(doc["chunk_id"])
        found.append({"n": n, "doc_id": doc["doc_id"], "chunk_id": doc.get("chunk_id"), "score": doc.get("score"),
                      "text": text, "source": str(path.relative_to(folder)) if path else None, "cited": n in cited})
    return found
