"""The Backend protocol every generation backend follows."""

from __future__ import annotations

from typing import Any, Callable, Protocol

from harness.generation import Completion, GenerationParams, Prompt


class Backend(Protocol):
    kind: str
    model: str

    def identity(self) -> dict[str, Any]:
        """Everything about the model that changes outputs (id, weights hash); part of fingerprints."""

    def register_adapter(self, name: str, path: str | None) -> str:
        """Make a LoRA adapter available under ``name``; returns the adapter's content hash."""

    def count_tokens(self, text: str) -> int: ...

    def generate(
        self, prompts: list[Prompt], params: GenerationParams, on_done: Callable[[int], None] | None = None,
        on_result: Callable[[int, Completion], None] | None = None,
    ) -> list[Completion]:
        """Complete every prompt, in order. Failures of single prompts come back as ``error``.
        ``on_done(n)`` counts progress; ``on_result(index, completion)`` hands over each result as soon
        as it exists, so the runner writes it before the rest are done."""

    def close(self) -> None: ...
