"""RAG with real FAISS indexes and the packaged MiniLM embedder over small corpora built in-test."""

import subprocess
import sys
from pathlib import Path

import pytest

from harness.errors import UserError
from systems.rag.index import IndexSettings, build, load, verify

REPO = Path(__file__).resolve().parents[2]

DOCS = {
    "onam.md": "---\nid: fest-onam\ntitle: Onam in Kerala\nregion: south\n---\n# Onam\n\nOnam is the harvest "
               "festival of Kerala. Families make pookalam flower carpets and share a sadya feast on banana leaves. "
               "The festival recalls the legendary king Mahabali.\n",
    "bihu.txt": "Bihu is the name of three Assamese festivals tied to the farming year. Rongali Bihu in April marks "
                "the Assamese new year with dance and songs.\n",
    "gurdwara.html": "<html><head><title>Gurdwara visits</title></head><body><p>Visitors to a gurdwara remove their "
                     "shoes, wash their hands and cover their heads. Langar, the free community kitchen, serves "
                     "everyone seated together.</p></body></html>",
    "pongal.md": "---\nid: fest-pongal\ntitle: Pongal in Tamil Nadu\n---\nPongal is the Tamil harvest festival in "
                 "January. Rice is boiled with milk until it overflows, a sign of abundance.\n",
}


@pytest.fixture
def corpus(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("HARNESS_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # the signing key's folder
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def retriever_for(corpus, **kwargs):
    from systems.rag.index import embeddings
    from systems.rag.retrieve import Retriever

    settings = IndexSettings(corpus=str(corpus), chunk_size=300, chunk_overlap=30)
    store, manifest = load(build(settings), "embedded")
    return Retriever(store, embeddings("embedded"), k=2, **kwargs), manifest


@pytest.mark.parametrize("search", ["dense", "mmr", "hybrid"])
def test_gold_document_is_retrieved_from_mixed_formats(corpus, search):
    retriever, manifest = retriever_for(corpus, search=search)
    assert manifest["documents"] == 4
    queries = {"What do families cook for Onam in Kerala?": "fest-onam",
               "When is the Assamese new year?": "bihu",
               "Do I need to cover my head in a gurdwara?": "gurdwara",
               "Why does the rice boil over at Pongal?": "fest-pongal"}
    results = retriever.retrieve(list(queries))
    for (query, gold), hits in zip(queries.items(), results):
        assert hits[0].doc_id == gold, (search, query, [h.doc_id for h in hits])


def test_index_is_reused_then_rebuilt_when_a_file_changes(corpus):
    settings = IndexSettings(corpus=str(corpus), chunk_size=300, chunk_overlap=30)
    first = build(settings)
    assert build(settings) == first
    (corpus / "bihu.txt").write_text(DOCS["bihu.txt"] + "Magh Bihu in January is a harvest feast.\n")
    assert build(settings) != first
    assert build(IndexSettings(corpus=str(corpus), chunk_size=400, chunk_overlap=30)) != first


def test_tampered_and_foreign_indexes_are_refused(corpus, tmp_path, monkeypatch):
    folder = build(IndexSettings(corpus=str(corpus)))
    with open(folder / "docstore.json", "ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(UserError, match="modified after the harness wrote it"):
        verify(folder)

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "other-user"))
    foreign = build(IndexSettings(corpus=str(corpus), chunk_size=500))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # back to this user's key
    with pytest.raises(UserError, match="not written by this harness"):
        verify(foreign)


def test_empty_and_unreadable_corpora_get_clear_errors(tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_INDEX_DIR", str(tmp_path / "index"))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(UserError, match="holds no .md"):
        build(IndexSettings(corpus=str(empty)))
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "bad.md").write_text("---\nid: [unclosed\n---\nbody\n")
    with pytest.raises(UserError, match="front matter"):
        build(IndexSettings(corpus=str(broken)))


def test_index_cli_on_a_user_folder(corpus, tmp_path):
    env = {**__import__("os").environ, "HARNESS_INDEX_DIR": str(tmp_path / "index")}
    built = subprocess.run([sys.executable, "-m", "harness", "index", "build", "--corpus", str(corpus)],
                           cwd=REPO, capture_output=True, text=True, env=env)
    assert built.returncode == 0, built.stderr
    assert "4 documents" in built.stdout
    shown = subprocess.run([sys.executable, "-m", "harness", "index", "info", "--corpus", str(corpus)],
                           cwd=REPO, capture_output=True, text=True, env=env)
    assert "chunks" in shown.stdout
    missing = subprocess.run([sys.executable, "-m", "harness", "index", "build", "--corpus", str(tmp_path / "no")],
                             cwd=REPO, capture_output=True, text=True, env=env)
    assert missing.returncode == 2 and "does not exist" in missing.stderr and "Traceback" not in missing.stderr


def test_rag_system_prompt_numbers_passages_and_records_retrieval(corpus, tiny_model):
    from harness.backends.hf import TransformersBackend
    from harness.records import Item
    from systems.rag.system import RagSystem

    system = RagSystem.from_options({"corpus": str(corpus), "k": 2}, TransformersBackend(model=str(tiny_model)))
    [prompt] = system.prepare([Item(id="a", question="What do families cook for Onam in Kerala?")])
    assert "[1]" in prompt.messages[0]["content"] and "[2]" in prompt.messages[0]["content"]
    assert prompt.retrieved[0].doc_id == "fest-onam" and prompt.context_tokens > 10
    other = RagSystem.from_options({"corpus": str(corpus), "k": 3}, TransformersBackend(model=str(tiny_model)))
    assert other.fingerprint() != system.fingerprint()
