"""Runs with a tiny real model: records, cache, resume after kill -9."""

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from harness.config import RunConfig
from harness.runner import run
from tests.conftest import write_jsonl

REPO = Path(__file__).resolve().parents[2]


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def config(tiny_model, bench, out, **extra) -> RunConfig:
    return RunConfig(systems=["base", "prompted"], benchmark=str(bench), model=str(tiny_model), out=str(out),
                     max_new_tokens=8, **extra)


def test_run_writes_records_and_rerun_uses_the_cache(tiny_model, sample_benchmark, tmp_path):
    first = run(config(tiny_model, sample_benchmark, tmp_path))
    assert (first.generated, first.from_cache, first.failed) == (8, 0, 0)
    manifest = json.loads((first.run_dir / "manifest.json").read_text())
    assert set(manifest["systems"]) == {"base", "prompted"} and manifest["benchmark"]["n_items"] == 4
    assert manifest["package_versions"]["torch"]
    answers = read(first.run_dir / "generations.jsonl")
    assert len(answers) == 8 and all(a["status"] == "ok" and a["prompt_tokens"] for a in answers)
    assert len(read(first.run_dir / "scores.jsonl")) == 8

    again = run(config(tiny_model, sample_benchmark, tmp_path))
    assert again.run_id == first.run_id and again.generated == 0 and again.from_cache == 0
    assert len(read(first.run_dir / "generations.jsonl")) == 8  # nothing duplicated

    # a different run (other limit) reuses the cached generations instead of generating
    other = run(config(tiny_model, sample_benchmark, tmp_path, limit=2))
    assert other.run_id != first.run_id and other.generated == 0 and other.from_cache == 4


def test_cache_never_serves_another_models_answer(tiny_model, sample_benchmark, tmp_path):
    from tests.conftest import build_tiny_llama

    other = build_tiny_llama(tmp_path / "other", tiny_model, seed=7)
    run(config(tiny_model, sample_benchmark, tmp_path / "out"))
    second = run(RunConfig(systems=["base", "prompted"], benchmark=str(sample_benchmark), model=str(other),
                           out=str(tmp_path / "out"), max_new_tokens=8))
    assert second.from_cache == 0 and second.generated == 8


def test_kill_9_then_rerun_has_no_duplicates_and_no_gaps(tiny_model, tmp_path):
    items = [{"id": f"k{i}", "question": f"Tell me about custom number {i} in India.", "category": f"c{i % 3}"}
             for i in range(60)]
    bench = write_jsonl(tmp_path / "many.jsonl", items)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "harness", "run", "--systems", "base,prompted", "--benchmark", str(bench),
               "--model", str(tiny_model), "--out", str(out), "--batch-size", "1", "--max-new-tokens", "16"]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.time() + 120
    generations = None
    while time.time() < deadline and process.poll() is None:
        found = list(out.glob("runs/*/generations.jsonl"))
        if found and len(found[0].read_text().splitlines()) >= 10:
            generations = found[0]
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert generations is not None, "the run finished or never started before it could be killed"
    partial = len(read(generations)) if generations.read_text().endswith("\n") else None
    assert partial is None or partial < 120

    finished = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    records = read(generations)
    counts = Counter((r["system"], r["item_id"]) for r in records)
    assert len(counts) == 120 and set(counts.values()) == {1}
