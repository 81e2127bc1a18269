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
    monkeypatch.setattr(registry, "_entry_points", lambda: {"plugin-sys": "systems.base.system:BaseSystem"})
    assert "plugin-sys" in registry.available_systems()
    assert registry.get_system_class("plugin-sys").__name__ == "BaseSystem"


def test_list_does_not_import_torch():
    code = ("import sys; from harness.cli import main; main(['list']); "
            "assert 'torch' not in sys.modules, 'torch imported'; assert 'transformers' not in sys.modules")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "prompted" in result.stdout
