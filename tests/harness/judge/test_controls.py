"""The controlled answers are what they claim to be, and the same for an item whatever else is selected."""

import re

import pytest

from harness.benchmark import load_benchmark
from harness.judge.controls import ANSWERS, CONTRASTS, build_controls, commit_pitfall, sentences, words

ITEMS = load_benchmark("indian_cultural_nuance").items


@pytest.fixture(scope="module")
def controls():
    return build_controls(ITEMS, seed=0)


def test_falsified_differs_from_the_reference_in_exactly_the_swapped_fact(controls):
    swapped = [c for c in controls.values() if c.swap]
    assert len(swapped) >= 0.8 * len(controls)
    assert sum(c.swap[0].isdigit() for c in swapped) >= 50  # numbers and dates first, then names and places
    for c in swapped:
        original, replacement = c.swap
        assert original != replacement and replacement not in words(c.item.reference_answer)
        before, after = (re.findall(r"\w+|\W", t) for t in (c.answers["reference"], c.answers["falsified"]))
        assert len(before) == len(after)
        changed = {(a, b) for a, b in zip(before, after) if a != b}
        assert changed == {(original, replacement)}, c.item.id
    assert all(c.answers["falsified"] == "" for c in controls.values() if not c.swap)


def test_incomplete_lacks_the_key_point_sentences_and_keeps_the_rest(controls):
    for c in controls.values():
        kept = sentences(c.answers["incomplete"])
        assert kept and c.removed, c.item.id
        assert all(s not in kept for s in c.removed)
        assert set(kept) | set(c.removed) == set(sentences(c.item.reference_answer))


def test_echo_contains_only_question_words(controls):
    for c in controls.values():
        assert set(words(c.answers["echo"])) <= set(words(c.item.question))
        assert c.answers["echo"] != c.item.reference_answer


def test_padded_is_the_weaker_answer_made_longer_than_the_reference(controls):
    for c in controls.values():
        padded, weak = c.answers["padded"], c.answers["incomplete"]
        assert weak in padded and len(padded) >= 2 * len(weak) and len(padded) > len(c.answers["reference"])


def test_pitfall_and_off_topic_answers(controls):
    references = {i.reference_answer for i in ITEMS}
    for c in controls.values():
        assert c.answers["pitfall"].startswith(c.answers["reference"]) and c.pitfall in c.item.pitfalls
        assert c.answers["off_topic"] in references and c.off_topic_from != c.item.id
    assert commit_pitfall("Assuming all Hindus are vegetarian") == "All Hindus are vegetarian."
    assert commit_pitfall("Treating Onam as a temple festival") == "Remember that Onam is really a temple festival."
    assert commit_pitfall("Confusing Pongal with Onam") == "To be clear, confusing Pongal with Onam is correct."


def test_seeded_and_independent_of_the_selection(controls):
    few = build_controls(ITEMS[:5], pool=ITEMS, seed=0)
    assert all(few[k].answers == controls[k].answers for k in few)
    other = build_controls(ITEMS[:5], pool=ITEMS, seed=1)
    assert any(other[k].answers != few[k].answers for k in few)
    assert {c.better for c in CONTRASTS} == {"reference"} and {c.worse for c in CONTRASTS} <= set(ANSWERS)
