import subprocess
import sys

import pytest

from harness import registry
from harness.errors import UserError
from harness.system import System


def test_unknown_system_names_the_closest_ones():
    with pytest.raises(UserError) as info:
        registry.get_system_class("promted")
    assert "unknown system 'promted'" in str(info.value)
    assert "prompted" in str(info.value)


def test_builtin_resolves_lazily():
    cls = registry.get_system_class("base")
    assert cls.__name__ == "BaseSystem" and cls.name == "base"


def test_decorator_registers_a_new_system():
    @registry.register_system("test-echo")
    class Echo(System):
        pass

    assert registry.get_system_class("test-echo") is Echo
    assert "test-echo" in registry.available_systems()


def test_entry_point_systems_are_found(monkeypatch):
    monkeypatch.setattr(registry.SYSTEMS, "entry_points", lambda: {"plugin-sys": "systems.base.system:BaseSystem"})
    assert "plugin-sys" in registry.available_systems()
    assert registry.get_system_class("plugin-sys").__name__ == "BaseSystem"


def test_duplicate_name_for_another_object_is_an_error():
    with pytest.raises(ValueError, match="already registered"):
        @registry.register_system("rag")
        class NotRag(System):
            pass


def test_entry_point_clashing_with_a_builtin_is_a_user_error(monkeypatch):
    monkeypatch.setattr(registry.SYSTEMS, "entry_points", lambda: {"rag": "my_pkg.mod:OtherRag"})
    with pytest.raises(UserError, match="clashes"):
        registry.available_systems()


def test_object_that_is_not_a_system_is_refused(monkeypatch):
    monkeypatch.setattr(registry.SYSTEMS, "entry_points", lambda: {"not-a-system": "harness.config:RunConfig"})
    with pytest.raises(UserError, match="not a subclass of System"):
        registry.get_system_class("not-a-system")


def test_one_registry_shape_for_backends_and_judges():
    from harness.judge.specs import parse_judge_spec

    assert set(registry.BACKENDS.entries()) >= {"hf", "openai", "vllm"}
    assert parse_judge_spec("openai:m@http://127.0.0.1:9/v1").endpoint == "http://127.0.0.1:9/v1"
    with pytest.raises(UserError, match="unknown judge kind 'opnai'") as info:
        parse_judge_spec("opnai:m@x")
    assert "openai" in str(info.value)
    for name in registry.JUDGE_KINDS.entries():  # the --judge help comes from the registry
        assert name in registry.judge_kinds_help() or name == "embedded"


def test_list_does_not_import_torch():
    code = ("import sys; from harness.cli import main; main(['list']); "
            "assert 'torch' not in sys.modules, 'torch imported'; assert 'transformers' not in sys.modules")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "prompted" in result.stdout
