"""Backends turn prompts into completions: in-process transformers, or an OpenAI-compatible server."""

from __future__ import annotations

from harness.backends.base import Backend
from harness.errors import UserError, did_you_mean

BACKENDS = ("hf", "openai", "vllm")


def make_backend(kind: str, **options) -> Backend:
    if kind == "hf":
        from harness.backends.hf import TransformersBackend

        return TransformersBackend(**options)
    if kind == "openai":
        from harness.backends.openai_compat import OpenAIBackend

        return OpenAIBackend(**options)
    if kind == "vllm":
        from harness.backends.vllm_server import VLLMBackend

        return VLLMBackend(**options)
    raise UserError(f"unknown backend '{kind}'", hint=did_you_mean(kind, list(BACKENDS)))
