"""One registry shape for system kinds, backends and judge kinds (after lm-eval's ``Registry``).

Register an object defined in this process::

    from harness.registry import register_system
    from harness.system import System

    @register_system("my-rag")
    class MyRag(System): ...

Built-ins are listed lazily (name -> "module:object") so ``python -m harness list`` never imports
torch. Other packages add entries through entry-point groups (``harness.systems``,
``harness.backends``, ``harness.judges``)::

    [project.entry-points."harness.systems"]
    my-rag = "my_package.system:MyRag"

Look-up: ``SYSTEMS.get("rag")``; an unknown name raises ``UserError`` naming the closest ones; a
name registered twice for different objects is an error; a class that is not a subclass of the
registry's base class is refused.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from harness.errors import UserError, did_you_mean


@dataclass(frozen=True)
class Entry:
    name: str
    target: str  # "module:qualname"
    description: str = ""


def _load(target: str) -> Any:
    module_name, _, attr = target.partition(":")
    obj = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


@dataclass
class Registry:
    """Names -> lazily imported objects, from built-ins, decorators and one entry-point group."""

    what: str  # "system", "backend", "judge kind": used in messages
    group: str  # entry-point group
    base: str | None = None  # "module:Class" every registered class must subclass
    builtins: dict[str, Entry] = field(default_factory=dict)
    _loaded: dict[str, Any] = field(default_factory=dict)

    def add(self, name: str, target: str, description: str = "") -> None:
        """Register lazily by target; a second, different target for one name is an error."""
        known = self.builtins.get(name)
        if known is not None and known.target != target:
            raise ValueError(f"{self.what} '{name}' is already registered as {known.target}; cannot add {target}")
        self.builtins[name] = Entry(name, target, description or (known.description if known else ""))

    def register(self, name: str, description: str = ""):
        """Decorator: make ``name`` resolve to the decorated object."""

        def wrap(obj):
            target = f"{obj.__module__}:{obj.__qualname__}"
            known = self.builtins.get(name)
            if known is not None and known.target != target:
                raise ValueError(f"{self.what} '{name}' is already registered as {known.target}")
            self._check_base(name, obj)
            if isinstance(obj, type):
                obj.name = name
            self.builtins.setdefault(name, Entry(name, target, description or _first_line(obj.__doc__)))
            self._loaded[name] = obj
            return obj

        return wrap

    def entry_points(self) -> dict[str, str]:
        return {ep.name: ep.value for ep in entry_points(group=self.group)}

    def entries(self) -> dict[str, Entry]:
        """Every known name, without importing anything; entry points may not shadow built-ins."""
        found = dict(self.builtins)
        for name, target in self.entry_points().items():
            if name in found and found[name].target != target:
                raise UserError(f"{self.what} '{name}' from entry point {target} clashes with {found[name].target}",
                                hint=f"rename it in the [project.entry-points.\"{self.group}\"] table")
            found.setdefault(name, Entry(name, target, f"plugin ({target})"))
        return dict(sorted(found.items()))

    def get(self, name: str) -> Any:
        if name in self._loaded:
            return self._loaded[name]
        entry = self.entries().get(name)
        if entry is None:
            raise UserError(f"unknown {self.what} '{name}'", hint=did_you_mean(name, list(self.entries())))
        try:
            obj = _load(entry.target)
        except (ImportError, AttributeError) as exc:
            raise UserError(f"{self.what} '{name}' cannot be loaded from {entry.target}: {exc}") from None
        self._check_base(name, obj)
        if isinstance(obj, type) and getattr(obj, "name", None) in (None, "system"):
            obj.name = name  # a plugin class without the decorator
        self._loaded[name] = obj
        return obj

    def _check_base(self, name: str, obj: Any) -> None:
        if self.base is None:
            return
        base = _load(self.base)
        if not (isinstance(obj, type) and issubclass(obj, base)):
            raise UserError(f"{self.what} '{name}' ({obj!r}) is not a subclass of {self.base.split(':')[1]}")


def _first_line(doc: str | None) -> str:
    return (doc or "").strip().splitlines()[0] if (doc or "").strip() else ""


SYSTEMS = Registry("system", "harness.systems", base="harness.system:System", builtins={e.name: e for e in [
    Entry("base", "systems.base.system:BaseSystem", "the model as it is"),
    Entry("prompted", "systems.prompted.system:PromptedSystem", "a culturally aware system prompt plus few-shot examples"),
    Entry("rag", "systems.rag.system:RagSystem", "langchain + FAISS + sentence-transformers over a corpus"),
    Entry("sft", "systems.sft.system:SftSystem", "the model plus a LoRA/QLoRA adapter trained by systems.sft.train"),
    Entry("uft", "systems.sft.system:UftSystem", "a LoRA adapter trained by continued pretraining on the corpus"),
    Entry("uft+sft", "systems.sft.system:UftSftSystem", "SFT continued from the UFT adapter (--init-adapter)"),
    Entry("sft+rag", "systems.sft.system:SftRagSystem", "an SFT (or RAFT) adapter answering with retrieved passages"),
]})
# kept for plugins and older code: name -> "module:Class"
BUILTIN_SYSTEMS: dict[str, str] = {name: entry.target for name, entry in SYSTEMS.builtins.items()}

BACKENDS = Registry("backend", "harness.backends", builtins={e.name: e for e in [
    Entry("hf", "harness.backends.hf:TransformersBackend", "in-process transformers (CPU or CUDA)"),
    Entry("openai", "harness.backends.openai_compat:OpenAIBackend",
          "any OpenAI-compatible server (vLLM, llama.cpp, Ollama, hosted APIs)"),
    Entry("vllm", "harness.backends.vllm_server:VLLMBackend", "a managed `vllm serve` with LoRA modules"),
]})

# Backend is a structural Protocol (no base-class check); judge kinds are spec-parsing functions.
JUDGE_KINDS = Registry("judge kind", "harness.judges", builtins={e.name: e for e in [
    Entry("embedded", "harness.judge.specs:embedded",
          "the local SmolLM2-135M-Instruct, grading by form filling (weak: a smoke test)"),
    Entry("hf", "harness.judge.specs:hf", "hf:MODEL - any transformers model in-process, free-text verdicts"),
    Entry("hf-form", "harness.judge.specs:hf_form", "hf-form:MODEL - any transformers model, grading by form filling"),
    Entry("vllm", "harness.judge.specs:vllm", "vllm:MODEL - a second managed `vllm serve` for the judge model"),
    Entry("openai", "harness.judge.specs:openai",
          "openai:MODEL@URL - any OpenAI-compatible endpoint (vLLM, llama.cpp, Ollama, hosted APIs)"),
]})


def register_system(name: str):
    """Class decorator: make ``name`` resolve to the decorated System subclass."""
    return SYSTEMS.register(name)


def available_systems() -> dict[str, str]:
    """Every known system kind with where it comes from, without importing any system module."""
    return {name: entry.target for name, entry in SYSTEMS.entries().items()}


def get_system_class(name: str):
    return SYSTEMS.get(name)


def judge_kinds_help() -> str:
    """The ``--judge`` help text, generated from the registry so it cannot drift."""
    return "comma-separated judges: " + "; ".join(
        entry.description.split(" - ")[0] if " - " in entry.description else name
        for name, entry in JUDGE_KINDS.entries().items())
