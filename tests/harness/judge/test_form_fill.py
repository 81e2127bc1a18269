"""One shared prefill per item gives the same form-filled scores as prefilling every prompt alone."""

import pytest

from harness.backends.form_fill import form_fill, prefix_groups
from harness.judge.judge import Judge, JudgeSpec
from harness.judge.prompts import single_prompt
from harness.records import Item
from harness.rubric import load_rubric

RUBRIC = load_rubric("cultural_nuance")
ITEMS = [Item(id=f"i{k}", question=f"Question {k}: how is festival number {k} celebrated in Kerala?",
              reference_answer=f"Festival {k} is celebrated with a feast.", key_points=[f"A feast for {k}"])
         for k in range(2)]
ANSWERS = ["A feast on banana leaves.", "Fireworks all night, with music and dancing in the streets.", "No idea."]


def test_prefix_groups_by_key_and_by_shared_tokens():
    ids = [[1, 2, 3, 4, 5], [1, 2, 3, 9], [7, 8, 9], [1, 2, 3, 4, 6, 7]]
    assert prefix_groups(ids, keys=["a", "a", "b", "a"]) == [(3, [0, 1, 3]), (2, [2])]
    assert prefix_groups(ids, min_shared=3) == [(3, [0, 3, 1]), (2, [2])]  # sorted, neighbours share 3+
    assert prefix_groups([[5, 6], [5, 6]], keys=[0, 0]) == [(1, [0, 1])]  # each keeps one token to read


@pytest.mark.parametrize("batch_size", [1, 2, 8])
def test_shared_prefill_matches_prefilling_each_prompt(tiny_model, batch_size):
    judge = Judge(JudgeSpec("tiny-form", "hf", str(tiny_model), mode="form"), RUBRIC, batch_size=batch_size)
    backend = judge.backend
    pairs = [(item, answer) for item in ITEMS for answer in ANSWERS]
    texts = [backend.render(single_prompt(RUBRIC, item, answer)) for item, answer in pairs]
    fields = [("SCORE accuracy:", [" 1", " 2", " 3", " 4", " 5"]), ("\nFLAG harmful:", [" yes", " no"])]
    shared = form_fill(backend, texts, fields, keys=[item.id for item, _ in pairs])
    alone = form_fill(backend, texts, fields, keys=list(range(len(texts))), share_across_groups=False)
    assert len(prefix_groups(backend.tokenizer(texts)["input_ids"], keys=[i.id for i, _ in pairs])) == 2
    per_item = form_fill(backend, texts, fields, keys=[item.id for item, _ in pairs], share_across_groups=False)
    for a, b, c in zip(shared, alone, per_item):
        for field_a, field_b, field_c in zip(a, b, c):
            assert field_a.keys() == field_b.keys() == field_c.keys()
            assert all(abs(field_a[k] - field_b[k]) < 1e-4 and abs(field_c[k] - field_b[k]) < 1e-4 for k in field_a)
