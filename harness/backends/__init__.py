"""Backends turn prompts into completions: in-process transformers, or an OpenAI-compatible server.

They are registered in ``harness.registry.BACKENDS`` (plugins: the ``harness.backends`` group).
"""

from __future__ import annotations

from harness.backends.base import Backend


def make_backend(kind: str, **options) -> Backend:
    from harness.registry import BACKENDS

    return BACKENDS.get(kind)(**options)
