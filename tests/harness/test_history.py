"""Iteration history on records written by the real runner: two adapters retrained into one folder."""

import json
import os
import time

import pytest

from harness.cli import main
from harness.config import RunConfig
from harness.report.history import collect_history, config_diff, history_plot, history_section
from harness.runner import run
from systems.base.system import BaseSystem
from tests.conftest import write_jsonl


class FakeRag(BaseSystem):  # a RAG-family reference without building an index
    name = "rag"
    family = "rag"


@pytest.fixture(autouse=True)
def fake_rag(monkeypatch):
    from harness import registry

    monkeypatch.setitem(registry.SYSTEMS._loaded, "rag", FakeRag)


def save_adapter(folder, tiny_model, rank, lr, data_hash, pairs, seed):
    import torch
    import yaml
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    model = get_peft_model(AutoModelForCausalLM.from_pretrained(tiny_model),
                           LoraConfig(r=rank, target_modules=["q_proj", "v_proj"], init_lora_weights=False))
    model.save_pretrained(folder)
    (folder / "training_config.yaml").write_text(yaml.safe_dump({"learning_rate": lr, "lora_r": rank,
                                                                  "runtime": {"device": "cpu"}}))
    (folder / "data.json").write_text(json.dumps({"mode": "sft", "train_examples": pairs,
                                                  "data_hashes": {"train.jsonl": data_hash, "val.jsonl": "v"}}))


def test_two_iterations_in_one_folder_show_a_config_diff_and_paired_tests(tmp_path, tiny_model):
    items = [{"id": f"i{k}", "question": f"What is custom {k}?", "key_points": [f"custom {k} matters"]}
             for k in range(6)]
    bench = write_jsonl(tmp_path / "b.jsonl", items)
    adapter = tmp_path / "adapters" / "sft"
    config = RunConfig(systems={"rag": {"kind": "rag"}, "sft": {"kind": "sft", "adapter": str(adapter)}},
                       benchmark=str(bench), model=str(tiny_model), out=str(tmp_path / "out"), max_new_tokens=6)

    save_adapter(adapter, tiny_model, 4, 1e-4, "aaaa1111", 10, seed=1)
    first = run(config)
    time.sleep(1.1)  # a later training time for the retrained adapter
    save_adapter(adapter, tiny_model, 8, 2e-4, "bbbb2222", 12, seed=2)
    os.utime(adapter / "adapter_model.safetensors")
    second = run(config)
    assert first.run_id != second.run_id  # a new adapter hash is a new fingerprint

    history = collect_history(tmp_path / "out")
    assert [it.system for it in history.iterations] == ["sft", "sft"]
    assert history.iterations[0].adapter_hash != history.iterations[1].adapter_hash
    assert history.rag and history.rag[0] == "rag"
    section = history_section(history)
    assert "learning_rate: 0.0001 → 0.0002" in section and "lora_r: 4 → 8" in section
    assert "12 pairs, data bbbb2222" in section and "10 pairs, data aaaa1111" in section
    assert section.count("n = 6") == 3  # vs previous once, vs RAG twice
    assert history_plot(history, tmp_path / "out" / "history.png").stat().st_size > 1000

    assert main(["history", "--out", str(tmp_path / "out")]) == 0
    from harness.report.leaderboard import write_leaderboard

    path, _ = write_leaderboard(tmp_path / "out")
    assert "## Iteration history" in path.read_text() and (tmp_path / "out" / "history.png").is_file()


def test_config_diff_ignores_runtime_and_lists_changes():
    old = {"learning_rate": 1e-4, "runtime": {"device": "cpu"}, "peft": {"r": 16}}
    new = {"learning_rate": 1e-4, "runtime": {"device": "cuda"}, "peft": {"r": 64}, "epochs": 3}
    assert config_diff(old, new) == ["epochs: default → 3", "peft.r: 16 → 64"]


def test_history_without_adapters_is_a_clear_error(tmp_path, tiny_model, sample_benchmark, capsys):
    run(RunConfig(systems="base", benchmark=str(sample_benchmark), model=str(tiny_model), out=str(tmp_path),
                  max_new_tokens=4))
    assert main(["history", "--out", str(tmp_path)]) == 2
    assert "no adapter-based system" in capsys.readouterr().err


@pytest.mark.parametrize("damage", ["[]", "{not json", '{"created_at": "x"}', None])
def test_a_damaged_run_folder_is_skipped_with_a_warning(tmp_path, tiny_model, sample_benchmark, damage, capsys):
    from harness.report.leaderboard import write_leaderboard

    config = RunConfig(systems="base", benchmark=str(sample_benchmark), model=str(tiny_model), out=str(tmp_path),
                       max_new_tokens=4)
    good = run(config)
    broken = tmp_path / "runs" / "broken"
    broken.mkdir()
    if damage is None:  # a manifest without its items
        (broken / "manifest.json").write_text((good.run_dir / "manifest.json").read_text())
    else:
        (broken / "manifest.json").write_text(damage)
        (broken / "items.json").write_text("[]")
    path, comparison = write_leaderboard(tmp_path)
    assert comparison.systems == ["base"] and path.is_file()
    assert "run skipped" in capsys.readouterr().err
