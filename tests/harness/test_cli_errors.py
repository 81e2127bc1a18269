"""Every bad input: one clear message, exit code 2, no traceback, nothing half-written."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def harness(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "harness", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def assert_clean_failure(result, *needles):
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in result.stderr


def test_unknown_system(sample_benchmark, tmp_path):
    result = harness("run", "--systems", "base,rga", "--benchmark", str(sample_benchmark), "--out", str(tmp_path))
    assert_clean_failure(result, "unknown system 'rga'", "rag")
    assert not (tmp_path / "runs").exists()


def test_missing_benchmark(tmp_path):
    result = harness("run", "--benchmark", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path))
    assert_clean_failure(result, "no benchmark named or found")


def test_malformed_benchmark_names_file_line_and_field(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "question": "fine?"}\n{"id": "b", "question": ""}\n')
    result = harness("run", "--benchmark", str(bad), "--out", str(tmp_path))
    assert_clean_failure(result, f"{bad}:2", "'question'")
    assert not (tmp_path / "runs").exists()


def test_unreachable_endpoint(sample_benchmark, tmp_path):
    result = harness("run", "--backend", "openai", "--endpoint", "http://127.0.0.1:9/v1", "--model", "m",
                     "--benchmark", str(sample_benchmark), "--out", str(tmp_path))
    assert_clean_failure(result, "cannot reach endpoint http://127.0.0.1:9/v1")
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("args", [["run", "--limit", "many"], ["run", "--backend", "tpu"], ["run", "--bogus"]])
def test_bad_flags(args):
    result = harness(*args)
    assert result.returncode == 2 and "Traceback" not in result.stderr and "usage:" in result.stderr


def test_unknown_config_key(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("modle: x\n")
    assert_clean_failure(harness("run", "--config", str(config)), "unknown config key 'modle'", "model")
