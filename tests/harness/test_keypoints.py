import random
import statistics
from pathlib import Path

import pytest

from harness.benchmark import load_benchmark
from harness.judge.controls import build_controls
from harness.records import Item
from harness.scoring.keypoints import answer_spans, mask, score_answers, stems

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


# --- echo-proof coverage: only what a key point adds beyond the question counts -----------------
BYO = Path(__file__).parent / "judge" / "byo_restating.jsonl"


def _mean_coverage(items, pool, sample: int, seed: int = 0) -> dict[str, float]:
    chosen = random.Random(seed).sample(items, min(sample, len(items)))
    controls = build_controls(chosen, pool)
    means = {}
    for name in ("reference", "incomplete", "off_topic", "echo"):
        pairs = [(c.item, c.answers[name]) for c in controls.values() if c.answers[name]]
        values = [r.value for r in score_answers([i for i, _ in pairs], [a for _, a in pairs]) if r.value is not None]
        means[name] = statistics.mean(values)
    return means


def test_mask_removes_the_question_words_only():
    question = stems("How do guests in North India show gratitude to their hosts?")
    point = "In North India, guests show gratitude to their hosts by bringing a box of mithai"
    assert mask(point, question) == "In , to their by bringing a box of mithai"
    assert stems(mask(point, question)) - question == {"bring", "box", "mitha"}


def test_key_point_that_only_restates_the_question_leaves_the_denominator():
    item = Item(id="z", question="Is Onam celebrated in Kerala?",
                key_points=["Onam is celebrated in Kerala", "It honours the return of King Mahabali"])
    result = score_answers([item], ["Yes. Onam is celebrated in Kerala."])[0]
    assert result.echo_only == [0] and result.value == 0.0
    result = score_answers([item], ["Yes, it marks the homecoming of the king Mahabali."])[0]
    assert result.value == 1.0


def test_echo_of_the_question_covers_nothing_on_a_benchmark_whose_key_points_restate_it():
    byo = load_benchmark(str(BYO)).items
    echo = score_answers(byo, [i.question for i in byo])
    assert all(r.value == 0.0 for r in echo)  # the scorer before masking gave these 0.96
    means = _mean_coverage(byo, byo, len(byo))
    assert means["reference"] >= 0.85 and means["echo"] <= 0.05 and means["off_topic"] <= 0.05
    assert 0.15 <= means["incomplete"] <= 0.7


@pytest.mark.slow
def test_controls_on_our_benchmark_keep_their_order():
    items = load_benchmark("indian_cultural_nuance").items
    means = _mean_coverage(items, items, 120)
    assert means["reference"] >= 0.9, means
    assert means["echo"] <= 0.05 and means["off_topic"] <= 0.05, means
    assert 0.15 <= means["incomplete"] <= 0.6, means
