"""`benchmark validate`: every problem at once, with file:line and field; coverage targets."""

import subprocess
import sys
from pathlib import Path

import yaml

from harness.benchmark_check import validate
from tests.conftest import SAMPLE_ITEMS, write_jsonl

REPO = Path(__file__).resolve().parents[2]


def curated(tmp_path, rows, targets=None):
    folder = tmp_path / "bench"
    folder.mkdir()
    write_jsonl(folder / "items.jsonl", rows)
    spec = {"name": "t", "version": "1", "splits": ["dev", "test"], "categories": ["festivals", "religion"],
            "regions": ["south", "north", "northeast"], "types": ["knowledge"], "targets": targets or {}}
    (folder / "benchmark.yaml").write_text(yaml.safe_dump(spec))
    return folder


TOPICS = ["Why do people fly kites at Makar Sankranti in Gujarat?", "What is served at a Bengali wedding feast?",
          "How should I greet a Sikh granthi at a gurdwara?", "What does a Nagaland Hornbill Festival visit involve?",
          "Which script is used to write Konkani in Goa?", "How is Chhath Puja observed in Bihar?",
          "What do the colours of a Kanjeevaram sari signify?"]


def good(i, **extra):
    row = {"id": f"g{i}", "question": TOPICS[i], "category": "festivals",
           "region": "south", "type": "knowledge", "split": "dev", "reference_answer": "An answer.",
           "key_points": ["a point", "another point"], "pitfalls": ["a pitfall"]}
    return {**row, **extra}


def test_all_problems_are_listed_with_file_line_and_field(tmp_path):
    rows = [good(1), good(2, region="mars"), {"id": "g3"}, good(1), good(4, key_points=["only one"]),
            good(5, question=SAMPLE_ITEMS[0]["question"]),
            good(6, question=SAMPLE_ITEMS[0]["question"].replace("Onam", "the Onam festival"))]
    folder = curated(tmp_path, rows)
    result = validate(str(folder))
    items = folder / "items.jsonl"
    text = "\n".join(result.errors)
    assert f"{items}:2: field 'region': 'mars' is not one of" in text
    assert f"{items}:3: field 'question'" in text
    assert f"{items}:4: duplicate id 'g1'" in text
    assert f"{items}:5: field 'key_points': 1 given, 2-6 expected" in text
    assert f"{items}:7: near-duplicate question of 'g5'" in text
    assert not result.ok


def test_coverage_targets_are_checked(tmp_path):
    rows = [good(i, category="festivals" if i % 2 else "religion") for i in range(6)]
    folder = curated(tmp_path, rows, {"min_items": 10, "min_per_category": 3, "min_split": {"dev": 6}})
    result = validate(str(folder))
    assert ("at least 10 items", False, "6") in result.targets
    assert ("at least 3 items per category", True, "all met") in result.targets
    assert not result.ok and not result.errors


def test_cli_exit_codes_and_a_plain_user_file(tmp_path, sample_benchmark):
    ok = subprocess.run([sys.executable, "-m", "harness", "benchmark", "validate", str(sample_benchmark)],
                        cwd=REPO, capture_output=True, text=True)
    assert ok.returncode == 0 and "PASS" in ok.stdout and "items by category x region" in ok.stdout
    bad = write_jsonl(tmp_path / "dup.jsonl", [SAMPLE_ITEMS[0], SAMPLE_ITEMS[0]])
    failed = subprocess.run([sys.executable, "-m", "harness", "benchmark", "validate", str(bad)],
                            cwd=REPO, capture_output=True, text=True)
    assert failed.returncode == 2 and "duplicate id 'q1'" in failed.stdout and "Traceback" not in failed.stderr
