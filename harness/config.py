"""Run configuration: defaults, then a YAML file, then CLI flags, the later winning.

Unknown keys are errors (with the closest known key), never silently ignored.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from harness.errors import UserError, did_you_mean


class RunConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    systems: list[str] = Field(default_factory=lambda: ["base", "prompted"])
    benchmark: str = "indian_cultural_nuance"
    split: str | None = None
    limit: int | None = Field(default=None, ge=1)
    columns: str | None = None
    model: str = "embedded"
    backend: Literal["hf", "openai", "vllm"] = "hf"
    vllm_bin: str | None = None  # the `vllm` executable (default: on PATH, else .venv-vllm/bin/vllm)
    vllm_args: list[str] = Field(default_factory=list)  # extra `vllm serve` flags, e.g. [--tensor-parallel-size, "2"]
    endpoint: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    device: str = "auto"
    batch_size: int = Field(default=8, ge=1)
    concurrency: int = Field(default=16, ge=1)
    timeout_s: float = Field(default=120.0, gt=0)
    retries: int = Field(default=3, ge=0)
    max_new_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0)
    seed: int = 0
    out: str = "results"
    run_id: str | None = None
    judge: list[str] = Field(default_factory=list)  # judge specs; several make a panel
    rubric: str = "cultural_nuance"
    pairwise: bool = True
    corpus: str | None = None  # a corpus folder for every retrieval system (rag, sft+rag)
    system_options: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @field_validator("systems", mode="before")
    @classmethod
    def split_names(cls, value):
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not value:
            raise ValueError("name at least one system")
        return value

    @field_validator("judge", mode="before")
    @classmethod
    def split_judges(cls, value):
        return [v.strip() for v in value.split(",") if v.strip()] if isinstance(value, str) else value


def load_config(path: str | None, overrides: dict[str, Any], model: type[BaseModel] = RunConfig) -> BaseModel:
    """Merge a YAML file with CLI overrides (only flags the user actually gave) and validate."""
    from harness.files import load_yaml_mapping

    data: dict[str, Any] = load_yaml_mapping(path) if path else {}
    data.update({k: v for k, v in overrides.items() if v is not None})
    unknown = [k for k in data if k not in model.model_fields]
    if unknown:
        raise UserError(f"unknown config key '{unknown[0]}'" + (f" in {path}" if path else ""),
                        hint=did_you_mean(unknown[0], list(model.model_fields)))
    try:
        return model(**data)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise UserError(f"config field '{'.'.join(map(str, error['loc']))}': {error['msg']}"
                        + (f" (in {path} or flags)" if path else "")) from None
