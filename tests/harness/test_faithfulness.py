"""RAG diagnostics on passages that do or do not hold a key point, and answers that do or do not use them."""

from harness.records import Item
from harness.report.rag_diagnostics import rag_diagnostics_section
from harness.report.retrieval import retrieval_section
from harness.scoring.faithfulness import faithfulness, key_point_misses, load_passages
from tests.harness.comparisons import make_comparison

ONAM = Item(id="onam", question="What is Onam?", category="festivals", gold_docs=["kerala-onam"],
            key_points=["Onam is the harvest festival of Kerala", "It honours the return of King Mahabali"])
HOLDS_BOTH = ("Onam is the harvest festival of Kerala, celebrated in the month of Chingam. "
              "It honours the return of the legendary King Mahabali, whose rule was a golden age.")
HOLDS_FIRST = "Onam is the harvest festival of Kerala. Families make a flower carpet called pookalam."
OFF_TOPIC = "Bihu is a set of three Assamese festivals tied to the farming calendar."


def test_faithfulness_counts_supported_sentences():
    supported, half, none = faithfulness(
        ["Onam is Kerala's harvest festival. It honours King Mahabali.",
         "Onam is Kerala's harvest festival. It is celebrated with fireworks on the Moon landing day.",
         "Onam is Kerala's harvest festival."],
        [[HOLDS_BOTH], [HOLDS_BOTH], [OFF_TOPIC]])
    assert supported.value == 1.0
    assert half.value == 0.5 and half.supported == [True, False]
    assert none.value == 0.0
    assert faithfulness([""], [[HOLDS_BOTH]])[0].value is None


def test_context_recall_and_where_each_key_point_was_lost():
    both, first, neither = key_point_misses([ONAM, ONAM, ONAM], [[HOLDS_BOTH], [OFF_TOPIC, HOLDS_FIRST], [OFF_TOPIC]],
                                            [[True, False], [False, False], [False, False]])
    assert both.in_passages == [True, True] and both.context_recall == 1.0
    assert both.generation_missed == 1 and both.retrieval_missed == 0
    assert first.in_passages == [True, False] and first.context_recall == 0.5
    assert first.generation_missed == 1 and first.retrieval_missed == 1
    assert neither.context_recall == 0.0 and neither.retrieval_missed == 2 and neither.generation_missed == 0


def test_load_passages_rechunks_the_corpus_like_the_index(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "onam.md").write_text(f"---\nid: kerala-onam\ntitle: Onam\n---\n{HOLDS_BOTH}\n", encoding="utf-8")
    found = load_passages(["kerala-onam#0", "gone#3"], {"corpus": str(corpus), "chunk_size": 500, "chunk_overlap": 0})
    assert list(found) == ["kerala-onam#0"] and "King Mahabali" in found["kerala-onam#0"]


def test_section_splits_misses_per_category_and_adds_context_recall(tmp_path):
    bihu = Item(id="bihu", question="What is Bihu?", category="festivals", gold_docs=["assam-bihu"],
                key_points=["Bihu is a set of three Assamese festivals"])
    texts = {"c-both": HOLDS_BOTH, "c-first": HOLDS_FIRST, "c-bihu": OFF_TOPIC}
    comparison = make_comparison(tmp_path, [ONAM, bihu], {
        "base": {},
        "rag": {"entry": {"family": "rag"},
                "answers": {"onam": "Onam is the harvest festival of Kerala.", "bihu": "Bihu is a dance."},
                "retrieved": {"onam": [{"doc_id": "kerala-onam", "chunk_id": "c-first"}],
                              "bihu": [{"doc_id": "other", "chunk_id": "c-both"}]}},
    })

    def loader(ids, config):
        return {c: texts[c] for c in ids}

    text = rag_diagnostics_section(comparison, loader)
    # onam: point 1 answered; point 2 not in passages (retrieval). bihu: its point not in passages (retrieval)
    assert "| rag | festivals | 3 | 1 | 2 | 2 (100%) | 0 (0%) |" in text
    overview = next(line for line in text.splitlines() if line.startswith("| rag | 2"))
    assert overview.split(" | ")[3].startswith("0.25")  # context recall: onam 1/2, bihu 0/1
    comparison.memo.clear()
    texts["c-both"] = "Bihu is a set of three Assamese festivals tied to the farming calendar."
    text = rag_diagnostics_section(comparison, loader)  # now bihu's point was retrieved and not used
    assert "| rag | festivals | 3 | 1 | 2 | 1 (50%) | 1 (50%) |" in text
    overview = next(line for line in text.splitlines() if line.startswith("| rag | 2"))
    assert overview.split(" | ")[3].startswith("0.75")  # context recall: onam 1/2, bihu 1/1
    assert overview.split(" | ")[4].rstrip(" |") == "0.50"  # gold-doc recall@k: onam hit, bihu missed
    retrieval = retrieval_section(comparison)
    assert "context recall" in retrieval and "| 0.75 |" in retrieval
    assert rag_diagnostics_section(make_comparison(tmp_path / "x", [ONAM], {"base": {}})) == ""
