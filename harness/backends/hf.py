"""In-process transformers backend: chat template, left padding, length-sorted batches, greedy.

CPU here, CUDA (bf16) on a GPU machine. LoRA adapters load through PEFT and are switched per
batch, so ``base`` and ``sft`` share one copy of the weights.
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Callable

from harness import embedded
from harness.errors import UserError
from harness.generation import Completion, GenerationParams, Prompt
from harness.hashing import hash_file, hash_weights_dir


def pick_device(requested: str = "auto") -> str:
    if requested != "auto":
        return requested
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def pick_dtype(device: str, requested: str = "auto"):
    import torch

    if requested != "auto":
        return getattr(torch, requested)
    if device.startswith("cuda"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32


def available_cores() -> int:
    """CPU cores this process may really use: its affinity mask, capped by a cgroup CPU quota."""
    import math
    import os

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            cores = min(cores, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, cores)


@lru_cache(maxsize=1)
def set_torch_threads() -> int:
    """Once per process: torch's intra-op threads = the cores available (torch counts the machine's),
    unless OMP_NUM_THREADS says otherwise. Oversubscribed threads slow two processes >10x."""
    import os

    import torch

    threads = int(os.environ.get("OMP_NUM_THREADS") or 0) or available_cores()
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return threads


def resolve_model_path(model: str) -> str:
    """The embedded default becomes its cached safetensors checkpoint; anything else is passed on."""
    return str(embedded.ensure_checkpoint()) if embedded.is_embedded(model) else model


@lru_cache(maxsize=8)
def weights_identity(model: str) -> str:
    """A hash of the model's weights, computed once per process (every system's fingerprint asks)."""
    if embedded.is_embedded(model):
        return "gguf:" + hash_file(embedded.gguf_path())
    local = Path(model)
    if not local.exists():
        try:
            from huggingface_hub import snapshot_download

            local = Path(snapshot_download(model, local_files_only=True))
        except Exception:
            return "unresolved:" + model  # cannot be loaded offline either; loading will say so
    return "dir:" + hash_weights_dir(local)


def adapter_hash(path: str | Path) -> str:
    path = Path(path)
    files = [path / "adapter_config.json", path / "adapter_model.safetensors"]
    missing = [f.name for f in files if not f.is_file()]
    if missing:
        raise UserError(f"{path} is not a PEFT adapter folder (missing {', '.join(missing)})")
    return hash_file(files[0], 8) + hash_file(files[1], 8)


class TransformersBackend:
    kind = "hf"

    def __init__(self, model: str = "embedded", device: str = "auto", dtype: str = "auto", batch_size: int = 8,
                 **_ignored: Any):
        self.model = model
        self.device_request = device
        self.dtype_request = dtype
        self.batch_size = batch_size
        self.adapters: dict[str, str] = {}

    # ----- identity -------------------------------------------------------------------------
    def identity(self) -> dict[str, Any]:
        return {"backend": self.kind, "model": self.model, "weights": weights_identity(self.model)}

    def register_adapter(self, name: str, path: str | None) -> str:
        if path is None:
            raise UserError(f"the transformers backend needs a local adapter folder for '{name}'")
        digest = adapter_hash(path)
        self.adapters[name] = str(path)
        return digest

    # ----- loading --------------------------------------------------------------------------
    @cached_property
    def device(self) -> str:
        return pick_device(self.device_request)

    @cached_property
    def tokenizer(self):
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(self._path)
        tokenizer.padding_side = "left"
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        return tokenizer

    @cached_property
    def _path(self) -> str:
        return resolve_model_path(self.model)

    @cached_property
    def hf_model(self):
        from transformers import AutoModelForCausalLM

        from harness.progress import status

        if not self.device.startswith("cuda"):
            set_torch_threads()
        try:
            with status(f"loading model {self.model} on {self.device}"):
                model = AutoModelForCausalLM.from_pretrained(self._path, dtype=pick_dtype(self.device, self.dtype_request))
        except OSError as exc:
            raise UserError(f"cannot load model '{self.model}': {str(exc).splitlines()[0]}",
                            hint="pass a local path or a model id present in the Hugging Face cache "
                                 "(runs are offline: HF_HUB_OFFLINE=1)") from None
        return model.to(self.device).eval()

    def _model_for(self, adapter: str | None):
        """(model, context) for ``adapter``; None means the base weights, with any adapter disabled."""
        model = self.hf_model
        is_peft = hasattr(model, "peft_config")
        if adapter is None:
            return model, (model.disable_adapter() if is_peft else nullcontext())
        if adapter not in self.adapters:
            raise UserError(f"adapter '{adapter}' was not registered with the backend")
        if not is_peft:
            from peft import PeftModel

            model = PeftModel.from_pretrained(model, self.adapters[adapter], adapter_name=adapter).eval()
            self.__dict__["hf_model"] = model
        elif adapter not in model.peft_config:
            model.load_adapter(self.adapters[adapter], adapter_name=adapter)
        model.set_adapter(adapter)
        return model, nullcontext()

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def render(self, messages: list[dict[str, str]]) -> str:
        return self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)

    # ----- generation -----------------------------------------------------------------------
    def generate(self, prompts: list[Prompt], params: GenerationParams,
                 on_done: Callable[[int], None] | None = None,
                 on_result: Callable[[int, Completion], None] | None = None) -> list[Completion]:
        """Complete every prompt in order; ``on_result(index, completion)`` runs after each batch."""
        texts = [self.render(p.messages) for p in prompts]
        lengths = [len(ids) for ids in self.tokenizer(texts, add_special_tokens=False)["input_ids"]]
        results: list[Completion | None] = [None] * len(prompts)
        # group by adapter, then sort by length so each batch pads as little as possible
        order = sorted(range(len(prompts)), key=lambda i: (prompts[i].adapter or "", -lengths[i]))
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            by_adapter: dict[str | None, list[int]] = {}
            for i in batch:
                by_adapter.setdefault(prompts[i].adapter, []).append(i)
            for adapter, indices in by_adapter.items():
                outputs = self._generate_batch([texts[i] for i in indices], adapter, params)
                for i, completion in zip(indices, outputs):
                    results[i] = completion
                    if on_result:
                        on_result(i, completion)
                if on_done:
                    on_done(len(indices))
        return results  # type: ignore[return-value]

    def _generate_batch(self, texts: list[str], adapter: str | None, params: GenerationParams) -> list[Completion]:
        import torch

        model, context = self._model_for(adapter)
        tokenizer = self.tokenizer
        encoded = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(self.device)
        sampling = params.temperature > 0
        kwargs: dict[str, Any] = {"max_new_tokens": params.max_new_tokens, "do_sample": sampling,
                                  "pad_token_id": tokenizer.pad_token_id}
        if sampling:
            torch.manual_seed(params.seed)
            kwargs.update(temperature=params.temperature, top_p=params.top_p)
        else:
            kwargs.update(temperature=None, top_p=None, top_k=None)
        if params.top_logprobs:
            kwargs.update(output_scores=True, return_dict_in_generate=True)
        started = time.perf_counter()
        with torch.inference_mode(), context:
            output = model.generate(**encoded, **kwargs)
        elapsed = time.perf_counter() - started
        scores = None
        if params.top_logprobs:
            scores, output = output.scores, output.sequences
        new_tokens = output[:, encoded["input_ids"].shape[1]:]
        prompt_tokens = encoded["attention_mask"].sum(dim=1).tolist()
        stop_ids = {tokenizer.eos_token_id, tokenizer.pad_token_id}
        completions = []
        for index, (row, n_prompt) in enumerate(zip(new_tokens.tolist(), prompt_tokens)):
            length = next((k for k, tok in enumerate(row) if tok in stop_ids), len(row))
            logprobs = self._logprobs(scores, index, row[:length], params.top_logprobs) if scores else None
            completions.append(Completion(
                text=tokenizer.decode(row[:length], skip_special_tokens=True).strip(),
                prompt_tokens=int(n_prompt),
                completion_tokens=length,
                latency_s=round(elapsed / len(texts), 4),
                model=self.model + (f"+{adapter}" if adapter else ""),
                finish_reason="stop" if length < len(row) else "length",
                logprobs=logprobs,
            ))
        return completions

    def _logprobs(self, scores, row: int, tokens: list[int], top: int) -> list[dict[str, Any]]:
        """Per generated token, its log-probability and the top alternatives (OpenAI's format)."""
        import torch

        entries = []
        for step, token in enumerate(tokens):
            logprobs = torch.log_softmax(scores[step][row].float(), dim=-1)
            values, ids = logprobs.topk(top)
            entries.append({
                "token": self.tokenizer.decode([token]), "logprob": float(logprobs[token]),
                "top_logprobs": [{"token": self.tokenizer.decode([i]), "logprob": float(v)}
                                 for v, i in zip(values.tolist(), ids.tolist())],
            })
        return entries

    def close(self) -> None:
        self.__dict__.pop("hf_model", None)
