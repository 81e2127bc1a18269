"""Registry of systems: a decorator, a lazy map of built-ins, and an entry-point group.

Register a system defined in this process::

    from harness.registry import register_system
    from harness.system import System

    @register_system("my-rag")
    class MyRag(System): ...

Built-ins are listed lazily (name -> "module:Class") so ``python -m harness list`` never imports
torch. Other packages add systems through the ``harness.systems`` entry-point group::

    [project.entry-points."harness.systems"]
    my-rag = "my_package.system:MyRag"

Look-up: ``get_system_class("rag")``; an unknown name raises ``UserError`` naming the closest ones.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

from harness.errors import UserError, did_you_mean

if TYPE_CHECKING:
    from harness.system import System

ENTRY_POINT_GROUP = "harness.systems"

BUILTIN_SYSTEMS: dict[str, str] = {
    "base": "systems.base.system:BaseSystem",
    "prompted": "systems.prompted.system:PromptedSystem",
    "rag": "systems.rag.system:RagSystem",
    "sft": "systems.sft.system:SftSystem",
    "uft": "systems.sft.system:UftSystem",
    "sft+rag": "systems.sft.system:SftRagSystem",
}

_registered: dict[str, type[System]] = {}


def register_system(name: str):
    """Class decorator: make ``name`` resolve to the decorated System subclass."""

    def wrap(cls):
        cls.name = name
        _registered[name] = cls
        return cls

    return wrap


def _entry_points() -> dict[str, str]:
    return {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}


def available_systems() -> dict[str, str]:
    """Every known name with where it comes from, without importing any system module."""
    names = {name: target for name, target in BUILTIN_SYSTEMS.items()}
    names.update(_entry_points())
    names.update({name: f"{cls.__module__}:{cls.__qualname__}" for name, cls in _registered.items()})
    return dict(sorted(names.items()))


def get_system_class(name: str) -> type[System]:
    if name in _registered:
        return _registered[name]
    target = BUILTIN_SYSTEMS.get(name) or _entry_points().get(name)
    if target is None:
        raise UserError(f"unknown system '{name}'", hint=did_you_mean(name, list(available_systems())))
    module_name, _, class_name = target.partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    _registered.setdefault(name, cls)
    return cls
