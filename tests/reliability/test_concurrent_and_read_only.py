"""Two identical runs into one folder: the second waits for the run folder's lock, then does only what
is missing (nothing). A read-only --out is a clear error before work; a finished read-only run reads."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.reliability.helpers import REPO, assert_clean_failure, harness, read_only_prefix, records


def bench(tmp_path, n: int):
    path = tmp_path / "b.jsonl"
    path.write_text("".join(json.dumps({"id": f"q{i}", "question": f"Question {i}?"}) + "\n" for i in range(n)))
    return path


def run_args(url, benchmark, out):
    return ["run", "--backend", "openai", "--endpoint", url, "--model", "m", "--systems", "base",
            "--benchmark", str(benchmark), "--out", str(out), "--concurrency", "2"]


def test_a_second_identical_run_waits_then_does_only_what_is_missing(tmp_path, server):
    url, handler = server(delay_s=0.3)
    args = [sys.executable, "-m", "harness", *run_args(url, bench(tmp_path, 8), tmp_path / "out")]
    first = subprocess.Popen(args, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while not handler.attempts and first.poll() is None:  # the first run is generating
        import time

        time.sleep(0.05)
    second = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=300)
    first_err = first.communicate(timeout=300)[1]
    assert first.returncode == 0 and second.returncode == 0, (first_err, second.stderr)
    assert "waiting: another process" in second.stderr and "continues with whatever it leaves undone" in second.stderr
    [run_dir] = (tmp_path / "out" / "runs").iterdir()
    ok = [r for r in records(run_dir / "generations.jsonl") if r["status"] == "ok"]
    assert sorted(r["item_id"] for r in ok) == [f"q{i}" for i in range(8)]  # each answer once
    assert sum(handler.attempts.values()) == 8  # no prompt generated twice


def test_a_read_only_out_is_a_clear_error_before_any_work(tmp_path, server):
    url, handler = server()
    out = tmp_path / "out"
    out.mkdir()
    result = harness(*run_args(url, bench(tmp_path, 3), out), prefix=read_only_prefix(out))
    assert_clean_failure(result.returncode, result.stderr, f"--out {out}", "cannot write")
    assert not handler.attempts and not any(out.iterdir())


def test_a_finished_read_only_run_can_be_read_and_rerun_says_why_not(tmp_path, server):
    url, handler = server()
    out = tmp_path / "out"
    args = run_args(url, bench(tmp_path, 3), out)
    assert harness(*args).returncode == 0
    [run_dir] = (out / "runs").iterdir()
    before = {p: p.stat().st_mtime_ns for p in run_dir.iterdir()}
    prefix = read_only_prefix(out)
    read = subprocess.run([*prefix, sys.executable, "-c", "import sys; from harness.run_records import collect; "
                           "c = collect(sys.argv[1]); print(len(c.items), c.systems)", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert read.returncode == 0 and read.stdout.strip() == "3 ['base']", read.stderr
    rerun = harness(*args, prefix=prefix)
    assert_clean_failure(rerun.returncode, rerun.stderr, "cannot write")
    board = harness("leaderboard", "--out", out, prefix=prefix)
    assert_clean_failure(board.returncode, board.stderr, "cannot write", "leaderboard.md")
    assert {p: p.stat().st_mtime_ns for p in run_dir.iterdir()} == before


def test_an_identical_rerun_leaves_the_manifest_untouched(tmp_path, server):
    url, _ = server()
    args = run_args(url, bench(tmp_path, 2), tmp_path / "out")
    assert harness(*args).returncode == 0
    [manifest] = (tmp_path / "out" / "runs").glob("*/manifest.json")
    stamp = manifest.stat().st_mtime_ns
    assert harness(*args).returncode == 0
    assert manifest.stat().st_mtime_ns == stamp
