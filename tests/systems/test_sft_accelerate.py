"""The training script unchanged under `accelerate launch`: two CPU processes (gloo), one adapter.

`accelerate launch --cpu --num_processes 2` starts several processes only through MPI's mpirun; its
torchrun path (`--multi_gpu`) with the trainer's `use_cpu` gives the same two gloo processes
without MPI, which is what a CI machine has.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.systems.test_sft_train import workspace, workspace_flags  # noqa: F401  (fixture)

CONFIGS = sorted(Path("systems/sft/accelerate").glob("*.yaml"))


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_shipped_accelerate_configs_load(path):
    from accelerate.commands.config.config_args import load_config_from_file

    config = load_config_from_file(str(path))
    assert config.num_processes == 2 and not config.use_cpu
    if config.distributed_type == "FSDP":  # what PEFT's FSDP-QLoRA guide requires
        fsdp = yaml.safe_load(path.read_text())["fsdp_config"]
        assert fsdp["fsdp_cpu_ram_efficient_loading"] and not fsdp["fsdp_use_orig_params"]
    if config.distributed_type == "DEEPSPEED":
        assert config.deepspeed_config["zero_stage"] == 3 and config.deepspeed_config["zero3_init_flag"]


@pytest.mark.slow
def test_two_cpu_processes_train_one_adapter_saved_by_the_main_process(tiny_model, workspace):  # noqa: F811
    launcher = Path(sys.executable).parent / "accelerate"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "PYTHONPATH": os.getcwd()}
    result = subprocess.run(
        [str(launcher), "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1", "--mixed_precision", "no",
         "--dynamo_backend", "no", "-m", "systems.sft.train", *workspace_flags(tiny_model, workspace),
         "--max_steps", "2", "--eval_steps", "2", "--per_device_train_batch_size", "2",
         "--gradient_accumulation_steps", "1", "--learning_rate", "5e-2", "--use_cpu", "true"],
        capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count("adapter saved to") == 1  # only the main process writes and reports
    adapters = workspace / "adapters"
    assert sorted(p.name for p in adapters.iterdir()) == ["sft"]  # no staging or checkpoint folders left
    summary = json.loads((adapters / "sft" / "summary.json").read_text())
    assert summary["processes"] == 2 and summary["steps"] == 2
    assert (adapters / "sft" / "adapter_model.safetensors").is_file()
