"""The System interface: a name, a validated config, ``prepare`` + ``generate``, a fingerprint."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from harness.errors import UserError
from harness.hashing import hash_value

if TYPE_CHECKING:
    from harness.backends.base import Backend
    from harness.generation import Completion, GenerationParams, Prompt
    from harness.records import Item


class SystemConfig(BaseModel):
    """Options of a system; unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")


class System:
    """A contender. Subclasses set ``Config`` and implement ``prepare``.

    ``prepare`` turns items into chat prompts (retrieving context, adding a system prompt,
    choosing an adapter); ``generate`` sends them through the backend as one batch. The
    fingerprint hashes everything that changes the output, so caches never mix systems.
    """

    name: ClassVar[str] = "system"
    Config: ClassVar[type[SystemConfig]] = SystemConfig
    question_template: str = "{question}"  # the benchmark's prompt template; the runner sets it per run

    def __init__(self, config: SystemConfig, backend: Backend):
        self.config = config
        self.backend = backend

    @classmethod
    def from_options(cls, options: dict[str, Any] | None, backend: Backend) -> System:
        try:
            config = cls.Config(**(options or {}))
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise UserError(f"invalid options for system '{cls.name}': {problems}") from None
        return cls(config, backend)

    def prepare(self, items: list[Item]) -> list[Prompt]:
        raise NotImplementedError

    def generate(self, prompts: list[Prompt], params: GenerationParams, on_done=None) -> list[Completion]:
        return self.backend.generate(prompts, params, on_done=on_done)

    def fingerprint_parts(self) -> dict[str, Any]:
        """What else changes the output (adapter hash, index manifest...); override to extend."""
        return {}

    def fingerprint(self) -> str:
        return hash_value(
            {
                "system": self.name,
                "config": self.config.model_dump(mode="json"),
                "backend": self.backend.identity(),
                **self.fingerprint_parts(),
            }
        )
