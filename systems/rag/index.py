"""Build, cache and safely load FAISS indexes.

An index is cached under a key made of the corpus content hash, the embedder and the chunking
parameters; change any of them and it is rebuilt. FAISS ``load_local`` unpickles, so we load
only an index whose manifest carries an HMAC made with this machine's harness key over the
index files' hashes: a tampered or foreign index is refused with a clear message.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from harness.embedded import cache_root
from harness.errors import UserError
from harness.files import replace_dir
from harness.hashing import hash_file, hash_value

INDEX_FORMAT = 1
INDEX_FILES = ("index.faiss", "index.pkl")


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


def signing_key() -> bytes:
    """A per-machine secret; created on first use with owner-only permissions."""
    path = index_root() / ".signing-key"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(32))
    return path.read_bytes()


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
        manifest = json.loads(manifest_path.read_text())
    except (OSError, json.JSONDecodeError):
        raise UserError(f"{folder} has no readable manifest.json; refusing to load an index the harness "
                        "did not write (FAISS indexes are pickles)") from None
    if not hmac.compare_digest(str(manifest.get("signature", "")), sign(manifest)):
        raise UserError(f"the index in {folder} was not written by this harness (signature mismatch); refusing "
                        "to unpickle it", hint="rebuild it with: python -m harness index build --corpus PATH")
    for name in INDEX_FILES:
        if not (folder / name).is_file() or hash_file(folder / name, 64) != manifest["files"][name]:
            raise UserError(f"{folder / name} was modified after the harness wrote it; refusing to load it",
                            hint="rebuild it with: python -m harness index build --corpus PATH")
    return manifest


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
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".build-", dir=folder.parent))
    try:
        store.save_local(str(staging))
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
        replace_dir(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def load(folder: Path, embedder: str):
    """Verify, then load the FAISS store (deserialisation is allowed only after verification)."""
    from langchain_community.vectorstores import FAISS

    manifest = verify(folder)
    store = FAISS.load_local(str(folder), embeddings(embedder), allow_dangerous_deserialization=True)
    return store, manifest


def info(settings: IndexSettings) -> dict:
    from systems.rag.ingest import corpus_hash

    folder = index_root() / settings.key(corpus_hash(Path(settings.corpus)))
    if not folder.is_dir():
        return {"built": False, "folder": str(folder)}
    return {"built": True, "folder": str(folder), **verify(folder)}
