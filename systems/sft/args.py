"""Training arguments: dataclass defaults, then a YAML ``--config``, then CLI flags (later wins).

Unknown keys in the YAML or on the command line are errors, with the closest known name.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Literal

from harness.errors import UserError, did_you_mean

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent


@dataclass
class TrainArgs:
    name: str = "sft"  # the adapter folder: <output_root>/<name>
    mode: Literal["sft", "uft"] = "sft"  # uft: continued pretraining on raw corpus text
    model: str = "embedded"
    model_shape: dict[str, Any] | None = None  # for --dry-run when the model's config is not on disk
    train_file: str = str(HERE / "data" / "train.jsonl")
    val_file: str = str(HERE / "data" / "val.jsonl")
    corpus: str = str(REPO / "systems" / "rag" / "corpus")
    benchmark: str = "indian_cultural_nuance"
    output_root: str = str(REPO / "adapters")
    max_train_examples: int | None = None
    max_val_examples: int | None = None
    # RAFT: train with the gold passage plus distractors in the prompt, for sft+rag
    raft: bool = False
    raft_distractors: int = 3
    raft_gold_probability: float = 0.8
    # LoRA
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    target_modules: str = "all-linear"
    # precision and memory
    quantization: Literal["auto", "none", "4bit"] = "auto"
    gradient_checkpointing: Literal["auto", "on", "off"] = "auto"
    optim: str = "auto"
    gpu_memory_gib: float = 24.0
    # optimisation
    max_length: int = 512
    learning_rate: float = 2e-4
    num_train_epochs: float = 3.0
    max_steps: int = -1
    per_device_train_batch_size: int = 4
    gradient_accumulation_steps: int = 4
    warmup_ratio: float = 0.03
    max_grad_norm: float = 0.3
    lr_scheduler_type: str = "cosine"
    weight_decay: float = 0.0
    logging_steps: int = 5
    eval_steps: int = 25
    early_stopping_patience: int = 3
    seed: int = 42
    # contamination guard
    allow_contamination: bool = False
    ngram_n: int = 6
    question_ngram_threshold: float = 0.5
    answer_ngram_threshold: float = 0.5
    question_embedding_threshold: float = 0.75
    dry_run: bool = False

    @property
    def output_dir(self) -> Path:
        return Path(self.output_root) / self.name

    def resolved(self) -> dict[str, Any]:
        return asdict(self)


def _bool(text: str) -> bool:
    lowered = str(text).lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got '{text}'")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m systems.sft.train",
                                     description="Train a LoRA/QLoRA adapter with TRL (SFT, UFT or RAFT).")
    parser.add_argument("--config", help="YAML preset, e.g. systems/sft/configs/cpu-quick.yaml")
    for f in fields(TrainArgs):
        flag = "--" + f.name.replace("_", "-")
        if f.type in ("bool",) or f.type is bool:
            parser.add_argument(flag, dest=f.name, nargs="?", const=True, type=_bool, default=None)
        elif f.name == "model_shape":
            continue
        else:
            caster = {"int": int, "float": float, "int | None": int}.get(str(f.type), str)
            parser.add_argument(flag, dest=f.name, type=caster, default=None)
    return parser


def parse_args(argv: list[str] | None = None) -> TrainArgs:
    from harness.files import load_yaml_mapping

    cli = vars(build_parser().parse_args(argv))
    config_path = cli.pop("config")
    data: dict[str, Any] = load_yaml_mapping(config_path) if config_path else {}
    if config_path:
        known = {f.name for f in fields(TrainArgs)}
        for key in data:
            if key not in known:
                raise UserError(f"unknown key '{key}' in {config_path}", hint=did_you_mean(key, sorted(known)))
    data.update({k: v for k, v in cli.items() if v is not None})
    args = TrainArgs(**data)
    if args.mode not in ("sft", "uft"):
        raise UserError(f"--mode must be sft or uft, not '{args.mode}'")
    if args.quantization not in ("auto", "none", "4bit"):
        raise UserError(f"--quantization must be auto, none or 4bit, not '{args.quantization}'")
    return args
