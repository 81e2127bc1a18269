"""The taught/untaught leaderboard section on scripted scores: SFT ahead only where it was taught."""

import json

import numpy as np
import pytest

from harness.hashing import hash_file
from harness.records import Item
from harness.report import taught_sections
from harness.scoring import taught
from tests.harness.comparisons import make_comparison

N_ITEMS, N_TAUGHT = 100, 30


@pytest.fixture
def scripted(tmp_path, monkeypatch):
    """sft taught items 0-29 (scripted labels), ahead of rag there by ~0.3 coverage, level elsewhere."""
    train = tmp_path / "train.jsonl"
    train.write_text(json.dumps({"id": "t0", "messages": [{"role": "user", "content": "q?"},
                                                          {"role": "assistant", "content": "a."}]}) + "\n")
    adapter = tmp_path / "adapters" / "sft"
    adapter.mkdir(parents=True)
    (adapter / "data.json").write_text(json.dumps({"mode": "sft", "train_file": str(train),
                                                   "data_hashes": {str(train): hash_file(train, 64)}}))
    calls = []

    def scripted_labels(items, pairs, embedder=None):
        calls.append(len(items))
        return [taught.TaughtLabel(i.id, int(i.id[1:]) < N_TAUGHT, "coverage" if int(i.id[1:]) < N_TAUGHT else None,
                                   "t0", 0.8 if int(i.id[1:]) < N_TAUGHT else 0.2, "t0", 0.3) for i in items]

    monkeypatch.setattr(taught, "label_items", scripted_labels)
    rng = np.random.default_rng(0)
    items = [Item(id=f"i{k}", question=f"q{k}?", key_points=["x"]) for k in range(N_ITEMS)]
    rag = {i.id: float(rng.uniform(0.2, 0.6)) for i in items}
    sft = {i.id: rag[i.id] + (0.3 if k < N_TAUGHT else 0.0) + float(rng.normal(0, 0.05)) for k, i in enumerate(items)}
    comparison = make_comparison(tmp_path, items, {
        "base": {"coverage": {i.id: 0.1 for i in items}},
        "rag": {"entry": {"kind": "rag", "family": "rag"}, "coverage": rag},
        "sft": {"entry": {"kind": "sft", "family": "sft", "config": {"adapter": str(adapter)}}, "coverage": sft},
    })
    return comparison, calls


def test_section_splits_taught_and_untaught_with_ci_p_and_n(scripted):
    comparison, calls = scripted
    assert taught_sections.contests(comparison) == [("sft", "rag")]
    text = taught_sections.taught_section(comparison)
    rows = {line.split(" | ")[1]: line for line in text.splitlines() if line.startswith("| sft vs rag")}
    taught_row, untaught_row = rows["taught"], rows["untaught"]
    assert " | 30 | +0.3" in taught_row and float(taught_row.split(" | ")[-1].rstrip(" |")) < 0.001
    assert " | 70 | " in untaught_row and float(untaught_row.split(" | ")[-1].rstrip(" |")) > 0.05
    assert "| sft | 100 | 30 | 70 | 0 |" in text
    assert "fewer than 60 items in sft taught (30 items)" in text and "untaught (70" not in text
    assert "hold out corpus documents" in text
    line = taught_sections.taught_verdict_line(comparison)
    assert line.startswith("SFT - RAG (key-point coverage (0-1)): on taught items +0.3")
    assert "n = 30, under 60 items" in line and "n = 70)" in line
    assert calls == [N_ITEMS]  # labelled once, then read from the comparison's memo
    assert list((comparison.runs["sft"].run_dir.parent.parent / "cache" / "taught").glob("*.jsonl"))


def test_no_section_without_an_adapter_and_a_rag_system(tmp_path):
    items = [Item(id="i0", question="q?")]
    comparison = make_comparison(tmp_path, items, {"base": {}, "rag": {"entry": {"family": "rag"}}})
    assert taught_sections.taught_section(comparison) == ""
    assert taught_sections.taught_verdict_line(comparison) == ""


def test_variants_are_recognised_by_family_and_missing_data_is_said(tmp_path):
    items = [Item(id="i0", question="q?")]
    comparison = make_comparison(tmp_path, items, {
        "rag-k8": {"entry": {"kind": "rag", "family": "rag"}},
        "sft+rag": {"entry": {"kind": "sft+rag", "family": "hybrid", "config": {"adapter": str(tmp_path / "nope")}}},
        "sft-r64": {"entry": {"kind": "sft", "family": "sft", "config": {"adapter": str(tmp_path / "nope")}}},
    })
    assert taught_sections.contests(comparison) == [("sft+rag", "rag-k8"), ("sft-r64", "rag-k8")]
    text = taught_sections.taught_section(comparison)
    assert "`sft-r64` adapter" in text and "has no data.json" in text
