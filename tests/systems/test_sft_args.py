"""Training options through TRL's TrlParser: presets, CLI overrides, warm-up, and clear errors (exit 2)."""

import json
from pathlib import Path

import pytest

from harness.errors import UserError
from systems.sft.args import parse_args
from systems.sft.train import main

PRESETS = sorted(Path("systems/sft/configs").glob("*.yaml"))


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.stem)
def test_every_shipped_preset_parses_into_trl_dataclasses(preset):
    from trl import ModelConfig, SFTConfig

    options = parse_args(["--config", str(preset), "--dry-run"])
    assert isinstance(options.training, SFTConfig) and isinstance(options.model, ModelConfig)
    assert options.training.load_best_model_at_end and options.training.metric_for_best_model == "eval_loss"
    assert options.training.output_dir.endswith(f".checkpoints-{options.args.name}")


def test_a30_preset_uses_nf4_and_paged_8bit_adamw_under_trl_names():
    from trl import get_quantization_config

    options = parse_args(["--config", "systems/sft/configs/a30-qlora-8b.yaml", "--dry-run"])
    assert options.training.optim == "paged_adamw_8bit" and options.training.gradient_checkpointing
    config = get_quantization_config(options.model)
    assert config.load_in_4bit and config.bnb_4bit_quant_type == "nf4" and config.bnb_4bit_use_double_quant
    assert str(config.bnb_4bit_compute_dtype) == "torch.bfloat16"
    assert options.model.model_name_or_path == "Qwen/Qwen2.5-7B-Instruct" and options.model.lora_r == 16


def test_cli_overrides_the_preset_and_warmup_ratio_is_honoured():
    options = parse_args(["--config", "systems/sft/configs/cpu-quick.yaml", "--lora_r", "64", "--lora-alpha", "128",
                          "--warmup_steps", "0.1", "--name", "sft-r64"])
    assert options.model.lora_r == 64 and options.model.lora_alpha == 128 and options.args.name == "sft-r64"
    assert options.training.learning_rate == 3.0e-4  # from the preset
    assert options.training.get_warmup_steps(200) == 20  # a ratio below 1, not 0 steps


def test_warmup_reaches_the_learning_rate_schedule(tiny_model, tmp_path):
    """The bug this replaces dropped warm-up silently: the logged learning rate must rise first."""
    from tests.conftest import SAMPLE_ITEMS, write_jsonl
    from tests.systems.test_sft_train import PAIRS

    write_jsonl(tmp_path / "train.jsonl", PAIRS[:8])
    write_jsonl(tmp_path / "val.jsonl", PAIRS[8:10])
    write_jsonl(tmp_path / "bench.jsonl", SAMPLE_ITEMS)
    assert main(["--config", "systems/sft/configs/cpu-quick.yaml", "--model_name_or_path", str(tiny_model),
                 "--train-file", str(tmp_path / "train.jsonl"), "--val-file", str(tmp_path / "val.jsonl"),
                 "--benchmark", str(tmp_path / "bench.jsonl"), "--output-root", str(tmp_path / "adapters"),
                 "--max_steps", "4", "--warmup_steps", "0.5", "--logging_steps", "1", "--eval_steps", "4",
                 "--per_device_train_batch_size", "2", "--gradient_accumulation_steps", "1"]) == 0
    metrics = [json.loads(line) for line in (tmp_path / "adapters" / "sft" / "metrics.jsonl").read_text().splitlines()]
    rates = [m["learning_rate"] for m in metrics if "learning_rate" in m]
    assert rates[0] < rates[1] and max(rates) == pytest.approx(3.0e-4)


@pytest.mark.parametrize("body, line, message", [
    ("name: x\nlora_r: sixteen\n", 2, "field 'lora_r': expected an integer, got 'sixteen'"),
    ("name: x\n\nlora_rank: 16\n", 3, "unknown key 'lora_rank'"),
    ("learning_rate: fast\n", 1, "field 'learning_rate': expected a number"),
    ("gradient_checkpointing: maybe\n", 1, "field 'gradient_checkpointing'"),
    ("mode: xft\n", 1, "field 'mode': expected one of sft, uft"),
    ("quantization: 4bit\n", 1, "field 'quantization'"),
    ("optim: adamw_9bit\n", 1, "'adamw_9bit' is not one of the choices"),
    ("model_shape: [1, 2]\n", 1, "field 'model_shape': expected a mapping"),
])
def test_bad_preset_is_one_error_with_file_and_line(tmp_path, capsys, body, line, message):
    config = tmp_path / "bad.yaml"
    config.write_text(body)
    with pytest.raises(UserError) as info:
        parse_args(["--config", str(config)])
    assert f"{config}:{line}" in str(info.value) and message in str(info.value)
    assert main(["--config", str(config), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err


@pytest.mark.parametrize("argv, message", [
    (["--lora_r", "six"], "invalid int value: 'six'"),
    (["--bogus", "1"], "unknown option --bogus"),
    (["--mode", "xft"], "invalid choice"),
    (["--config"], "--config needs a YAML file"),
    (["--config", "no-such.yaml"], "does not exist"),
    (["--quantization", "nf4", "--load_in_8bit"], "cannot be combined"),
    (["--use_peft", "false"], "trains LoRA adapters"),
])
def test_bad_flags_exit_2_with_one_line(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_wrong_typed_training_data_names_file_line_and_field(tmp_path):
    from systems.sft.data import load_pairs

    good = {"id": "a", "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}
    path = tmp_path / "train.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "id": "b", "source_docs": 5}) + "\n")
    with pytest.raises(UserError, match=rf"{path}:2: field 'source_docs'"):
        load_pairs(path)
    path.write_text(json.dumps({**good, "category": ["x"]}) + "\n")
    with pytest.raises(UserError, match=rf"{path}:1: field 'category'"):
        load_pairs(path)
