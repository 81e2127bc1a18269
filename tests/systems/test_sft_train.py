"""Real TRL training steps on a tiny Llama built in-test; adapters saved, reloaded and used."""

import json
from pathlib import Path

import pytest

from harness.backends.hf import TransformersBackend
from harness.generation import GenerationParams, Prompt
from systems.sft.train import main
from tests.conftest import SAMPLE_ITEMS, write_jsonl

PAIRS = [{"id": f"p{i}", "category": "festivals_rituals", "source_docs": ["fest-onam"],
          "messages": [{"role": "user", "content": f"What happens at the harvest fair in village {i} of Punjab?"},
                       {"role": "assistant", "content": f"Village {i} marks Baisakhi with bhangra, a fair and "
                                                        "thanks for the wheat harvest."}]} for i in range(12)]


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_INDEX_DIR", str(tmp_path / "index"))
    write_jsonl(tmp_path / "train.jsonl", PAIRS[:10])
    write_jsonl(tmp_path / "val.jsonl", PAIRS[10:])
    write_jsonl(tmp_path / "bench.jsonl", SAMPLE_ITEMS)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "onam.md").write_text("---\nid: fest-onam\ntitle: Onam\n---\nOnam is the harvest festival of Kerala. "
                                    "Families make pookalam and share a sadya.\n")
    (corpus / "lohri.md").write_text("---\nid: fest-lohri\ntitle: Lohri\n---\nLohri in Punjab is a January "
                                     "bonfire festival with songs, sesame sweets and popcorn.\n")
    return tmp_path


def train(tiny_model, ws: Path, *extra: str) -> int:
    return main([*workspace_flags(tiny_model, ws), "--max-steps", "4", "--eval-steps", "2",
                 "--logging-steps", "1", "--per-device-train-batch-size", "2", "--gradient-accumulation-steps", "1",
                 "--learning-rate", "5e-2", "--quantization", "none", "--bf16", "false",
                 "--gradient_checkpointing", "false", "--optim", "adamw_torch", *extra])


def workspace_flags(model: Path, ws: Path) -> list[str]:
    return ["--model_name_or_path", str(model), "--train-file", str(ws / "train.jsonl"), "--val-file",
            str(ws / "val.jsonl"), "--benchmark", str(ws / "bench.jsonl"), "--corpus", str(ws / "corpus"),
            "--output-root", str(ws / "adapters")]


def test_train_save_reload_changes_outputs(tiny_model, workspace):
    assert train(tiny_model, workspace) == 0
    folder = workspace / "adapters" / "sft"
    for name in ("adapter_model.safetensors", "adapter_config.json", "metrics.jsonl", "loss.png", "summary.json",
                 "contamination.json", "training_config.yaml", "data.json"):
        assert (folder / name).is_file(), name
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["steps"] == 4 and summary["train_tokens"] > 0 and summary["tokens_per_second"] > 0
    assert not (folder / "training_args.bin").exists()  # no pickle next to the adapter
    assert json.loads((folder / "contamination.json").read_text())["clean"] is True
    assert not list((workspace / "adapters").glob(".*")), "staging or checkpoint folders left behind"

    backend = TransformersBackend(model=str(tiny_model))
    backend.register_adapter("sft", str(folder))
    prompts = [Prompt(item_id=str(i), messages=[{"role": "user", "content": q}])
               for i, q in enumerate(["What is Onam?", "Tell me about Lohri."])]
    params = GenerationParams(max_new_tokens=10)
    base = [c.text for c in backend.generate(prompts, params)]
    tuned = [c.text for c in backend.generate([p.model_copy(update={"adapter": "sft"}) for p in prompts], params)]
    assert base != tuned
    assert [c.text for c in backend.generate(prompts, params)] == base  # adapter disabled again for base


def test_uft_mode_trains_on_raw_corpus_text(tiny_model, workspace):
    assert train(tiny_model, workspace, "--mode", "uft", "--name", "uft", "--max-length", "64") == 0
    summary = json.loads((workspace / "adapters" / "uft" / "summary.json").read_text())
    assert summary["mode"] == "uft" and summary["train_tokens"] > 0


def test_raft_prompts_hold_passages(workspace):
    from systems.sft.data import load_pairs
    from systems.sft.raft import raft_system_prompts

    pairs = load_pairs(workspace / "train.jsonl")[:4]
    prompts = raft_system_prompts(pairs, str(workspace / "corpus"), distractors=1, gold_probability=1.0, seed=0)
    assert all("[1]" in p and "Passages:" in p for p in prompts)
    assert all("Onam is the harvest festival" in p for p in prompts)  # gold passage present at p=1


def test_contaminated_data_is_refused_unless_allowed(tiny_model, workspace):
    leaked = PAIRS[:9] + [{"id": "leak", "messages": [{"role": "user", "content": SAMPLE_ITEMS[0]["question"]},
                                                      {"role": "assistant", "content": "Onam is from Kerala."}]}]
    write_jsonl(workspace / "train.jsonl", leaked)
    assert train(tiny_model, workspace) == 2
    assert not (workspace / "adapters" / "sft").exists()
    assert train(tiny_model, workspace, "--allow-contamination") == 0
    report = json.loads((workspace / "adapters" / "sft" / "contamination.json").read_text())
    assert report["clean"] is False and report["allowed"] is True


@pytest.mark.parametrize("line, message", [
    ('{"messages": [{"content": "hi"}, {"role": "assistant", "content": "x"}]}', "messages[0].role"),
    ('{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "  "}]}',
     "messages[1].content': empty"),
    ('{"messages": [{"role": "user", "content": "hi"}', "invalid JSON"),
    ('{"messages": [{"role": "user", "content": "hi"}]}', "last message must be the assistant"),
])
def test_bad_training_data_names_file_and_line(tmp_path, line, message):
    from harness.errors import UserError
    from systems.sft.data import load_pairs

    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(PAIRS[0]) + "\n" + line + "\n")
    with pytest.raises(UserError) as info:
        load_pairs(path)
    assert f"{path}:2" in str(info.value) and message in str(info.value)
