"""make_data against a teacher on a loopback HTTP server, dedupe against data and benchmark, accept."""

import json

import pytest

from systems.sft.make_data import main, parse_pairs
from tests.conftest import SAMPLE_ITEMS, write_jsonl
from tests.http_helpers import JsonHandler, serving

TEACHER_REPLY = json.dumps([
    {"question": "My friend in Kochi invited me for the Onam sadya. How do I eat from the banana leaf?",
     "answer": "Sit on the floor or at a table, eat with your right hand, and fold the leaf towards you when done."},
    {"question": SAMPLE_ITEMS[0]["question"], "answer": "Onam is Kerala's harvest festival."},  # a benchmark leak
    {"question": "What is a pookalam and when do families lay it?",
     "answer": "A floral carpet laid in front of Kerala homes during the ten days of Onam."},
])


class Teacher(JsonHandler):
    def do_POST(self):
        self.read_json()
        self.send_json({"choices": [{"message": {"content": "Here you go:\n" + TEACHER_REPLY}, "finish_reason": "stop"}],
                    "model": "teacher"})


@pytest.fixture
def teacher_url():
    with serving(Teacher) as url:
        yield url


def test_parse_pairs_is_robust():
    assert len(parse_pairs("sure!\n" + TEACHER_REPLY + "\nhope that helps")) == 3
    assert parse_pairs("no list here") == [] and parse_pairs("[not json") == []


def test_draft_rejects_leaks_and_repeats_then_accept_appends(teacher_url, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "onam.md").write_text("---\nid: fest-onam\ntitle: Onam\n---\nOnam is the harvest festival of Kerala.\n")
    bench = write_jsonl(tmp_path / "bench.jsonl", SAMPLE_ITEMS)
    train = write_jsonl(tmp_path / "train.jsonl", [{"id": "t1", "messages": [
        {"role": "user", "content": "What is a pookalam, and when do families lay one?"},
        {"role": "assistant", "content": "A flower carpet made at Onam."}]}])
    review = tmp_path / "review.jsonl"
    assert main(["draft", "--endpoint", teacher_url, "--model", "teacher", "--corpus", str(corpus), "--benchmark",
                 str(bench), "--train-file", str(train), "--val-file", str(tmp_path / "none.jsonl"), "--chunks", "1",
                 "--out", str(review)]) == 0
    rows = [json.loads(line) for line in review.read_text().splitlines()]
    assert [r["status"] for r in rows] == ["pending", "rejected", "rejected"]
    assert "near benchmark item q1" in rows[1]["reason"] and "repeats t1" in rows[2]["reason"]

    rows[0]["status"] = "accept"
    review.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main(["accept", str(review), "--train-file", str(train)]) == 0
    assert len(train.read_text().splitlines()) == 2

    rows[0]["status"] = "maybe"
    review.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main(["accept", str(review), "--train-file", str(train)]) == 2
