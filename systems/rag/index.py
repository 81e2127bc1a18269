"""Build, cache and safely load FAISS indexes.

An index is cached under a key made of the corpus content hash, the embedder and the chunking
parameters; change any of them and it is rebuilt. Nothing is unpickled: the vectors are read with
``faiss.read_index`` and the chunks from ``docstore.json`` (langchain's ``save_local`` pickles
them). Before reading, the manifest's HMAC over the files' hashes is checked with a per-user key
kept outside the cache (``$XDG_CONFIG_HOME/sft-vs-rag-harness/``, mode 0600), so a tampered or
foreign index is refused with a clear message, and nothing found in the cache folder can re-sign one.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from harness.embedded import cache_root
from harness.errors import UserError
from harness.files import staging_dir
from harness.hashing import hash_file, hash_value

INDEX_FORMAT = 2  # 2: docstore.json instead of langchain's index.pkl
INDEX_FILES = ("index.faiss", "docstore.json")


@dataclass(frozen=True)
class IndexSettings:
    corpus: str
    embedder: str = "embedded"
    chunk_size: int = 1000
    chunk_overlap: int = 150

    def key(self, corpus_hash: str) -> str:
        return hash_value({"format": INDEX_FORMAT, "corpus": corpus_hash, "embedder": self.embedder,
                           "chunk_size": self.chunk_size, "chunk_overlap": self.chunk_overlap})


def index_root() -> Path:
    return Path(os.environ.get("HARNESS_INDEX_DIR") or cache_root() / "index")


def key_path() -> Path:
    """The signing key's place: the user's config folder, never next to the indexes it signs."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "sft-vs-rag-harness" / "index-signing.key"


def signing_key() -> bytes:
    """A per-user secret, created on first use with owner-only permissions; refused when anyone else
    could have written it (or replaced it: its folder is checked too)."""
    import stat

    path = key_path()
    (index_root() / ".signing-key").unlink(missing_ok=True)  # the old place, beside the indexes
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_bytes(32))
    for checked in (path, path.parent):
        info = checked.stat()
        if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) or info.st_uid != os.getuid():
            raise UserError(f"refusing the index signing key: {checked} is writable by other users or not yours",
                            hint=f"chmod 600 {path} and chmod 700 {path.parent}, or delete the key "
                                 "(indexes are then rebuilt)")
    key = path.read_bytes()
    if len(key) < 32:
        raise UserError(f"the index signing key {path} is truncated", hint="delete it; indexes are then rebuilt")
    return key


def sign(manifest: dict) -> str:
    body = json.dumps({k: v for k, v in manifest.items() if k != "signature"}, sort_keys=True).encode()
    return hmac.new(signing_key(), body, hashlib.sha256).hexdigest()


@functools.lru_cache(maxsize=2)
def embeddings(embedder: str):
    """One embedding model per embedder for the process: building and loading indexes share it."""
    from langchain_huggingface import HuggingFaceEmbeddings

    from harness.embedder import embedder_location

    return HuggingFaceEmbeddings(model_name=embedder_location(embedder), model_kwargs={"device": "cpu"},
                                 encode_kwargs={"normalize_embeddings": True, "batch_size": 64})


def verify(folder: Path) -> dict:
    """Return the manifest if this harness wrote the index and nobody changed it; else refuse."""
    manifest_path = folder / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise UserError(f"{folder} has no readable manifest.json; refusing to load an index the harness "
                        "did not write", hint="rebuild it with: python -m harness index build --corpus PATH")
    if not hmac.compare_digest(str(manifest.get("signature", "")), sign(manifest)):
        raise UserError(f"the index in {folder} was not written by this harness (signature mismatch); refusing "
                        "to load it", hint="rebuild it with: python -m harness index build --corpus PATH")
    for name in INDEX_FILES:
        if not (folder / name).is_file() or hash_file(folder / name, 64) != manifest["files"].get(name):
            raise UserError(f"{folder / name} was modified after the harness wrote it; refusing to load it",
                            hint="rebuild it with: python -m harness index build --corpus PATH")
    return manifest


def save(store, folder: Path) -> None:
    """The FAISS vectors with faiss.write_index, the chunks as JSON: no pickle, unlike save_local."""
    import faiss

    faiss.write_index(store.index, str(folder / "index.faiss"))
    ids = [store.index_to_docstore_id[i] for i in range(len(store.index_to_docstore_id))]
    docs = {doc_id: {"page_content": store.docstore.search(doc_id).page_content,
                     "metadata": store.docstore.search(doc_id).metadata} for doc_id in ids}
    (folder / "docstore.json").write_text(json.dumps({"ids": ids, "docs": docs}, ensure_ascii=False),
                                          encoding="utf-8")


def build(settings: IndexSettings, *, force: bool = False, progress=None) -> Path:
    """Build (or reuse) the index for ``settings``; returns its folder."""
    from langchain_community.vectorstores import FAISS
    from langchain_community.vectorstores.utils import DistanceStrategy

    from systems.rag.ingest import corpus_hash, load_corpus, split_documents

    corpus = Path(settings.corpus)
    digest = corpus_hash(corpus)
    folder = index_root() / settings.key(digest)
    if folder.is_dir() and not force:
        verify(folder)
        return folder
    started = time.perf_counter()
    documents = load_corpus(corpus)
    chunks = split_documents(documents, settings.chunk_size, settings.chunk_overlap)
    store = FAISS.from_documents(chunks, embeddings(settings.embedder),
                                 distance_strategy=DistanceStrategy.MAX_INNER_PRODUCT)
    with staging_dir(folder, prefix=".build-") as staging:
        save(store, staging)
        manifest = {
            "format": INDEX_FORMAT, "key": folder.name, "corpus": str(corpus.resolve()), "corpus_hash": digest,
            "embedder": settings.embedder, "chunk_size": settings.chunk_size,
            "chunk_overlap": settings.chunk_overlap, "documents": len({d.metadata["doc_id"] for d in documents}),
            "chunks": len(chunks), "build_seconds": round(time.perf_counter() - started, 2),
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "files": {name: hash_file(staging / name, 64) for name in INDEX_FILES},
        }
        manifest["signature"] = sign(manifest)
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return folder


def load(folder: Path, embedder: str):
    """Verify, then load the FAISS store from the vectors and the JSON docstore (nothing is unpickled)."""
    import faiss
    from langchain_community.docstore.in_memory import InMemoryDocstore
    from langchain_community.vectorstores import FAISS
    from langchain_core.documents import Document

    manifest = verify(folder)
    data = json.loads((folder / "docstore.json").read_text(encoding="utf-8"))
    docstore = InMemoryDocstore({doc_id: Document(page_content=d["page_content"], metadata=d["metadata"])
                                 for doc_id, d in data["docs"].items()})
    store = FAISS(embeddings(embedder), faiss.read_index(str(folder / "index.faiss")), docstore,
                  dict(enumerate(data["ids"])))
    return store, manifest


def info(settings: IndexSettings) -> dict:
    from systems.rag.ingest import corpus_hash

    folder = index_root() / settings.key(corpus_hash(Path(settings.corpus)))
    if not folder.is_dir():
        return {"built": False, "folder": str(folder)}
    return {"built": True, "folder": str(folder), **verify(folder)}
