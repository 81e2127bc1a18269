"""Checks that run before any work, so a run never fails after an hour for a reason known at start.

``preflight(config)`` checks the output folder (writable, a safe run id), the model and device, the
corpus, the rubric and every judge and endpoint that will be called. Each problem is one UserError
naming the flag or file; nothing is written.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from harness.errors import UserError

RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$")
DEVICE = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")


def preflight(config) -> None:
    check_run_id(config.run_id)
    check_out(Path(config.out), config.run_id)
    check_device(config.device, config.backend)
    for model in sorted(models_of(config)):
        check_model(model, config.backend)
    if config.backend == "openai":
        from harness.backends.openai_compat import OpenAIBackend

        OpenAIBackend(model=config.model, endpoint=config.endpoint, api_key_env=config.api_key_env).check()
    if config.corpus:
        from systems.rag.ingest import corpus_files

        corpus_files(Path(config.corpus))
    from harness.rubric import load_rubric

    load_rubric(config.rubric)
    for spec in config.judge:
        check_judge(spec, config.api_key_env)


def models_of(config) -> set[str]:
    """The run's base model and every variant's own model."""
    models = {config.model}
    systems = config.systems if isinstance(config.systems, dict) else {}
    models |= {v.model for v in systems.values() if getattr(v, "model", None)}
    return models


def check_run_id(run_id: str | None) -> None:
    if run_id is not None and (not RUN_ID.match(run_id) or run_id in (".", "..") or ".." in run_id):
        raise UserError(f"--run-id '{run_id}' is not a plain folder name",
                        hint="use letters, digits and ._+- only (no slashes or '..'), at most 128 characters")


def check_out(out: Path, run_id: str | None) -> None:
    """--out must be (or be creatable as) a folder this process can write, and so must what lies in it."""
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} is a file, not a folder")
    existing = out
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise UserError(f"--out {out}: {existing} is a file, not a folder")
    targets = [existing] + [p for p in (out / "runs", out / "cache") if p.is_dir()]
    if run_id and (out / "runs" / run_id).is_dir():
        targets.append(out / "runs" / run_id)
    for folder in targets:
        writable(folder, out)


def writable(folder: Path, out: Path) -> None:
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".write-check-"):
            pass
    except OSError as exc:
        raise UserError(f"--out {out}: cannot write in {folder}: {exc.strerror or exc}",
                        hint="choose a writable folder with --out, or fix its permissions") from None


def check_device(device: str, backend: str) -> None:
    if not DEVICE.match(device or ""):
        raise UserError(f"--device '{device}' is not a device", hint="use auto, cpu, cuda, cuda:N or mps")
    if backend == "hf" and device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            raise UserError(f"--device {device}: no CUDA GPU is visible to torch", hint="use --device cpu or auto")
        index = int(device.partition(":")[2] or 0)
        if index >= torch.cuda.device_count():
            raise UserError(f"--device {device}: only {torch.cuda.device_count()} CUDA device(s) visible")


def check_model(model: str, backend: str) -> None:
    """A local folder must exist and hold a config.json; a hub id must be in the cache when offline."""
    from harness import embedded

    if backend not in ("hf", "vllm") or embedded.is_embedded(model):
        return
    path = Path(model).expanduser()
    looks_local = model.startswith(("/", ".", "~")) or path.exists() or model.count("/") > 1
    if looks_local:
        if not path.is_dir():
            raise UserError(f"--model {model}: no such folder",
                            hint="pass an existing model folder or a Hugging Face id present in the cache")
        if not (path / "config.json").is_file():
            raise UserError(f"--model {model}: the folder has no config.json (not a transformers model)")
        return
    if os.environ.get("HF_HUB_OFFLINE", "1") not in ("0", "false", "False"):
        from huggingface_hub import try_to_load_from_cache

        if not isinstance(try_to_load_from_cache(model, "config.json"), str):
            raise UserError(f"--model {model}: not a local folder and not in the Hugging Face cache",
                            hint="runs are offline (HF_HUB_OFFLINE=1): download it first, or pass a local path")


def check_judge(text: str, api_key_env: str) -> None:
    from harness.judge.specs import parse_judge_spec

    spec = parse_judge_spec(text)
    if spec.backend == "openai":
        from harness.backends.openai_compat import OpenAIBackend

        try:
            OpenAIBackend(model=spec.model, endpoint=spec.endpoint, api_key_env=api_key_env).check()
        except UserError as exc:
            raise UserError(f"judge '{text}': {exc}") from None
    elif spec.backend in ("hf", "vllm"):
        check_model(spec.model, spec.backend)
