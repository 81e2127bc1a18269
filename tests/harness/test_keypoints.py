from harness.records import Item
from harness.scoring.keypoints import answer_spans, score_answers

ITEM = Item(id="x", question="What is Onam?",
            key_points=["Onam is a harvest festival celebrated mainly in Kerala",
                        "It honours the return of the legendary king Mahabali"],
            pitfalls=["Saying Onam is celebrated across all of India"])


def test_good_answer_covers_and_bad_answer_does_not():
    good = "Onam is Kerala's harvest festival. People believe King Mahabali returns to visit his people."
    bad = "Diwali is the festival of lights, when people light lamps."
    results = score_answers([ITEM, ITEM], [good, bad])
    assert results[0].value == 1.0 and results[0].pitfalls_hit == []
    assert results[1].value == 0.0


def test_pitfall_counted_only_when_not_refuted():
    falls = "Onam is celebrated across all of India with fireworks."
    refutes = "Onam is not celebrated across all of India; it belongs mainly to Kerala."
    falls_result, refutes_result = score_answers([ITEM, ITEM], [falls, refutes])
    assert falls_result.pitfalls_hit == ["Saying Onam is celebrated across all of India"]
    assert refutes_result.pitfalls_hit == []


def test_deterministic_and_skips_items_without_key_points():
    first = score_answers([ITEM], ["Onam is a festival in Kerala."])[0]
    second = score_answers([ITEM], ["Onam is a festival in Kerala."])[0]
    assert first.similarity == second.similarity
    skipped = score_answers([Item(id="y", question="?")], ["anything"])[0]
    assert skipped.status == "skipped" and skipped.value is None


def test_spans_include_sentences_clauses_and_pairs():
    spans = answer_spans("Onam is in Kerala, and it lasts ten days. Sadya is served.")
    assert "Sadya is served." in spans and "Onam is in Kerala" in spans
    assert "Onam is in Kerala, and it lasts ten days. Sadya is served." in spans
