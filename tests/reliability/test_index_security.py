"""The FAISS index: nothing is unpickled, the signing key lives outside the cache with owner-only
permissions, and a forged or damaged manifest is refused with a clear message."""

from __future__ import annotations

import json
import os
import pickle

import pytest

from harness.errors import UserError
from systems.rag.index import IndexSettings, build, key_path, load, verify


@pytest.fixture
def index(tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_INDEX_DIR", str(tmp_path / "cache" / "index"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "onam.md").write_text("---\nid: onam\n---\nOnam is the harvest festival of Kerala.\n")
    return build(IndexSettings(corpus=str(corpus)))


def test_nothing_is_unpickled_and_no_key_is_in_the_cache(index, tmp_path, monkeypatch):
    def refuse(*_, **__):
        raise AssertionError("unpickling attempted")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    store, _ = load(index, "embedded")
    assert store.similarity_search("Kerala harvest", k=1)[0].metadata["doc_id"] == "onam"
    cache_files = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert not [p for p in cache_files if p.suffix == ".pkl" or "key" in p.name]
    assert key_path().parent == tmp_path / "config" / "sft-vs-rag-harness"
    assert oct(key_path().stat().st_mode & 0o777) == "0o600"


def test_a_re_signed_index_needs_the_key_from_outside_the_cache(index):
    manifest = json.loads((index / "manifest.json").read_text())
    manifest["chunks"] = 999
    (index / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(UserError, match="signature mismatch"):
        verify(index)


@pytest.mark.parametrize("text", ["[]", "{}", "not json", '{"files": []}'])
def test_a_damaged_manifest_is_a_clear_error(index, text):
    (index / "manifest.json").write_text(text)
    with pytest.raises(UserError, match="no readable manifest.json"):
        verify(index)


def test_a_key_others_can_write_is_refused(index):
    os.chmod(key_path(), 0o666)
    with pytest.raises(UserError, match="writable by other users"):
        verify(index)
