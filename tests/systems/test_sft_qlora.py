"""QLoRA on CPU through the cpu-qlora preset (the a30-qlora-8b path), and UFT then SFT, on a tiny Llama."""

import json
from pathlib import Path

import pytest

from harness.backends.hf import TransformersBackend
from harness.generation import GenerationParams, Prompt
from systems.sft.train import main
from tests.systems.test_sft_train import workspace  # noqa: F401  (fixture)

bnb = pytest.importorskip("bitsandbytes")

QLORA = "systems/sft/configs/cpu-qlora.yaml"


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory, embedded_checkpoint) -> Path:
    """A 2-layer random Llama wide enough (hidden 256) that r=16 LoRA matrices reach bitsandbytes'
    4,096-element floor for 8-bit optimizer state, as every matrix of a real model does."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    target = tmp_path_factory.mktemp("tiny-llama-256")
    tokenizer = AutoTokenizer.from_pretrained(embedded_checkpoint)
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=256, intermediate_size=512, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048,
                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=True)
    LlamaForCausalLM(config).save_pretrained(target)
    tokenizer.save_pretrained(target)
    return target


def flags(tiny_model, ws: Path, *extra: str) -> list[str]:
    return ["--config", QLORA, "--model_name_or_path", str(tiny_model), "--train-file", str(ws / "train.jsonl"),
            "--val-file", str(ws / "val.jsonl"), "--benchmark", str(ws / "bench.jsonl"), "--corpus",
            str(ws / "corpus"), "--output-root", str(ws / "adapters"), "--max_steps", "4", "--eval_steps", "2",
            "--logging_steps", "1", "--gradient_accumulation_steps", "1", "--learning_rate", "5e-2", *extra]


def answers(model: Path, adapter: Path | None, questions=("What is Onam?", "Tell me about Lohri.")) -> list[str]:
    backend = TransformersBackend(model=str(model))
    prompts = [Prompt(item_id=str(i), messages=[{"role": "user", "content": q}]) for i, q in enumerate(questions)]
    if adapter is not None:
        backend.register_adapter("a", str(adapter))
        prompts = [p.model_copy(update={"adapter": "a"}) for p in prompts]
    return [c.text for c in backend.generate(prompts, GenerationParams(max_new_tokens=10))]


def test_preset_path_is_nf4_kbit_checkpointing_paged_8bit_adamw(tiny_model, workspace):  # noqa: F811
    """The same functions main() calls, inspected between the steps, then trained, saved and reloaded."""
    import torch

    from systems.sft.args import parse_args
    from systems.sft.outputs import save_outputs
    from systems.sft.train import build_datasets, build_trainer, runtime

    options = parse_args(flags(tiny_model, workspace))
    assert options.args.quantization == "nf4" and options.training.optim == "paged_adamw_8bit"
    train, val, report = build_datasets(options)
    trainer = build_trainer(options, train, val)
    base = trainer.model.get_base_model()
    linear = base.model.layers[0].self_attn.q_proj.base_layer
    assert isinstance(linear, bnb.nn.Linear4bit)
    assert linear.weight.quant_state.quant_type == "nf4" and linear.weight.quant_state.nested  # double quantisation
    assert base.model.norm.weight.dtype == torch.float32  # k-bit preparation upcasts what is not quantised
    assert base.is_gradient_checkpointing
    trainer.train()
    optimizer = trainer.optimizer.optimizer
    assert isinstance(optimizer, bnb.optim.optimizer.Optimizer8bit) and optimizer.is_paged
    assert optimizer.args.optim_bits == 8
    states = [s for p, s in optimizer.state.items() if p.numel() >= optimizer.args.min_8bit_size]
    assert states and all(s["state1"].dtype == torch.uint8 for s in states)  # 8-bit Adam moments
    folder = save_outputs(options, runtime(options), trainer, report, 1.0)

    summary = json.loads((folder / "summary.json").read_text())
    assert summary["quantization"] == "nf4" and summary["optim"] == "paged_adamw_8bit" and summary["steps"] == 4
    config = json.loads((folder / "adapter_config.json").read_text())
    assert config["r"] == 16
    assert answers(tiny_model, folder) != answers(tiny_model, None)  # reloaded over the base: outputs changed


def test_qlora_through_main_then_uft_then_sft(tiny_model, workspace):  # noqa: F811
    """Stage 1 UFT on raw corpus text, stage 2 SFT continuing that adapter (--init-adapter), both QLoRA."""
    from safetensors.torch import load_file

    assert main(flags(tiny_model, workspace, "--mode", "uft", "--name", "uft", "--max_length", "64")) == 0
    uft = workspace / "adapters" / "uft"
    assert main(flags(tiny_model, workspace, "--init-adapter", str(uft), "--name", "uft-sft", "--lora_r", "4",
                      "--learning_rate", "1e-5", "--max_steps", "2")) == 0
    both = workspace / "adapters" / "uft-sft"
    summary = json.loads((both / "summary.json").read_text())
    assert summary["init_adapter"] == str(uft) and summary["mode"] == "sft" and summary["steps"] == 2
    assert json.loads((both / "adapter_config.json").read_text())["r"] == 16  # the UFT adapter's rank carried over
    before, after = load_file(uft / "adapter_model.safetensors"), load_file(both / "adapter_model.safetensors")
    assert before.keys() == after.keys()
    drift = max((after[k].float() - before[k].float()).abs().max().item() for k in before)
    assert 0 < drift < 1e-2  # trained on from the UFT weights, not from a fresh initialisation

    from harness.registry import get_system_class

    system = get_system_class("uft+sft")
    assert system.Config().adapter.endswith("adapters/uft-sft") and "--init-adapter" in system.train_hint


def test_init_adapter_that_does_not_exist_is_a_clear_error(tiny_model, workspace, capsys):  # noqa: F811
    assert main(flags(tiny_model, workspace, "--init-adapter", str(workspace / "nope"))) == 2
    assert "no adapter_config.json" in capsys.readouterr().err
