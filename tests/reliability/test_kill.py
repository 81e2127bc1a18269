"""kill -9 at random points of a run against a slow server: what was answered before the kill is on
disk, the rerun asks the server only for the rest, and the finished run has each answer exactly once."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time

import pytest

from tests.reliability.helpers import REPO, records

ITEMS = 24
CONCURRENCY = 3


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kill_9_loses_nothing_and_repeats_only_what_was_in_flight(seed, tmp_path, server):
    url, handler = server(delay_s=0.25)
    bench = tmp_path / "b.jsonl"
    bench.write_text("".join(json.dumps({"id": f"q{i}", "question": f"Question {i}?"}) + "\n" for i in range(ITEMS)))
    args = [sys.executable, "-m", "harness", "run", "--backend", "openai", "--endpoint", url, "--model", "m",
            "--systems", "base,prompted", "--benchmark", str(bench), "--out", str(tmp_path / "out"),
            "--concurrency", str(CONCURRENCY)]
    rng = random.Random(seed)
    kills = 0
    for _ in range(2):  # two kills at random moments of the generation, then a run to the end
        process = subprocess.Popen(args, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started = sum(handler.attempts.values())
        deadline = time.time() + 60
        while sum(handler.attempts.values()) == started and process.poll() is None and time.time() < deadline:
            time.sleep(0.02)
        time.sleep(rng.uniform(0.1, 1.5))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
        saved = [r for r in records_tolerant(tmp_path) if r["status"] == "ok"]
        asked = sum(handler.attempts.values())
        # every answer the server gave, except those in flight at the kill, is on disk
        assert asked - len(saved) <= CONCURRENCY * kills, (asked, len(saved))
    final = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    [run_dir] = (tmp_path / "out" / "runs").iterdir()
    ok = [r for r in records(run_dir / "generations.jsonl") if r["status"] == "ok"]
    assert len(ok) == 2 * ITEMS and len({(r["system"], r["item_id"]) for r in ok}) == 2 * ITEMS
    assert sum(handler.attempts.values()) <= 2 * ITEMS + CONCURRENCY * kills


def records_tolerant(tmp_path) -> list[dict]:
    """Complete records of the (single) run so far; a last line cut by the kill is not a record yet."""
    from harness.store import JsonlStore

    runs = list((tmp_path / "out" / "runs").glob("*/generations.jsonl"))
    return list(JsonlStore(runs[0])) if runs else []
