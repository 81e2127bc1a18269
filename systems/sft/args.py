"""Training options through TRL's own ``TrlParser``: ``SFTConfig`` and ``ModelConfig`` hold every
trainer and model option under TRL's names, and ``TrainArgs`` only what TRL lacks.

Dataclass defaults (ours below, via ``parser.set_defaults``), then the YAML ``--config``, then CLI
flags (``--lora_r 16`` or ``--lora-r 16``), the later winning. The YAML is checked before TRL reads
it: an unknown key or a value of the wrong type is one ``UserError`` naming ``file:line``.
"""

from __future__ import annotations

import enum
import types
import typing
import warnings
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal

from harness.errors import UserError, did_you_mean

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent


@dataclass
class TrainArgs:
    """What TRL has no field for: data, adapter naming, quantisation shorthand, guard, dry-run."""

    name: str = "sft"  # the adapter folder: <output_root>/<name>
    mode: Literal["sft", "uft"] = "sft"  # uft: continued pretraining on raw corpus text
    # nf4: 4-bit NF4 weights, double quantisation, bf16 compute and storage (QLoRA), on any device
    # bitsandbytes supports; sets ModelConfig's load_in_4bit, bnb_4bit_quant_type, use_bnb_nested_quant, dtype
    quantization: Literal["none", "nf4"] = "none"
    init_adapter: str | None = None  # continue training this adapter (e.g. adapters/uft: UFT then SFT)
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
    gpu_memory_gib: float = 24.0  # the budget --dry-run checks the estimate against
    early_stopping_patience: int = 3
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


# Our defaults for TRL's fields (TRL's own stand otherwise); a preset or a flag overrides each.
DEFAULTS: dict[str, Any] = {
    "model_name_or_path": "embedded", "use_peft": True, "lora_r": 16, "lora_alpha": 32, "lora_dropout": 0.05,
    "lora_target_modules": "all-linear",
    "learning_rate": 2e-4, "num_train_epochs": 3.0, "per_device_train_batch_size": 4,
    "per_device_eval_batch_size": 4, "gradient_accumulation_steps": 4, "warmup_steps": 0.03,
    "max_grad_norm": 0.3, "lr_scheduler_type": "cosine", "logging_steps": 5, "eval_strategy": "steps",
    "eval_steps": 25, "save_strategy": "best", "save_total_limit": 1, "load_best_model_at_end": True,
    "metric_for_best_model": "eval_loss", "greater_is_better": False, "max_length": 512, "seed": 42,
    "report_to": "none", "include_num_input_tokens_seen": True, "dataloader_num_workers": 0,
    # the embedded model on a CPU: fp32 LoRA; GPU presets turn on bf16 and checkpointing
    "bf16": False, "gradient_checkpointing": False,
}


@dataclass
class Options:
    """The three parsed parts: ours, TRL's trainer config, TRL's model config."""

    args: TrainArgs
    training: Any  # trl.SFTConfig
    model: Any  # trl.ModelConfig

    def resolved(self) -> dict[str, Any]:
        """Every option that differs from its dataclass default (what shapes this adapter), for
        training_config.yaml and the iteration diff, plus the library versions that read them."""
        from dataclasses import asdict
        from importlib.metadata import version

        training = self.training.to_dict()
        return {"script": asdict(self.args), "model": changed(asdict(self.model), type(self.model)),
                "training": changed(training, type(self.training)),
                "versions": {name: version(name) for name in ("trl", "transformers", "peft")}}


NOT_RECORDED = {"output_dir", "logging_dir", "run_name", "disable_tqdm", "local_rank", "use_cpu"}


def changed(values: dict[str, Any], cls) -> dict[str, Any]:
    import dataclasses

    out = {}
    for f in fields(cls):
        if not f.init or f.name in NOT_RECORDED or f.name.startswith(("hub_", "push_to_hub")) or f.name not in values:
            continue
        default = (f.default if f.default is not dataclasses.MISSING
                   else f.default_factory() if f.default_factory is not dataclasses.MISSING else None)
        value = values[f.name]
        if value != getattr(default, "value", default):
            out[f.name] = value if isinstance(value, (str, int, float, bool, type(None), list, dict)) else str(value)
    return out


def make_parser():
    """TRL's parser over (TrainArgs, SFTConfig, ModelConfig); a parse error raises UserError, not exit."""
    from trl import ModelConfig, SFTConfig, TrlParser

    class Parser(TrlParser):
        def error(self, message):
            raise UserError(f"{self.prog}: {message}", hint="python -m systems.sft.train --help lists every option")

    parser = Parser((TrainArgs, SFTConfig, ModelConfig), prog="python -m systems.sft.train",
                    description="Train a LoRA/QLoRA adapter with TRL (SFT, UFT or RAFT).")
    parser.set_defaults(**DEFAULTS)
    return parser


