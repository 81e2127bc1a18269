"""Load a corpus folder into langchain Documents: .md (with YAML front matter), .txt, .html, .pdf.

Every document gets a ``doc_id`` (the front matter ``id``, else its path inside the corpus without
the suffix), which benchmark items cite in ``gold_docs`` and retrieval metrics compare against.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from harness.errors import UserError

SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm", ".pdf")


def corpus_files(corpus: Path) -> list[Path]:
    corpus = Path(corpus)
    if not corpus.is_dir():
        raise UserError(f"corpus folder {corpus} does not exist")
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                   and not any(part.startswith(".") for part in p.relative_to(corpus).parts))
    if not files:
        raise UserError(f"corpus folder {corpus} holds no .md, .txt, .html or .pdf files")
    return files


def corpus_hash(corpus: Path) -> str:
    """Content hash of every corpus file (names and bytes); any edit changes it."""
    digest = hashlib.sha256()
    for file in corpus_files(corpus):
        digest.update(str(file.relative_to(corpus)).encode() + b"\0")
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()[:16]


def split_front_matter(text: str, where: str) -> tuple[dict, str]:
    import yaml

    if not text.startswith("---"):
        return {}, text
    end = text.find("\n---", 3)
    if end == -1:
        raise UserError("front matter starts with '---' but never closes", where=where)
    try:
        meta = yaml.safe_load(text[3:end]) or {}
    except yaml.YAMLError as exc:
        raise UserError(f"invalid front matter: {exc}", where=where) from None
    if not isinstance(meta, dict):
        raise UserError("front matter must be a mapping", where=where)
    return meta, text[end + 4 :].lstrip("\n")


def load_file(path: Path, corpus: Path):
    """One file -> a list of Documents (PDFs give one per page), with doc_id and metadata set."""
    from langchain_core.documents import Document

    suffix = path.suffix.lower()
    doc_id = str(path.relative_to(corpus).with_suffix("")).replace("\\", "/")
    try:
        if suffix in (".md", ".markdown", ".txt"):
            from langchain_community.document_loaders import TextLoader

            [raw] = TextLoader(str(path), encoding="utf-8").load()
            meta, body = split_front_matter(raw.page_content, str(path)) if suffix != ".txt" else ({}, raw.page_content)
            docs = [Document(page_content=body, metadata={k: v for k, v in meta.items() if k != "id"})]
            doc_id = str(meta.get("id", doc_id))
        elif suffix in (".html", ".htm"):
            from langchain_community.document_loaders import BSHTMLLoader

            docs = BSHTMLLoader(str(path), open_encoding="utf-8", bs_kwargs={"features": "html.parser"}).load()
        else:
            from langchain_community.document_loaders import PyPDFLoader

            docs = PyPDFLoader(str(path)).load()
    except UserError:
        raise
    except Exception as exc:  # loaders raise many types for unreadable files
        raise UserError(f"cannot read corpus file: {type(exc).__name__}: {exc}", where=str(path)) from None
    for doc in docs:
        doc.metadata = {**{k: v for k, v in doc.metadata.items() if isinstance(v, (str, int, float, bool, list))},
                        "doc_id": doc_id, "source": str(path.relative_to(corpus))}
    return [d for d in docs if d.page_content.strip()]


def load_corpus(corpus: Path):
    corpus = Path(corpus)
    documents, seen = [], {}
    for path in corpus_files(corpus):
        for doc in load_file(path, corpus):
            first = seen.setdefault(doc.metadata["doc_id"], path)
            if first != path:
                raise UserError(f"document id '{doc.metadata['doc_id']}' is used by {first} too", where=str(path))
            documents.append(doc)
    if not documents:
        raise UserError(f"corpus folder {corpus} has no readable text")
    return documents


def split_documents(documents, chunk_size: int, chunk_overlap: int):
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap,
                                              separators=["\n## ", "\n### ", "\n\n", "\n", ". ", " ", ""])
    chunks = splitter.split_documents(documents)
    counters: dict[str, int] = {}
    for chunk in chunks:
        n = counters.get(chunk.metadata["doc_id"], 0)
        counters[chunk.metadata["doc_id"]] = n + 1
        chunk.metadata["chunk_id"] = f"{chunk.metadata['doc_id']}#{n}"
        title = chunk.metadata.get("title")
        if title and not chunk.page_content.startswith("#"):
            chunk.page_content = f"{title}\n{chunk.page_content}"  # keep the topic in every chunk
    return chunks
