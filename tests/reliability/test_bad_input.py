"""Table-driven fuzz of malformed inputs: benchmark, config, flags, corpus, SFT data and human sheets.

Each case must end with exit 2 and exactly one error message naming the file (and line and field
where there is one), never a traceback, and must leave nothing half-written (no run folder, no
stored human ratings).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from harness.cli import main
from harness.errors import run_main
from tests.http_helpers import JsonHandler, serving
from tests.reliability.helpers import assert_clean_failure

GOOD = [{"id": "q1", "question": "What is Onam?", "key_points": ["Kerala harvest festival"]},
        {"id": "q2", "question": "What is Bihu?"}]
NOT_UTF8 = b'{"id": "q1", "question": "caf\xe9?"}\n'


def jsonl(rows) -> str:
    return "".join(json.dumps(r) + "\n" for r in rows)


def write(tmp: Path, name: str, content: str | bytes) -> Path:
    path = tmp / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def bench_folder(tmp: Path, spec: str | bytes, items: str = jsonl(GOOD)) -> Path:
    write(tmp / "bench", "items.jsonl", items)
    write(tmp / "bench", "benchmark.yaml", spec)
    return tmp / "bench"


def run_args(tmp: Path, *extra, benchmark=None) -> list[str]:
    benchmark = benchmark or write(tmp, "good.jsonl", jsonl(GOOD))
    return ["run", "--benchmark", str(benchmark), "--out", str(tmp / "out"), "--systems", "base", *map(str, extra)]


# (case id, builder(tmp) -> (argv, needles)); needles are formatted with tmp
BENCHMARK = [
    ("jsonl-not-utf8", lambda t: (run_args(t, benchmark=write(t, "b.jsonl", jsonl(GOOD) .encode() + NOT_UTF8)),
                                  ["b.jsonl:3", "not UTF-8"])),
    ("csv-not-utf8", lambda t: (run_args(t, benchmark=write(t, "b.csv", b"id,question\nq1,caf\xe9\n")),
                                ["b.csv:2", "not UTF-8"])),
    ("invalid-json-line", lambda t: (run_args(t, benchmark=write(t, "b.jsonl", jsonl(GOOD) + '{"id": "q3", \n')),
                                     ["b.jsonl:3", "invalid JSON"])),
    ("line-is-a-list", lambda t: (run_args(t, benchmark=write(t, "b.jsonl", '["q1", "What?"]\n')),
                                  ["b.jsonl:1", "JSON object"])),
    ("id-null", lambda t: (run_args(t, benchmark=write(t, "b.jsonl", jsonl([{"id": None, "question": "Q?"}]))),
                           ["b.jsonl:1", "field 'id'"])),
    ("id-list", lambda t: (run_args(t, benchmark=write(t, "b.jsonl", jsonl([{"id": [1], "question": "Q?"}]))),
                           ["b.jsonl:1", "field 'id'"])),
    ("missing-question", lambda t: (run_args(t, benchmark=write(t, "b.jsonl", jsonl([{"id": "a"}]))),
                                    ["b.jsonl:1", "field 'question'"])),
    ("question-wrong-type", lambda t: (run_args(t, benchmark=write(t, "b.jsonl", jsonl([{"id": "a", "question": 5}]))),
                                       ["b.jsonl:1", "field 'question'"])),
    ("key-points-number", lambda t: (run_args(t, benchmark=write(t, "b.jsonl",
                                                                 jsonl([{"id": "a", "question": "Q?", "key_points": 5}]))),
                                     ["b.jsonl:1", "field 'key_points'"])),
    ("key-points-objects", lambda t: (run_args(t, benchmark=write(t, "b.jsonl", jsonl(
        [{"id": "a", "question": "Q?", "key_points": ["ok", {"x": 1}]}]))), ["b.jsonl:1", "field 'key_points.1'"])),
    ("csv-list-cell-unclosed", lambda t: (run_args(t, benchmark=write(t, "b.csv", 'id,question,key_points\nq1,Q?,"[abc"\n')),
                                          ["b.csv:2", "field 'key_points'"])),
    ("csv-extra-cells", lambda t: (run_args(t, benchmark=write(t, "b.csv", "id,question\nq1,Q?,extra\n")),
                                   ["b.csv:2", "more cells"])),
    ("csv-no-id-column", lambda t: (run_args(t, benchmark=write(t, "b.csv", "question\nQ?\n")),
                                    ["b.csv:2", "field 'id'"])),
    ("duplicate-ids", lambda t: (run_args(t, benchmark=write(t, "b.jsonl", jsonl(GOOD + GOOD[:1]))),
                                 ["b.jsonl:3", "duplicate id 'q1'"])),
    ("empty-file", lambda t: (run_args(t, benchmark=write(t, "b.jsonl", "\n")), ["b.jsonl", "no items"])),
    ("items-path-is-a-folder", lambda t: (run_args(t, benchmark=bench_folder(t, "name: x\nitems: sub\n")) if
                                          (t / "bench" / "sub").mkdir(parents=True) or True else None,
                                          ["sub", "not a file"])),
    ("yaml-is-a-list", lambda t: (run_args(t, benchmark=bench_folder(t, "- name: x\n")),
                                  ["benchmark.yaml:1", "mapping"])),
    ("yaml-invalid", lambda t: (run_args(t, benchmark=bench_folder(t, "name: x\nsplits: [dev\n")),
                                ["benchmark.yaml:", "invalid YAML"])),
    ("yaml-not-utf8", lambda t: (run_args(t, benchmark=bench_folder(t, b"name: caf\xe9\n")),
                                 ["benchmark.yaml:1", "not UTF-8"])),
    ("yaml-unknown-key", lambda t: (run_args(t, benchmark=bench_folder(t, "name: x\nverison: 2\n")),
                                    ["benchmark.yaml:2", "field 'verison'"])),
    ("yaml-generation-type", lambda t: (run_args(t, benchmark=bench_folder(t, "name: x\ngeneration:\n  max_new_tokens: many\n")),
                                        ["benchmark.yaml:2", "max_new_tokens"])),
    ("yaml-bad-template", lambda t: (run_args(t, benchmark=bench_folder(t, "name: x\nprompt_template: 'Q: {quesion}'\n")),
                                     ["benchmark.yaml:2", "field 'prompt_template'"])),
    ("unknown-split", lambda t: (run_args(t, "--split", "nope"), ["no split 'nope'"])),
    ("bad-columns", lambda t: (run_args(t, "--columns", "question"), ["--columns", "FIELD=COLUMN"])),
]

CONFIG = [
    ("config-is-a-list", lambda t: (run_args(t, "--config", write(t, "c.yaml", "- model\n")), ["c.yaml:1", "mapping"])),
    ("config-not-utf8", lambda t: (run_args(t, "--config", write(t, "c.yaml", b"model: caf\xe9\n")), ["c.yaml:1", "UTF-8"])),
    ("config-unknown-key", lambda t: (run_args(t, "--config", write(t, "c.yaml", "seed: 1\nmodle: x\n")),
                                      ["c.yaml:2", "unknown config key 'modle'", "model"])),
    ("config-wrong-type", lambda t: (run_args(t, "--config", write(t, "c.yaml", "batch_size: many\n")),
                                     ["c.yaml:1", "field 'batch_size'"])),
    ("config-invalid-yaml", lambda t: (run_args(t, "--config", write(t, "c.yaml", "judge: [a\n")), ["c.yaml:", "invalid YAML"])),
    ("config-negative-retries", lambda t: (run_args(t, "--config", write(t, "c.yaml", "retries: -1\n")),
                                           ["c.yaml:1", "field 'retries'"])),
    ("config-missing", lambda t: (run_args(t, "--config", t / "nope.yaml"), ["nope.yaml", "does not exist"])),
]

FLAGS = [
    ("limit-zero", lambda t: (run_args(t, "--limit", "0"), ["--limit", "field 'limit'"])),
    ("timeout-zero", lambda t: (run_args(t, "--timeout-s", "0"), ["--timeout-s", "field 'timeout_s'"])),
    ("device-quantum", lambda t: (run_args(t, "--device", "quantum"), ["--device 'quantum'"])),
    ("model-nonexistent", lambda t: (run_args(t, "--model", "/nonexistent/model"), ["--model /nonexistent/model"])),
    ("model-folder-without-config", lambda t: (run_args(t, "--model", (t / "m").mkdir() or t / "m"),
                                               ["config.json"])),
    ("run-id-escapes-out", lambda t: (run_args(t, "--run-id", "../../x"), ["--run-id '../../x'"])),
    ("run-id-absolute", lambda t: (run_args(t, "--run-id", "/tmp/x"), ["--run-id '/tmp/x'"])),
    ("out-is-a-file", lambda t: (["run", "--benchmark", str(write(t, "g.jsonl", jsonl(GOOD))), "--out",
                                  str(write(t, "out", "x"))], ["--out", "is a file"])),
    ("endpoint-unreachable", lambda t: (run_args(t, "--backend", "openai", "--endpoint", "http://127.0.0.1:9/v1",
                                                 "--model", "m"), ["cannot reach endpoint http://127.0.0.1:9/v1"])),
    ("judge-unreachable", lambda t: (run_args(t, "--judge", "openai:m@http://127.0.0.1:9/v1"),
                                     ["judge 'openai:m@http://127.0.0.1:9/v1'", "cannot reach"])),
    ("judge-unknown-kind", lambda t: (run_args(t, "--judge", "gpt5"), ["gpt5"])),
    ("rubric-unknown", lambda t: (run_args(t, "--rubric", "nope"), ["no rubric 'nope'"])),
]

CORPUS = [
    ("corpus-missing", lambda t: (run_args(t, "--corpus", t / "nope"), ["corpus folder", "does not exist"])),
    ("corpus-empty", lambda t: (["index", "build", "--corpus", str((t / "c").mkdir() or t / "c")], ["holds no .md"])),
    ("corpus-bad-front-matter", lambda t: (["index", "build", "--corpus", str(write(t, "c/a.md", "---\nid: [x\n---\nbody\n").parent)],
                                           ["a.md", "front matter"])),
    ("corpus-unclosed-front-matter", lambda t: (["index", "build", "--corpus", str(write(t, "c/a.md", "---\nid: x\nbody\n").parent)],
                                                ["a.md", "never closes"])),
    ("corpus-not-utf8", lambda t: (["index", "build", "--corpus", str(write(t, "c/a.md", b"caf\xe9 text\n").parent)],
                                   ["a.md", "cannot read corpus file"])),
]

CASES = [pytest.param(*case, id=case[0]) for case in BENCHMARK + CONFIG + FLAGS + CORPUS]


@pytest.mark.parametrize("name, build", CASES)
def test_bad_input_is_one_clear_error(name, build, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HARNESS_INDEX_DIR", str(tmp_path / "index"))
    argv, needles = build(tmp_path)
    code = main(argv)
    assert_clean_failure(code, capsys.readouterr().err, *needles)
    assert not (tmp_path / "out" / "runs").exists()  # nothing half-written: no manifest, no items.json
    assert not (tmp_path / "index").exists() or not any((tmp_path / "index").iterdir())


# ---- SFT training data: the reader train.py uses, through the shared entry-point wrapper -------------

SFT = [
    ("sft-not-utf8", b'{"messages": [{"role": "user", "content": "caf\xe9"}]}\n', ["t.jsonl:1", "UTF-8"]),
    ("sft-invalid-json", '{"messages": [\n', ["t.jsonl:1", "invalid JSON"]),
    ("sft-no-messages", '{"id": "a"}\n', ["t.jsonl:1", "field 'messages'"]),
    ("sft-bad-role", '{"messages": [{"role": "bot", "content": "x"}]}\n', ["t.jsonl:1", "messages[0].role"]),
    ("sft-last-not-assistant", '{"messages": [{"role": "user", "content": "x"}]}\n', ["t.jsonl:1", "assistant"]),
    ("sft-source-docs-number", '{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],'
                               ' "source_docs": 5}\n', ["t.jsonl:1", "field 'source_docs'"]),
    ("sft-empty-file", "", ["t.jsonl", "no training pairs"]),
]


@pytest.mark.parametrize("name, content, needles", [pytest.param(*c, id=c[0]) for c in SFT])
def test_bad_training_data_is_one_clear_error(name, content, needles, tmp_path, capsys):
    from systems.sft.data import load_pairs

    path = write(tmp_path, "t.jsonl", content)
    assert_clean_failure(run_main(lambda: load_pairs(path)), capsys.readouterr().err, *needles)


# ---- human sheets ------------------------------------------------------------------------------------

class Answers(JsonHandler):
    def do_POST(self):
        body = self.read_json()
        self.send_json({"choices": [{"message": {"content": "Answer: " + body["messages"][-1]["content"]}}]})


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """One run answered by a loopback server and exported as two sheets (a shared item and own items)."""
    root = tmp_path_factory.mktemp("human")
    bench = write(root, "b.jsonl", jsonl([{"id": f"q{i}", "question": f"Question {i}?"} for i in range(4)]))
    with serving(Answers) as url:
        assert main(["run", "--backend", "openai", "--endpoint", url, "--model", "m", "--systems", "base",
                     "--benchmark", str(bench), "--out", str(root / "out")]) == 0
    assert main(["human", "export", "--out", str(root / "out"), "--annotators", "2", "--shared", "0.25"]) == 0
    [folder] = (root / "out" / "human").iterdir()
    return root, folder


def filled(folder: Path, target: Path, k: int = 1, score: str = "4") -> Path:
    """Sheet k with every score filled in."""
    import csv

    with open(folder / f"annotator_{k}.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    for row in rows[1:]:
        for n, column in enumerate(header):
            if column.split(" ")[0] in ("accuracy", "nuance", "helpfulness", "safety", "stereotyping") or "(1=" in column:
                row[n] = score
            elif column.startswith("flag "):
                row[n] = "no"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(folder / "key.json", target / "key.json")
    with open(target / f"annotator_{k}.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return target / f"annotator_{k}.csv"


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


HUMAN = [
    ("sheet-not-utf8", lambda s: s.write_bytes(s.read_bytes() + b"\xff\xfe\n"), ["annotator_1.csv", "UTF-8"]),
    ("sheet-duplicate-row", lambda s: s.write_text("".join(lines(s) + lines(s)[1:2])), ["appears twice"]),
    ("sheet-header-only", lambda s: s.write_text(lines(s)[0]), ["annotator_1.csv", "only a header"]),
    ("sheet-score-out-of-scale", lambda s: s.write_text(s.read_text().replace(",4,", ",9,", 1)),
     ["annotator_1.csv:2", "from 1 to 5"]),
    ("sheet-unknown-row", lambda s: s.write_text(s.read_text().replace("\nr", "\nzz", 1)), ["annotator_1.csv:2", "unknown row"]),
    ("sheet-missing-column", lambda s: s.write_text(s.read_text().replace("row_id", "rowid", 1)), ["missing columns"]),
    ("key-truncated", lambda s: (s.parent / "key.json").write_text((s.parent / "key.json").read_text()[:50]),
     ["key.json:", "invalid JSON"]),
    ("key-is-a-list", lambda s: (s.parent / "key.json").write_text("[]"), ["key.json", "field 'export_id'"]),
]


@pytest.mark.parametrize("name, damage, needles", [pytest.param(*c, id=c[0]) for c in HUMAN])
def test_bad_sheet_is_one_clear_error(name, damage, needles, exported, tmp_path, capsys):
    root, folder = exported
    sheet = filled(folder, tmp_path / "sheets")
    damage(sheet)
    before = list((root / "out" / "runs").glob("*/human.jsonl"))
    code = main(["human", "import", str(sheet), "--out", str(root / "out")])
    assert_clean_failure(code, capsys.readouterr().err, *needles)
    assert list((root / "out" / "runs").glob("*/human.jsonl")) == before  # nothing stored


def test_a_row_from_another_annotators_sheet_is_refused(exported, tmp_path, capsys):
    root, folder = exported
    mine, theirs = filled(folder, tmp_path / "a", 1), filled(folder, tmp_path / "b", 2)
    shared = set(lines(mine)[1:]) & set(lines(theirs)[1:])
    foreign = next(line for line in lines(theirs)[1:] if line not in shared)
    mine.write_text("".join(lines(mine) + [foreign]))
    code = main(["human", "import", str(mine), "--out", str(root / "out")])
    assert_clean_failure(code, capsys.readouterr().err, "not on annotator 1's sheet")


def test_the_same_sheet_imported_twice_is_stored_once(exported, tmp_path, capsys):
    root, folder = exported
    sheet = filled(folder, tmp_path / "s", 2)
    assert main(["human", "import", str(sheet), "--out", str(root / "out")]) == 0
    [store] = (root / "out" / "runs").glob("*/human.jsonl")
    count = len(lines(store))
    assert main(["human", "import", str(sheet), "--out", str(root / "out")]) == 0
    assert len(lines(store)) == count and "already imported unchanged" in capsys.readouterr().err
    assert main(["human", "import", str(sheet), str(sheet), "--out", str(root / "out")]) == 2


def test_sheet_cells_that_look_like_formulas_are_neutralised(exported):
    from harness.human.export import safe_cell

    assert [safe_cell(v) for v in ("=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "plain")] == \
        ["'=HYPERLINK(\"x\")", "'+1", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "plain"]


def test_a_csv_with_a_byte_order_mark_loads(tmp_path):
    from harness.benchmark import load_benchmark

    path = write(tmp_path, "b.csv", "\ufeffid,question\nq1,What is Onam?\n".encode("utf-8"))
    assert [i.id for i in load_benchmark(str(path)).items] == ["q1"]


def test_the_entry_point_never_shows_a_traceback(tmp_path):
    from tests.reliability.helpers import harness

    bad = write(tmp_path, "b.jsonl", NOT_UTF8)
    result = harness("run", "--benchmark", bad, "--out", tmp_path / "out", "--device", "cpu")
    assert_clean_failure(result.returncode, result.stderr, "b.jsonl:1")
