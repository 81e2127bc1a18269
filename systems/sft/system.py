"""``sft``, ``uft`` and ``uft+sft``: the base model with a LoRA adapter trained in this repo; ``sft+rag``: the
adapter answering with retrieved passages.

With the transformers backend the adapter loads through PEFT; with an OpenAI-compatible backend
(vLLM ``--lora-modules NAME=PATH``) requests name the served LoRA module.
"""

from __future__ import annotations

import json
from pathlib import Path

from harness.errors import UserError
from harness.generation import Prompt
from harness.records import Item
from harness.registry import register_system
from harness.system import System, SystemConfig
from systems.base.system import user_message
from systems.rag.system import RagConfig, RetrievalMixin
from systems.sft.args import REPO

ADAPTERS = REPO / "adapters"
TRAIN_HINT = "train one with: python -m systems.sft.train --config systems/sft/configs/cpu-quick.yaml"


class AdapterConfig(SystemConfig):
    adapter: str = str(ADAPTERS / "sft")
    served_name: str | None = None  # LoRA module name on a server; default: the adapter folder's name


def trained_at(path: Path) -> str | None:
    """When the adapter's weights were written (UTC, ISO): orders iterations in `harness history`."""
    from datetime import datetime, timezone

    weights = path / "adapter_model.safetensors"
    if not weights.is_file():
        return None
    return datetime.fromtimestamp(weights.stat().st_mtime, timezone.utc).isoformat(timespec="seconds")


class AdapterMixin:
    config: AdapterConfig
    train_hint = TRAIN_HINT

    def __init__(self, config: AdapterConfig, backend):
        super().__init__(config, backend)
        self.attach_adapter()

    def attach_adapter(self) -> None:
        path = Path(self.config.adapter)
        self.adapter_name = self.config.served_name or path.name
        exists = (path / "adapter_config.json").is_file()
        if not exists and self.backend.kind == "hf":
            raise UserError(f"system '{self.name}' found no adapter at {path}", hint=self.train_hint)
        self.adapter_hash = self.backend.register_adapter(self.adapter_name, str(path) if exists else None)
        summary = path / "summary.json"
        self.training = json.loads(summary.read_text()) if summary.is_file() else {}

    def adapter_fingerprint(self) -> dict:
        return {"adapter": self.adapter_name, "adapter_hash": self.adapter_hash}

    def describe(self) -> dict:
        """What this adapter is, kept in the run manifest: retraining into the same folder loses nothing."""
        import yaml

        path = Path(self.config.adapter)
        snapshot = {"adapter": str(path), "adapter_name": self.adapter_name, "adapter_hash": self.adapter_hash,
                    "training": self.training, "trained_at": trained_at(path)}
        for name, key in (("training_config.yaml", "training_config"), ("data.json", "data")):
            file = path / name
            if file.is_file():
                try:
                    text = file.read_text(encoding="utf-8")
                    snapshot[key] = yaml.safe_load(text) if name.endswith(".yaml") else json.loads(text)
                except (ValueError, yaml.YAMLError, UnicodeDecodeError):
                    snapshot[key] = None
        return snapshot


@register_system("sft")
class SftSystem(AdapterMixin, System):
    Config = AdapterConfig
    family = "sft"

    def fingerprint_parts(self):
        return self.adapter_fingerprint()

    def prepare(self, items: list[Item]) -> list[Prompt]:
        return [Prompt(item_id=i.id, adapter=self.adapter_name, messages=[user_message(self.question_template, i)])
                for i in items]


class UftConfig(AdapterConfig):
    adapter: str = str(ADAPTERS / "uft")


@register_system("uft")
class UftSystem(SftSystem):
    Config = UftConfig
    train_hint = ("train one with: python -m systems.sft.train --config systems/sft/configs/cpu-quick.yaml "
                  "--mode uft --name uft")


class UftSftConfig(AdapterConfig):
    adapter: str = str(ADAPTERS / "uft-sft")


@register_system("uft+sft")
class UftSftSystem(SftSystem):
    """SFT continued from a UFT adapter: continued pretraining on the corpus, then question-answer pairs."""

    Config = UftSftConfig
    train_hint = ("train it in two stages: python -m systems.sft.train --config systems/sft/configs/cpu-quick.yaml "
                  "--mode uft --name uft, then the same with --init-adapter adapters/uft --name uft-sft")


class SftRagConfig(RagConfig, AdapterConfig):
    pass


@register_system("sft+rag")
class SftRagSystem(AdapterMixin, RetrievalMixin, System):
    """The SFT adapter with retrieved passages. Point ``adapter`` at a RAFT-trained one
    (``--raft --name sft-raft``) so the model has learnt to read passages and ignore distractors."""

    Config = SftRagConfig
    family = "hybrid"

    def fingerprint_parts(self):
        return {**self.adapter_fingerprint(), **self.retrieval_fingerprint()}

    def prepare(self, items: list[Item]) -> list[Prompt]:
        return self.retrieval_prompts(items)