def parse_args(argv: list[str] | None = None) -> Options:
    import sys

    argv = list(sys.argv[1:] if argv is None else argv)
    if {"--dry-run", "--dry_run"} & set(argv):
        argv += ["--use_cpu", "true"]  # loads no weights; lets a bf16 GPU preset parse on any machine
    parser = make_parser()
    if "--config" in argv:
        at = argv.index("--config")
        if at + 1 >= len(argv):
            raise UserError("--config needs a YAML file")
        check_config(argv[at + 1], parser)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="`gradient_checkpointing")  # renamed in transformers 5.24
            args, training, model = parser.parse_args_and_config(argv)
    except ValueError as exc:  # unknown flags, or SFTConfig/ModelConfig refusing a combination
        message = str(exc).splitlines()[0]
        if "not used by the HfArgumentParser" in message:
            unknown = [a for a in argv if a.startswith("--") and a[2:].replace("-", "_") not in field_hints()]
            flag = unknown[0] if unknown else message
            raise UserError(f"unknown option {flag}",
                            hint=did_you_mean(flag.lstrip("-").replace("-", "_"), sorted(field_hints()))) from None
        raise UserError(message) from None
    options = Options(args, training, model)
    apply_quantization(options)
    derive(options)
    return options


def apply_quantization(options: Options) -> None:
    """``quantization: nf4`` as ModelConfig fields, so TRL's get_quantization_config builds it."""
    model = options.model
    if options.args.quantization == "nf4":
        if model.load_in_8bit:
            raise UserError("quantization: nf4 and load_in_8bit cannot be combined")
        model.load_in_4bit, model.bnb_4bit_quant_type, model.use_bnb_nested_quant = True, "nf4", True
        model.dtype = "bfloat16"  # compute dtype; the same storage dtype lets FSDP shard the 4-bit weights
        model.bnb_4bit_quant_storage = model.bnb_4bit_quant_storage or "bfloat16"
    elif model.load_in_4bit:
        options.args.quantization = model.bnb_4bit_quant_type


def derive(options: Options) -> None:
    args, training = options.args, options.training
    if not options.model.use_peft:
        raise UserError("use_peft: false is not supported: this script trains LoRA adapters")
    # checkpoints beside the adapter folder, which is written once, whole, at the end
    training.output_dir = str(Path(args.output_root) / f".checkpoints-{args.name}")
    if args.mode == "uft":
        training.packing = True  # raw text: fill every block


# --- the YAML check: unknown keys and wrong types, with file:line ---------------------------------

def check_config(path: str, parser) -> dict[str, Any]:
    from harness.files import load_yaml_mapping

    data = load_yaml_mapping(path)
    lines = key_lines(path)
    hints = field_hints()
    known = sorted(hints)
    for key, value in data.items():
        where = f"{path}:{lines.get(key, 1)}"
        if key == "env":
            if not isinstance(value, dict):
                raise UserError("field 'env': a mapping of environment variables is required", where=where)
            continue
        if key not in hints:
            raise UserError(f"unknown key '{key}'", where=where, hint=did_you_mean(str(key), known))
        hint = hints[key]
        if not conforms(value, hint) and not (value is not None and list_of_str(hint) and isinstance(value, str)):
            raise UserError(f"field '{key}': expected {describe(hint)}, got {value!r}", where=where)
        choices = next((a.choices for a in parser._actions if a.dest == key and a.choices), None)
        if choices and value not in choices and str(value) not in map(str, choices):
            names = [str(c) for c in choices]
            shown = ", ".join(names) if len(names) <= 8 else did_you_mean(str(value), names)
            raise UserError(f"field '{key}': '{value}' is not one of the choices", where=where, hint=shown)
    return data


def key_lines(path: str) -> dict[str, int]:
    import yaml

    node = yaml.compose(Path(path).read_text())
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)}


def field_hints() -> dict[str, Any]:
    from trl import ModelConfig, SFTConfig

    hints: dict[str, Any] = {}
    for cls in (TrainArgs, SFTConfig, ModelConfig):
        resolved = typing.get_type_hints(cls)
        hints.update({f.name: resolved.get(f.name, Any) for f in fields(cls) if f.init})
    return hints


def list_of_str(hint) -> bool:
    """A ``list[str]`` field (maybe optional): one string stands for a one-item list, as on the CLI."""
    return any(typing.get_origin(a) is list for a in (typing.get_args(hint) or (hint,)))


def conforms(value, hint) -> bool:
    origin, params = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any or hint is object:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(conforms(value, p) for p in params)
    if hint is type(None):
        return value is None
    if origin is Literal:
        return value in params
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    if origin in (list, tuple, set) or hint in (list, tuple, set):
        return isinstance(value, list) and all(conforms(v, params[0]) for v in value) if params else isinstance(value, list)
    if origin is dict or hint is dict:
        return isinstance(value, dict)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return value in {m.value for m in hint}
    return True  # a type this check does not know: TRL decides


def describe(hint) -> str:
    origin, params = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(describe(p) for p in params)
    if origin is Literal:
        return "one of " + ", ".join(map(str, params))
    names = {bool: "true or false", int: "an integer", float: "a number", str: "a string", type(None): "null",
             dict: "a mapping", list: "a list"}
    if hint in names:
        return names[hint]
    if origin in names:
        return names[origin] + (f" of {describe(params[0])}" if params else "")
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return "one of " + ", ".join(str(m.value) for m in hint)
    return getattr(hint, "__name__", str(hint))
