"""What a training run leaves in ``adapters/<name>/``: adapter, config, data hashes, contamination
report, metrics.jsonl, loss.png and summary.json. Written to a staging folder and renamed into
place, so an interrupted run never leaves a half-written adapter that the ``sft`` system would load.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

from harness.files import replace_dir
from systems.sft.args import Options


def plot_loss(log_history: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    train = [(e["step"], e["loss"]) for e in log_history if "loss" in e]
    evals = [(e["step"], e["eval_loss"]) for e in log_history if "eval_loss" in e]
    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
    if train:
        ax.plot(*zip(*train), label="train loss")
    if evals:
        ax.plot(*zip(*evals), marker="o", label="validation loss")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def save_outputs(options: Options, env: dict, trainer, data_report: dict, wall_seconds: float) -> Path | None:
    """Write the adapter folder; under several processes only the main one writes (None elsewhere)."""
    import torch

    from systems.sft.dry_run import estimate_for

    args = options.args
    target = args.output_dir
    # one staging path every process agrees on (trainer.save_model gathers shards across processes), so not
    # harness.files.staging_dir, whose folder name is random per process; replace_dir does the same swap
    staging = target.parent / f".staging-{args.name}"
    main_process = trainer.is_world_process_zero()
    if main_process:
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
    trainer.accelerator.wait_for_everyone()
    trainer.save_model(str(staging))  # the best checkpoint (load_best_model_at_end); gathers shards, main writes
    if not main_process:
        return None
    (staging / "training_args.bin").unlink(missing_ok=True)  # a pickle; training_config.yaml holds the same
    history = trainer.state.log_history
    (staging / "metrics.jsonl").write_text("".join(json.dumps(e) + "\n" for e in history))
    plot_loss(history, staging / "loss.png")
    config = {**options.resolved(), "runtime": env}
    if args.init_adapter:
        from harness.hashing import hash_file

        weights = Path(args.init_adapter) / "adapter_model.safetensors"
        config["init_adapter_hash"] = hash_file(weights, 16) if weights.is_file() else None
    (staging / "training_config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    data = {k: v for k, v in data_report.items() if k != "contamination"}
    if data.get("mode") == "sft":  # the pairs themselves, so taught-vs-untaught labels survive later data edits
        data["train_file"] = str(args.train_file)
        shutil.copyfile(args.train_file, staging / "train_data.jsonl")
    (staging / "data.json").write_text(json.dumps(data, indent=2))
    (staging / "contamination.json").write_text(json.dumps(data_report["contamination"], indent=2))
    tokens = int(trainer.state.num_input_tokens_seen or 0)
    evals = [e["eval_loss"] for e in history if "eval_loss" in e]
    summary = {
        "name": args.name, "mode": args.mode, "raft": args.raft, "init_adapter": args.init_adapter,
        "model": options.model.model_name_or_path, "device": env["device"], "processes": trainer.accelerator.num_processes,
        "quantization": env["quantization"], "optim": env["optim"], "steps": trainer.state.global_step,
        "epochs": round(trainer.state.epoch or 0, 3), "train_tokens": tokens,
        "wall_seconds": round(wall_seconds, 1), "tokens_per_second": round(tokens / wall_seconds, 1) if wall_seconds else None,
        "best_eval_loss": min(evals) if evals else None, "stopped_early": trainer.state.global_step < trainer.state.max_steps,
    }
    if env["device"] == "cuda":
        summary["peak_gpu_memory_gib"] = round(torch.cuda.max_memory_allocated() / 1024**3, 3)
        summary["peak_gpu_reserved_gib"] = round(torch.cuda.max_memory_reserved() / 1024**3, 3)
        estimate = estimate_for(options)
        if estimate is not None:
            summary["estimated_gpu_memory_gib"] = round(estimate.total / 1024**3, 3)
    (staging / "summary.json").write_text(json.dumps(summary, indent=2))
    replace_dir(staging, target)
    shutil.rmtree(options.training.output_dir, ignore_errors=True)
    return target
