"""Shared fixtures: a tiny randomly initialised Llama with the embedded model's tokenizer, and benchmarks."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

SAMPLE_ITEMS = [
    {"id": "q1", "question": "What is Onam and where is it celebrated?", "category": "festivals", "region": "south",
     "key_points": ["Onam is a harvest festival of Kerala", "It honours King Mahabali"],
     "pitfalls": ["Calling Onam a pan-Indian festival"], "split": "dev"},
    {"id": "q2", "question": "Should I remove my shoes before entering a gurdwara?", "category": "religion",
     "region": "north", "key_points": ["Shoes are removed before entering a gurdwara", "Heads are covered inside"],
     "split": "dev"},
    {"id": "q3", "question": "What is Bihu?", "category": "festivals", "region": "northeast",
     "key_points": ["Bihu is a set of Assamese festivals"], "split": "test"},
    {"id": "q4", "question": "How do people greet elders in Tamil Nadu?", "category": "etiquette", "region": "south",
     "key_points": ["Many people greet elders with folded hands", "Touching elders' feet is a sign of respect"],
     "split": "test"},
]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def sample_benchmark(tmp_path) -> Path:
    return write_jsonl(tmp_path / "items.jsonl", SAMPLE_ITEMS)


@pytest.fixture(scope="session")
def embedded_checkpoint() -> Path:
    from harness.embedded import ensure_checkpoint

    return ensure_checkpoint()


def build_tiny_llama(target: Path, tokenizer_source: Path, seed: int = 0) -> Path:
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_source)
    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048,
                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=True)
    model = LlamaForCausalLM(config)
    model.save_pretrained(target)
    tokenizer.save_pretrained(target)
    return target


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, embedded_checkpoint) -> Path:
    """A 2-layer random Llama that speaks SmolLM2's chat template; generates in milliseconds."""
    return build_tiny_llama(tmp_path_factory.mktemp("tiny-llama"), embedded_checkpoint)
