"""Any OpenAI-compatible chat endpoint: vLLM, llama.cpp server, Ollama, hosted APIs.

Requests run concurrently (bounded), each with a timeout and retries with exponential backoff.
The API key is read from an environment variable and never written to any record.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from typing import Any, Callable

from harness.errors import UserError
from harness.generation import Completion, GenerationParams, Prompt

RETRYABLE_STATUS = {408, 409, 429, 500, 502, 503, 504}


class OpenAIBackend:
    kind = "openai"

    def __init__(self, model: str, endpoint: str | None = None, api_key_env: str = "OPENAI_API_KEY",
                 concurrency: int = 16, timeout_s: float = 120.0, retries: int = 3, **_ignored: Any):
        if not endpoint:
            raise UserError("the openai backend needs --endpoint URL (for example http://127.0.0.1:8000/v1)")
        self.model = model
        self.endpoint = endpoint.rstrip("/")
        self.api_key_env = api_key_env
        self.concurrency = max(1, concurrency)
        self.timeout_s = timeout_s
        self.retries = retries
        self.adapters: dict[str, str | None] = {}
        self._checked = False

    def identity(self) -> dict[str, Any]:
        return {"backend": self.kind, "endpoint": self.endpoint, "model": self.model}

    def register_adapter(self, name: str, path: str | None) -> str:
        """On a server, an adapter is a served model name (vLLM ``--lora-modules name=path``)."""
        self.adapters[name] = path
        if path is not None:
            from harness.backends.hf import adapter_hash

            return adapter_hash(path)
        return "served:" + name

    def _headers(self) -> dict[str, str]:
        key = os.environ.get(self.api_key_env)
        return {"Authorization": f"Bearer {key}"} if key else {}

    def check(self) -> list[str]:
        """Fail fast with one clear message when the endpoint cannot be reached; list served models."""
        import httpx

        try:
            response = httpx.get(f"{self.endpoint}/models", headers=self._headers(), timeout=10.0)
        except httpx.HTTPError as exc:
            raise UserError(f"cannot reach endpoint {self.endpoint}: {type(exc).__name__}: {exc}",
                            hint="start the server first, or check --endpoint") from None
        if response.status_code in (401, 403):
            raise UserError(f"endpoint {self.endpoint} refused the API key (HTTP {response.status_code})",
                            hint=f"set the key in the environment variable {self.api_key_env}")
        if response.status_code >= 400:
            raise UserError(f"endpoint {self.endpoint}/models answered HTTP {response.status_code}")
        self._checked = True
        return [m.get("id", "") for m in response.json().get("data", [])]

    def count_tokens(self, text: str) -> int:
        # The server's tokenizer is not reachable in general; ~0.75 words per token for English.
        return max(1, round(len(text.split()) / 0.75))

    def generate(self, prompts: list[Prompt], params: GenerationParams,
                 on_done: Callable[[int], None] | None = None) -> list[Completion]:
        if not self._checked:
            self.check()
        return asyncio.run(self._generate_all(prompts, params, on_done))

    async def _generate_all(self, prompts, params, on_done) -> list[Completion]:
        import httpx

        semaphore = asyncio.Semaphore(self.concurrency)
        limits = httpx.Limits(max_connections=self.concurrency, max_keepalive_connections=self.concurrency)
        async with httpx.AsyncClient(timeout=self.timeout_s, limits=limits, headers=self._headers()) as client:

            async def one(prompt: Prompt) -> Completion:
                async with semaphore:
                    completion = await self._request(client, prompt, params)
                if on_done:
                    on_done(1)
                return completion

            return list(await asyncio.gather(*(one(p) for p in prompts)))

    def payload(self, prompt: Prompt, params: GenerationParams) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": prompt.adapter or self.model,
            "messages": prompt.messages,
            "max_tokens": params.max_new_tokens,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "seed": params.seed,
        }
        if params.top_logprobs:
            body.update(logprobs=True, top_logprobs=params.top_logprobs)
        return body

    async def _request(self, client, prompt: Prompt, params: GenerationParams) -> Completion:
        import httpx

        body = self.payload(prompt, params)
        last_error = "no attempt"
        for attempt in range(self.retries + 1):
            if attempt:
                await asyncio.sleep(min(30.0, 0.5 * 2 ** (attempt - 1)) * (0.5 + random.random()))
            started = time.perf_counter()
            try:
                response = await client.post(f"{self.endpoint}/chat/completions", json=body)
            except httpx.HTTPError as exc:
                last_error = f"{type(exc).__name__}: {exc}"
                continue
            if response.status_code in RETRYABLE_STATUS:
                last_error = f"HTTP {response.status_code}: {response.text[:200]}"
                continue
            if response.status_code >= 400:
                return Completion(text="", error=f"HTTP {response.status_code}: {response.text[:300]}")
            return self._parse(response.json(), time.perf_counter() - started)
        return Completion(text="", error=f"failed after {self.retries + 1} attempts: {last_error}")

    @staticmethod
    def _parse(data: dict[str, Any], elapsed: float) -> Completion:
        try:
            choice = data["choices"][0]
            text = choice["message"].get("content") or ""
        except (KeyError, IndexError, TypeError):
            return Completion(text="", error=f"malformed response: {str(data)[:300]}")
        usage = data.get("usage") or {}
        logprobs = (choice.get("logprobs") or {}).get("content")
        return Completion(
            text=text.strip(),
            prompt_tokens=usage.get("prompt_tokens"),
            completion_tokens=usage.get("completion_tokens"),
            latency_s=round(elapsed, 4),
            model=data.get("model"),
            finish_reason=choice.get("finish_reason"),
            logprobs=logprobs,
        )

    def close(self) -> None:
        pass
