"""The System interface: a name, a validated config, ``prepare`` + ``generate``, a fingerprint."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from harness.errors import field_error
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

    name: str = "system"  # the kind's registered name on the class; the variant's name on an instance
    family: ClassVar[str] = "other"  # base | prompted | rag | sft | hybrid: what the verdict compares
    Config: ClassVar[type[SystemConfig]] = SystemConfig
    question_template: str = "{question}"  # the benchmark's prompt template; the runner sets it per run

    def __init__(self, config: SystemConfig, backend: Backend):
        self.kind = type(self).name
        self.name = self.kind
        self.config = config
        self.backend = backend

    @classmethod
    def from_options(cls, options: dict[str, Any] | None, backend: Backend, name: str | None = None) -> System:
        try:
            config = cls.Config(**(options or {}))
        except ValidationError as exc:
            raise field_error(exc, prefix=f"invalid options for system '{name or cls.name}' (kind {cls.name}): ",
                              every=True) from None
        system = cls(config, backend)
        system.name = name or system.kind  # the variant name every record, cache and table shows
        return system

    def prepare(self, items: list[Item]) -> list[Prompt]:
        raise NotImplementedError

    def generate(self, prompts: list[Prompt], params: GenerationParams, on_done=None,
                 on_result=None) -> list[Completion]:
        return self.backend.generate(prompts, params, on_done=on_done, on_result=on_result)

    def describe(self) -> dict[str, Any]:
        """A snapshot stored in the run manifest (adapter hash, training summary...); override to extend."""
        return {}

    def fingerprint_parts(self) -> dict[str, Any]:
        """What else changes the output (adapter hash, index manifest...); override to extend."""
        return {}

    def fingerprint(self) -> str:
        return hash_value(
            {
                "system": self.kind,
                "config": self.config.model_dump(mode="json"),
                "backend": self.backend.identity(),
                **self.fingerprint_parts(),
            }
        )
