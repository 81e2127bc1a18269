"""Judge kinds: each turns the text after ``KIND:`` in a ``--judge`` spec into a ``JudgeSpec``.

They are registered in ``harness.registry.JUDGE_KINDS``; a plugin adds its own through the
``harness.judges`` entry-point group with a function of the same shape.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.errors import UserError


@dataclass(frozen=True)
class JudgeSpec:
    name: str
    backend: str
    model: str
    endpoint: str | None = None
    mode: str = "generate"  # "form": read score-token probabilities instead of parsing free text


def embedded(rest: str, text: str) -> JudgeSpec:
    if rest:
        raise UserError(f"bad judge '{text}': 'embedded' takes no model")
    return JudgeSpec("embedded", "hf", "embedded", mode="form")


def hf(rest: str, text: str) -> JudgeSpec:
    return JudgeSpec(text, "hf", _required(rest, text, "hf:MODEL_OR_PATH"))


def hf_form(rest: str, text: str) -> JudgeSpec:
    return JudgeSpec(text, "hf", _required(rest, text, "hf-form:MODEL_OR_PATH"), mode="form")


def vllm(rest: str, text: str) -> JudgeSpec:
    return JudgeSpec(text, "vllm", _required(rest, text, "vllm:MODEL_OR_PATH"))


def openai(rest: str, text: str) -> JudgeSpec:
    model, _, url = rest.partition("@")
    if not (model and url):
        raise UserError(f"bad judge '{text}'", hint="use openai:MODEL@http://host:port/v1")
    return JudgeSpec(text, "openai", model, url)


def _required(rest: str, text: str, shape: str) -> str:
    if not rest:
        raise UserError(f"bad judge '{text}'", hint=f"use {shape}")
    return rest


def parse_judge_spec(text: str) -> JudgeSpec:
    """``embedded``, ``hf:MODEL``, ``openai:MODEL@URL``...: the kind before ':' picks the parser."""
    from harness.registry import JUDGE_KINDS

    text = text.strip()
    if text == "default":
        text = "embedded"
    kind, _, rest = text.partition(":")
    return JUDGE_KINDS.get(kind)(rest, text)
