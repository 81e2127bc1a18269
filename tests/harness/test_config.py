import pytest

from harness.config import RunConfig, load_config
from harness.errors import UserError


def test_defaults_then_yaml_then_flags(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("systems: [base, rag]\nlimit: 5\nseed: 3\n")
    config = load_config(str(path), {"limit": 7, "seed": None})
    assert config.systems == ["base", "rag"] and config.limit == 7 and config.seed == 3
    assert config.model == RunConfig().model


def test_comma_separated_systems():
    assert load_config(None, {"systems": "base, prompted"}).systems == ["base", "prompted"]


def test_unknown_key_is_an_error_with_suggestion(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("sytems: [base]\n")
    with pytest.raises(UserError) as info:
        load_config(str(path), {})
    assert "unknown config key 'sytems'" in str(info.value) and "systems" in str(info.value)


def test_invalid_yaml_names_the_line(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("systems: [base\nlimit: 3\n")
    with pytest.raises(UserError) as info:
        load_config(str(path), {})
    assert f"{path}:" in str(info.value)


def test_bad_value_is_an_error():
    with pytest.raises(UserError, match="limit"):
        load_config(None, {"limit": 0})
