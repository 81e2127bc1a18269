"""scripts/gpu_check.py: the offline wheel install, and the whole check on tiny shapes (CPU)."""

import importlib
import json
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import gpu_check  # noqa: E402


def fake_wheel(folder: Path, name: str) -> Path:
    wheel = folder / f"{name}-0.1-py3-none-any.whl"
    info = f"{name}-0.1.dist-info"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(f"{name}/__init__.py", "ANSWER = 42\n")
        archive.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
        archive.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        archive.writestr(f"{info}/RECORD", "")
    return wheel


def test_missing_packages_install_from_carried_wheels_without_an_index(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(gpu_check.tempfile, "gettempdir", lambda: str(tmp_path))
    fake_wheel(tmp_path, "gpucheckdemo")
    fake_wheel(tmp_path, "pytest")  # installed already: left alone
    assert gpu_check.ensure_packages(tmp_path) == ["gpucheckdemo"]
    assert importlib.import_module("gpucheckdemo").ANSWER == 42
    assert not (tmp_path / "gpu_check_site" / "pytest").exists()


def test_without_a_gpu_the_full_check_refuses_clearly(capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is here")
    assert gpu_check.main(["--wheels", "/nonexistent"]) == 2
    assert "use --tiny" in capsys.readouterr().err


@pytest.mark.slow
def test_tiny_check_trains_the_preset_path_and_measures_generation(tmp_path):
    out = tmp_path / "gpu_check.json"
    assert gpu_check.main(["--tiny", "--ratio", "6", "--wheels", str(tmp_path / "none"), "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    train = report["train"]
    assert train["quantized_layer"] == "Linear4bit" and train["optimizer"] == "paged_adamw_8bit"
    assert train["steps"] == 3 and train["seq_len"] == 64 and train["tokens_per_second"] > 0
    assert set(train["estimate_gib"]) >= {"weights", "lora", "optimizer", "activations", "logits", "total"}
    assert set(train["compared"]) == {"weights", "lora (params at attach)", "peak allocated vs total",
                                      "peak reserved vs total"}
    projection = report["a30_projection"]
    assert projection["ratio"] == 6 and projection["optimizer_steps"] == -(-1500 // 4) * 3
    assert projection["full_length_hours"] > 0 and projection["by_tokens_hours"] > 0
    generation = report["generation"]
    assert generation["raw_tokens"] > 0 and 0.5 < generation["harness_over_raw"] < 3
    assert generation["judge"]["grades_per_second"] > 0 and generation["judge"]["games_per_second"] > 0
