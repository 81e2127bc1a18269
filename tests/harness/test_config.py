import pytest

from harness.config import RunConfig, Variant, load_config
from harness.errors import UserError


def test_defaults_then_yaml_then_flags(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("systems: [base, rag]\nlimit: 5\nseed: 3\n")
    config = load_config(str(path), {"limit": 7, "seed": None})
    assert list(config.systems) == ["base", "rag"] and config.limit == 7 and config.seed == 3
    assert config.systems["rag"] == Variant(kind="rag")
    assert config.model == RunConfig().model


def test_comma_separated_systems():
    assert list(load_config(None, {"systems": "base, prompted"}).systems) == ["base", "prompted"]


def test_named_variants_from_yaml(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("systems:\n  rag-k4: {kind: rag, k: 4}\n  rag-k8: {kind: rag, k: 8, search: hybrid}\n"
                    "  llama-rag: {kind: rag, model: meta-llama/Llama-3.1-8B-Instruct}\n  base:\n"
                    "system_options:\n  rag-k4: {chunk_size: 500}\n")
    config = load_config(str(path), {})
    assert list(config.systems) == ["rag-k4", "rag-k8", "llama-rag", "base"]
    assert config.systems["rag-k8"] == Variant(kind="rag", options={"k": 8, "search": "hybrid"})
    assert config.systems["llama-rag"].model == "meta-llama/Llama-3.1-8B-Instruct"
    assert config.systems["base"].kind == "base"
    assert config.variant_options("rag-k4") == {"chunk_size": 500, "k": 4}


def test_short_variant_form_on_the_command_line():
    config = load_config(None, {"systems": "base,rag-k8=rag:k=8:search=hybrid,sft-r64=sft:adapter=adapters/sft-r64"})
    assert config.systems["rag-k8"] == Variant(kind="rag", options={"k": 8, "search": "hybrid"})
    assert config.systems["sft-r64"].options == {"adapter": "adapters/sft-r64"}


@pytest.mark.parametrize("systems, message", [
    ("rag,rag", "named twice"),
    ("rag-k8=rag:k", "expected key=value"),
    ("bad/name", "letters, digits"),
    ({"x": [1, 2]}, "must map to options"),
])
def test_bad_variants_are_user_errors(systems, message):
    with pytest.raises(UserError, match=message):
        load_config(None, {"systems": systems})


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
