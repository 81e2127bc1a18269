"""Retrieved passages: from the built index's JSON docstore when it matches its manifest, else the corpus."""

from __future__ import annotations

import json

from harness.hashing import hash_file
from harness.view.passages import index_chunks, passages
from systems.rag.index import IndexSettings
from systems.rag.ingest import corpus_hash

ANSWER = {"text": "Onam [1].", "retrieved": [{"doc_id": "fest-onam", "chunk_id": "fest-onam#0", "score": 0.9},
                                             {"doc_id": "gone", "chunk_id": "gone#0"}]}


def test_passages_come_from_the_index_else_from_the_corpus(results, tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_INDEX_DIR", str(tmp_path / "indexes"))
    corpus = results.parent / "corpus"
    config = {"corpus": str(corpus), "chunk_size": 1000, "chunk_overlap": 150}
    from_corpus = passages(ANSWER, config)
    assert from_corpus[0]["origin"] == "corpus" and "King Mahabali" in from_corpus[0]["text"]
    assert from_corpus[0]["text"].startswith("Onam in Kerala\n")  # the title, as ingest adds it
    assert from_corpus[0]["cited"] and not from_corpus[1]["cited"]
    assert from_corpus[1]["text"] is None and from_corpus[1]["source"] is None

    folder = tmp_path / "indexes" / IndexSettings(corpus=str(corpus)).key(corpus_hash(corpus))
    folder.mkdir(parents=True)
    docstore = folder / "docstore.json"
    docstore.write_text(json.dumps({"ids": ["0"], "docs": {"0": {"page_content": "chunk as indexed",
                                                                 "metadata": {"chunk_id": "fest-onam#0"}}}}))
    (folder / "manifest.json").write_text(json.dumps({"files": {"docstore.json": hash_file(docstore, 64)}}))
    index_chunks.cache_clear()
    assert passages(ANSWER, config)[0] == {**from_corpus[0], "text": "chunk as indexed", "origin": "index"}
    docstore.write_text(docstore.read_text().replace("as indexed", "tampered"))  # no longer matches the manifest
    index_chunks.cache_clear()
    assert passages(ANSWER, config)[0]["origin"] == "corpus"
