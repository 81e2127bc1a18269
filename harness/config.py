"""Run configuration: defaults, then a YAML file, then CLI flags, the later winning.

Unknown keys are errors (with the closest known key), never silently ignored.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from harness.errors import UserError, did_you_mean, field_error


VARIANT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$")


class Variant(BaseModel):
    """A named, configured instance of a system kind: ``rag-k8: {kind: rag, k: 8, search: hybrid}``.

    ``model`` gives the variant its own base model; everything else is the kind's options, checked
    by the kind's own config when the system is built.
    """

    model_config = ConfigDict(extra="forbid")
    kind: str
    model: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)


def parse_variant(name: str, value: Any) -> Variant:
    if not VARIANT_NAME.match(name):
        raise ValueError(f"system name '{name}' must be 1-64 letters, digits or _.+- (no spaces or slashes)")
    if value is None:
        return Variant(kind=name)
    if isinstance(value, Variant):
        return value
    if not isinstance(value, dict):
        raise ValueError(f"system '{name}' must map to options like {{kind: rag, k: 8}}, not {type(value).__name__}")
    options = dict(value)
    kind = options.pop("kind", name)
    model = options.pop("model", None)
    if not isinstance(kind, str) or (model is not None and not isinstance(model, str)):
        raise ValueError(f"system '{name}': kind and model must be strings")
    return Variant(kind=kind, model=model, options=options)


def parse_short_variant(text: str) -> tuple[str, Variant]:
    """``rag`` or ``rag-k8=rag:k=8:search=hybrid`` (values read as YAML scalars) -> (name, variant)."""
    import yaml

    name, sep, rest = text.partition("=")
    if not sep:
        return name, parse_variant(name, None)
    kind, *pairs = rest.split(":")
    options: dict[str, Any] = {}
    for pair in pairs:
        key, eq, value = pair.partition("=")
        if not eq or not key:
            raise ValueError(f"bad option '{pair}' in '{text}': expected key=value, e.g. rag-k8=rag:k=8")
        options[key] = yaml.safe_load(value) if value else ""
    return name, parse_variant(name, {"kind": kind, **options})


class RunConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # name -> variant; given as "base,rag-k8=rag:k=8", a list of such names, or a mapping
    systems: dict[str, Variant] = Field(default_factory=lambda: {"base": Variant(kind="base"),
                                                                 "prompted": Variant(kind="prompted")})
    benchmark: str = "indian_cultural_nuance"
    split: str | None = None
    limit: int | None = Field(default=None, ge=1)
    columns: str | None = None
    model: str = "embedded"
    backend: str = "hf"  # a name in harness.registry.BACKENDS
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

    control: str | None = None  # a control benchmark run with the same systems (e.g. general_control)
    control_limit: int | None = Field(default=None, ge=1)  # items of the control benchmark (default: limit)
    pairing: Literal["anchor", "all"] = "anchor"  # which pairwise games the judge plays
    judge_faithfulness: Literal["auto", "on", "off"] = "auto"  # judges check RAG answers against their passages
    anchor: str | None = None  # the anchor system for pairing=anchor (default: base if present, else the first)
    dry_run: bool = False  # print the plan and stop

    @field_validator("systems", mode="before")
    @classmethod
    def parse_systems(cls, value):
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(value, list):
            parsed: dict[str, Variant] = {}
            for entry in value:
                if not isinstance(entry, str):
                    raise ValueError(f"each system must be a name or NAME=KIND:key=value, not {entry!r}")
                name, variant = parse_short_variant(entry)
                if name in parsed:
                    raise ValueError(f"system '{name}' is named twice")
                parsed[name] = variant
            value = parsed
        if not isinstance(value, dict):
            raise ValueError("systems must be a comma-separated list, a list of names or a mapping of names to options")
        if not value:
            raise ValueError("name at least one system")
        return {str(name): parse_variant(str(name), v) for name, v in value.items()}

    def variant_options(self, name: str) -> dict[str, Any]:
        """A variant's options, under the older ``system_options: {name: {...}}`` block if given there too."""
        return {**(self.system_options.get(name) or {}), **self.systems[name].options}

    @field_validator("judge", mode="before")
    @classmethod
    def split_judges(cls, value):
        return [v.strip() for v in value.split(",") if v.strip()] if isinstance(value, str) else value


def load_config(path: str | None, overrides: dict[str, Any], model: type[BaseModel] = RunConfig) -> BaseModel:
    """Merge a YAML file with CLI overrides (only flags the user actually gave) and validate.
    An error names the flag, or the file and line of the key."""
    from harness.files import key_line, load_yaml_mapping

    data: dict[str, Any] = load_yaml_mapping(path) if path else {}
    flags = {k: v for k, v in overrides.items() if v is not None}
    data.update(flags)
    unknown = [k for k in data if k not in model.model_fields]
    if unknown:
        raise UserError(f"unknown config key '{unknown[0]}'", where=key_line(path, unknown[0]) if path else None,
                        hint=did_you_mean(unknown[0], list(model.model_fields)))
    try:
        return model(**data)
    except ValidationError as exc:
        key = str(exc.errors()[0]["loc"][0]) if exc.errors()[0]["loc"] else ""
        if key in flags or not path:
            raise field_error(exc, prefix=f"flag --{key.replace('_', '-')}: ") from None
        raise field_error(exc, where=key_line(path, key)) from None
