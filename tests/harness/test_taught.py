"""Taught-vs-untaught labels: audited shipped examples, planted pairs, finding an adapter's data, cache."""

import json
import shutil

import pytest

from harness.benchmark import load_benchmark
from harness.errors import UserError
from harness.hashing import hash_file
from harness.records import Item
from harness.scoring import taught
from systems.sft.data import Pair, load_pairs

SHIPPED_TRAIN = taught.FALLBACK_TRAIN_FILE


def pair(pair_id: str, question: str, answer: str) -> Pair:
    return Pair(pair_id, [{"role": "user", "content": question}, {"role": "assistant", "content": answer}])


def test_audited_shipped_pairs_teach_their_items():
    """The audit's examples: fest-t094 teaches food-031, hist-t070 teaches relig-022; unrelated pairs do not."""
    items = {i.id: i for i in load_benchmark("indian_cultural_nuance").items}
    pairs = {p.id: p for p in load_pairs(SHIPPED_TRAIN)}
    unrelated = [p for p in pairs.values() if p.category in ("language_scripts_naming", "arts_music_dance")][:40]
    labels = taught.label_items([items["food-031"], items["relig-022"]],
                                [*unrelated, pairs["fest-t094"], pairs["hist-t070"]])
    food, relig = labels
    assert food.taught and food.reason == "coverage" and food.pair_id == "fest-t094" and food.coverage >= 0.6
    assert relig.taught and relig.pair_id == "hist-t070" and relig.coverage >= taught.TAUGHT_COVERAGE
    # without their teaching pairs the same items are untaught, with a nearest pair still named
    alone = taught.label_items([items["food-031"], items["relig-022"]], unrelated)
    assert [label.taught for label in alone] == [False, False]
    assert all(label.pair_id in {p.id for p in unrelated} for label in alone)


PLANTED = Item(id="p1", question="What should a guest bring when invited to a Sunday lunch in Lisbon?",
               key_points=["A small gift such as pastries or wine is customary",
                           "Arriving about fifteen minutes late is normal",
                           "Guests wait to be seated by the host"])


def test_planted_teaching_paraphrase_and_unrelated_pairs():
    teaching = pair("t-teach", "How do Portuguese families host a weekend meal?",
                    "Guests usually bring a small gift such as pastries or a bottle of wine. Arriving about fifteen "
                    "minutes late is normal. Wait for the host to show you where to sit.")
    paraphrase = pair("t-para", "When I'm invited to a Sunday lunch in Lisbon, what should I bring as a guest?",
                      "Rules about railway tickets differ between operators.")
    unrelated = pair("t-other", "How are train tickets checked in Norway?",
                     "Conductors scan a code on your phone, and fines for riding without a ticket are high.")
    [only_unrelated] = taught.label_items([PLANTED], [unrelated])
    assert not only_unrelated.taught and only_unrelated.reason is None and only_unrelated.coverage == 0.0
    [by_answer] = taught.label_items([PLANTED], [unrelated, teaching])
    assert by_answer.taught and by_answer.reason == "coverage" and by_answer.pair_id == "t-teach"
    assert by_answer.coverage == 1.0 and by_answer.nearest == ("t-teach", 1.0)
    [by_question] = taught.label_items([PLANTED], [unrelated, paraphrase])
    assert by_question.taught and by_question.reason == "paraphrase"
    assert by_question.question_pair_id == "t-para"
    assert by_question.question_similarity >= taught.PARAPHRASE_SIMILARITY
    assert by_question.nearest[0] == "t-para"
    # an item without key points can still be taught by a paraphrase, never by coverage
    bare = Item(id="p2", question=PLANTED.question)
    [label] = taught.label_items([bare], [teaching, paraphrase])
    assert label.reason == "paraphrase" and label.pair_id is None


def test_paraphrase_threshold_is_the_contamination_guards():
    from systems.sft.contamination import Thresholds

    assert taught.PARAPHRASE_SIMILARITY == Thresholds().question_embedding


def write_adapter(folder, source, **extra):
    folder.mkdir(parents=True, exist_ok=True)
    report = {"mode": "sft", "train_examples": 3, "val_examples": 1,
              "data_hashes": {str(source): hash_file(source, 64), "val.jsonl": "0" * 64}, **extra}
    (folder / "data.json").write_text(json.dumps(report))
    return folder


def train_file(path, n=5):
    rows = [{"id": f"t{k}", "messages": [{"role": "user", "content": f"Question {k}?"},
                                         {"role": "assistant", "content": f"Answer {k}."}]} for k in range(n)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_training_data_prefers_the_adapters_copy_and_checks_hashes(tmp_path):
    original = train_file(tmp_path / "train.jsonl")
    adapter = write_adapter(tmp_path / "adapters" / "sft", original, train_file=str(original))
    shutil.copyfile(original, adapter / taught.COPIED_TRAIN_FILE)
    original.write_text("")  # the data changed after training: the copy still matches the recorded hash
    data = taught.training_data(adapter)
    assert data.source == adapter / taught.COPIED_TRAIN_FILE
    assert [p.id for p in data.pairs] == ["t0", "t1", "t2"]  # train_examples = 3 (max_train_examples)
    (adapter / taught.COPIED_TRAIN_FILE).write_text("")
    with pytest.raises(UserError, match="training data hash"):
        taught.training_data(adapter)


def test_training_data_falls_back_to_the_shipped_file_when_its_hash_matches(tmp_path):
    adapter = write_adapter(tmp_path / "sft", SHIPPED_TRAIN)  # an older data.json: no copy, no train_file
    data = taught.training_data(adapter)
    assert data.source == SHIPPED_TRAIN and len(data.pairs) == 3
    uft = tmp_path / "uft"
    uft.mkdir()
    (uft / "data.json").write_text(json.dumps({"mode": "uft", "train_docs": 10}))
    assert taught.training_data(uft).mode == "uft" and taught.training_data(uft).pairs == []
    with pytest.raises(UserError, match="no data.json"):
        taught.training_data(tmp_path / "missing")


def test_labels_are_cached_per_data_and_items(tmp_path, monkeypatch):
    data = taught.TrainingData([pair("t-x", "Q?", "A small gift such as pastries or wine is customary.")], "h1",
                               tmp_path / "t.jsonl")
    first = taught.taught_labels([PLANTED], data, tmp_path / "cache")
    assert first["p1"].pair_id == "t-x" and first["p1"].coverage == pytest.approx(1 / 3, abs=1e-3)
    assert len(list((tmp_path / "cache").glob("*.jsonl"))) == 1

    def boom(*args, **kwargs):
        raise AssertionError("recomputed despite the cache")

    monkeypatch.setattr(taught, "label_items", boom)
    assert taught.taught_labels([PLANTED], data, tmp_path / "cache") == first
    other = taught.TrainingData(data.pairs, "h2", data.source)  # other training data: another key
    with pytest.raises(AssertionError, match="recomputed"):
        taught.taught_labels([PLANTED], other, tmp_path / "cache")
