import pytest

from harness.benchmark import load_benchmark, parse_column_map
from harness.errors import UserError
from tests.conftest import SAMPLE_ITEMS, write_jsonl


def test_jsonl_loads_with_split_and_limit(sample_benchmark):
    bench = load_benchmark(str(sample_benchmark), split="dev")
    assert [i.id for i in bench.items] == ["q1", "q2"]
    bench = load_benchmark(str(sample_benchmark), limit=2)
    assert {i.category for i in bench.items} == {"festivals", "religion"}  # round-robin over categories


def test_minimal_file_with_only_id_and_question(tmp_path):
    path = write_jsonl(tmp_path / "mine.jsonl", [{"id": 1, "question": "Why is Pongal celebrated?"}])
    bench = load_benchmark(str(path))
    assert bench.items[0].id == "1" and bench.items[0].key_points == []


def test_csv_with_column_mapping(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text('qid,prompt,key_points\nA7,"What is Lohri?",bonfire | Punjab\n', encoding="utf-8")
    bench = load_benchmark(str(path), column_map=parse_column_map("id=qid,question=prompt"))
    assert bench.items[0].id == "A7" and bench.items[0].key_points == ["bonfire", "Punjab"]


def test_bad_json_reports_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "question": "ok?"}\n{"id": "b", "question": \n', encoding="utf-8")
    with pytest.raises(UserError) as info:
        load_benchmark(str(path))
    assert f"{path}:2" in str(info.value) and "invalid JSON" in str(info.value)


def test_missing_field_reports_field_and_line(tmp_path):
    path = write_jsonl(tmp_path / "bad.jsonl", [SAMPLE_ITEMS[0], {"id": "x"}])
    with pytest.raises(UserError) as info:
        load_benchmark(str(path))
    assert f"{path}:2" in str(info.value) and "'question'" in str(info.value)


def test_duplicate_ids_are_refused(tmp_path):
    path = write_jsonl(tmp_path / "dup.jsonl", [SAMPLE_ITEMS[0], SAMPLE_ITEMS[0]])
    with pytest.raises(UserError, match="duplicate id 'q1'"):
        load_benchmark(str(path))


def test_unknown_benchmark_and_split(sample_benchmark):
    with pytest.raises(UserError, match="no benchmark named"):
        load_benchmark("no_such_benchmark")
    with pytest.raises(UserError, match="no split 'train'"):
        load_benchmark(str(sample_benchmark), split="train")


def test_bad_column_map():
    with pytest.raises(UserError, match="FIELD=COLUMN"):
        parse_column_map("question")
    with pytest.raises(UserError, match="unknown field"):
        parse_column_map("questoin=prompt")
