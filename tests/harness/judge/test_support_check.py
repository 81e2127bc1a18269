"""The faithfulness contrast's sentences and figures, on the shipped dev items (no judge involved)."""

import pytest

from harness.judge.check import select_items
from harness.judge.controls import build_controls
from harness.judge.support_check import MIN_OFF_TOPIC_WORDS, support_controls, support_figures
from harness.scoring.faithfulness import sentences


@pytest.fixture(scope="module")
def cases():
    chosen, pool = select_items("indian_cultural_nuance", "dev", 12)
    controls = build_controls(chosen.items, pool, seed=0)
    return controls, support_controls(controls, seed=0)


def test_each_sentence_kind_is_what_it_claims(cases):
    controls, built = cases
    assert len(built) == len(controls)
    for item_id, (case, kinds) in built.items():
        reference = controls[item_id].answers["reference"]
        own = sentences(reference)
        assert case.passages == [reference] and len(case.sentences) == len(kinds)
        for sentence, kind in zip(case.sentences, kinds):
            if kind == "supported":
                assert sentence in own
            else:  # a falsified or off-topic sentence never appears verbatim in the passage
                assert sentence not in own
            if kind == "off_topic":
                assert len(sentence.split()) >= MIN_OFF_TOPIC_WORDS
        assert kinds.count("supported") == min(2, len(own)) and kinds.count("off_topic") == 1
    assert any("falsified" in kinds for _, kinds in built.values())


def test_sentences_come_in_the_same_order_for_the_same_seed_and_shuffled_across_seeds(cases):
    controls, built = cases
    again = support_controls(controls, seed=0)
    assert {i: c.sentences for i, (c, _) in again.items()} == {i: c.sentences for i, (c, _) in built.items()}
    other = support_controls(controls, seed=1)
    assert any(other[i][0].sentences != built[i][0].sentences for i in built)


def test_figures_score_each_kind_and_count_a_short_reply_as_unparsed(cases):
    _, built = cases
    truthful = {i: {"status": "ok", "supported": [k == "supported" for k in kinds]} for i, (_, kinds) in built.items()}
    figures, counts = support_figures(built, truthful)
    assert figures["supported"] == figures["unsupported"] == figures["balanced"] == 1.0
    assert figures["unparsed"] == 0.0 and counts["replies"] == len(built)

    yes_man = {i: {"status": "ok", "supported": [True] * len(kinds)} for i, (_, kinds) in built.items()}
    figures, _ = support_figures(built, yes_man)
    assert figures["supported"] == 1.0 and figures["off_topic"] == 0.0 and figures["balanced"] == 0.5

    first = next(iter(built))
    short = {**truthful, first: {"status": "ok", "supported": truthful[first]["supported"][:-1]}}
    figures, counts = support_figures(built, short)
    assert figures["unparsed"] == pytest.approx(1 / len(built)) and figures["supported"] == 1.0
    assert counts["off_topic"] == len(built) - 1
