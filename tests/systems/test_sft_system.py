import subprocess
import sys
from pathlib import Path

import pytest

from harness.backends.hf import TransformersBackend
from harness.backends.openai_compat import OpenAIBackend
from harness.errors import UserError
from systems.sft.system import SftRagSystem, SftSystem

REPO = Path(__file__).resolve().parents[2]


def test_missing_adapter_says_how_to_train_one(tmp_path, tiny_model):
    with pytest.raises(UserError) as info:
        SftSystem.from_options({"adapter": str(tmp_path / "none")}, TransformersBackend(model=str(tiny_model)))
    assert "found no adapter" in str(info.value)
    assert "python -m systems.sft.train --config systems/sft/configs/cpu-quick.yaml" in str(info.value)


def test_missing_adapter_through_the_cli_exits_2(tmp_path, sample_benchmark, tiny_model):
    config = tmp_path / "c.yaml"
    config.write_text(f"system_options: {{sft: {{adapter: {tmp_path / 'none'}}}}}\n")
    result = subprocess.run([sys.executable, "-m", "harness", "run", "--systems", "sft", "--config", str(config),
                             "--model", str(tiny_model), "--benchmark", str(sample_benchmark), "--out",
                             str(tmp_path / "out")], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 2 and "cpu-quick.yaml" in result.stderr and "Traceback" not in result.stderr


def test_on_a_server_the_adapter_is_a_served_module_name(tmp_path):
    backend = OpenAIBackend(model="m", endpoint="http://127.0.0.1:9/v1")
    system = SftSystem.from_options({"adapter": str(tmp_path / "adapters" / "sft-raft")}, backend)
    assert system.adapter_name == "sft-raft" and backend.adapters == {"sft-raft": None}
    from harness.records import Item

    [prompt] = system.prepare([Item(id="a", question="What is Onam?")])
    assert prompt.adapter == "sft-raft"
    assert backend.payload(prompt, __import__("harness.generation", fromlist=["x"]).GenerationParams())["model"] == "sft-raft"


def test_sft_rag_combines_adapter_and_passages(tmp_path, tiny_model, monkeypatch):
    from tests.systems.test_sft_train import PAIRS  # noqa: F401  (shares the corpus shape)

    monkeypatch.setenv("HARNESS_INDEX_DIR", str(tmp_path / "index"))
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "onam.md").write_text("---\nid: fest-onam\ntitle: Onam\n---\nOnam is the harvest festival of Kerala.\n")
    adapter = tmp_path / "adapters" / "sft"
    adapter.mkdir(parents=True)
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    model = get_peft_model(AutoModelForCausalLM.from_pretrained(tiny_model),
                           LoraConfig(r=4, target_modules="all-linear", task_type="CAUSAL_LM"))
    model.save_pretrained(adapter)
    system = SftRagSystem.from_options({"adapter": str(adapter), "corpus": str(corpus), "k": 1},
                                       TransformersBackend(model=str(tiny_model)))
    from harness.records import Item

    [prompt] = system.prepare([Item(id="a", question="What is Onam?")])
    assert prompt.adapter == "sft" and prompt.retrieved[0].doc_id == "fest-onam"
    assert "[1] Onam" in prompt.messages[0]["content"]
