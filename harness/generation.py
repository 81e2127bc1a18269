"""What a system asks a backend for, and what comes back."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from harness.records import RetrievedDoc


class GenerationParams(BaseModel):
    """Decoding parameters; all of them are part of the generation cache key."""

    model_config = ConfigDict(extra="forbid")
    max_new_tokens: int = Field(default=256, ge=1)
    temperature: float = Field(default=0.0, ge=0.0)  # 0 means greedy
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    seed: int = 0
    top_logprobs: int = Field(default=0, ge=0, le=20)  # >0: return per-token alternatives (G-Eval judges)


class Prompt(BaseModel):
    """A system's rendered request for one item, plus what it retrieved to build it."""

    model_config = ConfigDict(extra="forbid")
    item_id: str
    messages: list[dict[str, str]]
    adapter: str | None = None
    retrieved: list[RetrievedDoc] = Field(default_factory=list)
    context_tokens: int | None = None


class Completion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_s: float | None = None  # wall time per answer (a batch's time shared over its answers)
    model: str | None = None
    finish_reason: str | None = None
    error: str | None = None
    logprobs: list[dict[str, Any]] | None = None
