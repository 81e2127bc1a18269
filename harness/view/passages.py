"""The passages a retrieval answer saw, read-only: from the signed index's ``docstore.json`` when the
index for the run's corpus and chunk settings is built, else re-derived from the corpus.

Chunk ids are ``<doc_id>#<n>`` (``systems/rag/ingest.py``); re-deriving splits that one document with
the run's chunk settings, which gives the same text while the corpus is unchanged. No torch is imported.
Files are found by scanning the manifest's corpus folder, never from a path in a request.
"""

from __future__ import annotations

import json
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


@lru_cache(maxsize=4)
def index_chunks(corpus: str, embedder: str, chunk_size: int, chunk_overlap: int, stamp: float) -> dict[str, str]:
    """chunk_id -> text from the built index of these settings, or {} when none is built or its docstore
    does not match its manifest. (The HMAC check stays with loading: ``verify`` may create the signing
    key, and a viewer writes nothing; the JSON docstore is parsed, never unpickled, and shown escaped.)"""
    from harness.errors import UserError
    from harness.hashing import hash_file
    from systems.rag.index import IndexSettings, index_root
    from systems.rag.ingest import corpus_hash

    try:
        settings = IndexSettings(corpus=corpus, embedder=embedder, chunk_size=chunk_size, chunk_overlap=chunk_overlap)
        folder = index_root() / settings.key(corpus_hash(Path(corpus)))
        docstore = folder / "docstore.json"
        if not docstore.is_file():
            return {}
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        if manifest["files"]["docstore.json"] != hash_file(docstore, 64):
            return {}
        docs = json.loads(docstore.read_text(encoding="utf-8"))["docs"]
        return {d["metadata"]["chunk_id"]: d["page_content"] for d in docs.values() if "chunk_id" in d["metadata"]}
    except (UserError, OSError, ValueError, KeyError, TypeError):
        return {}


def passages(answer: dict[str, Any], config: dict[str, Any]) -> list[dict[str, Any]]:
    """[{n, doc_id, chunk_id, score, text, source, cited}] in prompt order ([1] first)."""
    retrieved = answer.get("retrieved") or []
    if not retrieved:
        return []
    corpus = config.get("corpus")
    folder = Path(corpus) if corpus else None
    usable = bool(folder and folder.is_dir())
    files = corpus_map(str(folder), folder.stat().st_mtime) if usable else {}
    size, overlap = int(config.get("chunk_size", 1000)), int(config.get("chunk_overlap", 150))
    indexed = index_chunks(str(folder), str(config.get("embedder", "embedded")), size, overlap,
                           folder.stat().st_mtime) if usable else {}
    cited = citations(answer.get("text"))
    found = []
    for n, doc in enumerate(retrieved, start=1):
        path = files.get(doc["doc_id"])
        text, origin = indexed.get(doc.get("chunk_id")), "index"
        if text is None and path is not None and doc.get("chunk_id"):
            text = chunks_of(path, str(folder), size, overlap, path.stat().st_mtime).get(doc["chunk_id"])
            origin = "corpus"
        found.append({"n": n, "doc_id": doc["doc_id"], "chunk_id": doc.get("chunk_id"), "score": doc.get("score"),
                      "text": text, "origin": origin if text else None,
                      "source": str(path.relative_to(folder)) if path else None, "cited": n in cited})
    return found
