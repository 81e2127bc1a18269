"""Any OpenAI-compatible chat endpoint: vLLM, llama.cpp server, Ollama, hosted APIs.

Requests run concurrently (bounded), each with a timeout and retries with exponential backoff;
every malformed response is retried too, and what still fails is an error completion.
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

RETRYABLE_STATUS = {408, 409, 425, 429}  # plus every 5xx


class MalformedResponse(Exception):
    """A 200 whose body is not a chat completion: retried like a server error."""


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


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
        try:
            models = [m.get("id", "") for m in response.json().get("data", [])]
        except (ValueError, AttributeError, TypeError):
            raise UserError(f"endpoint {self.endpoint}/models did not answer with an OpenAI model list",
                            hint="check that --endpoint is the server's /v1 base URL") from None
        self._checked = True
        return models

    def count_tokens(self, text: str) -> int:
        # The server's tokenizer is not reachable in general; ~0.75 words per token for English.
        return max(1, round(len(text.split()) / 0.75))

    def generate(self, prompts: list[Prompt], params: GenerationParams,
                 on_done: Callable[[int], None] | None = None,
                 on_result: Callable[[int, Completion], None] | None = None) -> list[Completion]:
        """Complete every prompt; ``on_result(index, completion)`` runs as each one finishes, so the
        caller can write it at once."""
        if not self._checked:
            self.check()
        return run_coroutine(self._generate_all(prompts, params, on_done, on_result))

    async def _generate_all(self, prompts, params, on_done, on_result) -> list[Completion]:
        import httpx

        semaphore = asyncio.Semaphore(self.concurrency)
        limits = httpx.Limits(max_connections=self.concurrency, max_keepalive_connections=self.concurrency)
        async with httpx.AsyncClient(timeout=self.timeout_s, limits=limits, headers=self._headers()) as client:

            async def one(index: int, prompt: Prompt) -> Completion:
                async with semaphore:
                    completion = await self._request(client, prompt, params)
                if on_result:
                    on_result(index, completion)
                if on_done:
                    on_done(1)
                return completion

            return list(await asyncio.gather(*(one(i, p) for i, p in enumerate(prompts))))

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
        """Retry with backoff on anything but a definite refusal (a 4xx other than 408/409/429):
        errors, stalls, dropped connections, truncated or malformed bodies. The last failure is
        returned as an error completion, never as answer text."""
        import httpx

        body = self.payload(prompt, params)
        last_error = "no attempt"
        for attempt in range(self.retries + 1):
            if attempt:
                await asyncio.sleep(min(30.0, 0.5 * 2 ** (attempt - 1)) * (0.5 + random.random()))
            started = time.perf_counter()
            try:
                # the client's timeout bounds each read; this bounds the whole request (a slow trickle)
                response = await asyncio.wait_for(client.post(f"{self.endpoint}/chat/completions", json=body),
                                                  self.timeout_s)
            except (httpx.HTTPError, asyncio.TimeoutError) as exc:
                last_error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                if isinstance(exc, asyncio.TimeoutError):
                    last_error = f"no complete response within {self.timeout_s} s"
                continue
            if response.status_code in RETRYABLE_STATUS or response.status_code >= 500:
                last_error = f"HTTP {response.status_code}: {response.text[:200]}"
                continue
            if response.status_code >= 400:
                return Completion(text="", error=f"HTTP {response.status_code}: {response.text[:300]}")
            try:
                return self._parse(response.json(), time.perf_counter() - started)
            except (ValueError, MalformedResponse) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
                last_error = f"malformed response: {exc}"[:300]
        return Completion(text="", error=f"failed after {self.retries + 1} attempts: {last_error}")

    @staticmethod
    def _parse(data: Any, elapsed: float) -> Completion:
        try:
            choice = data["choices"][0]
            text = choice["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise MalformedResponse(f"no choices[0].message.content in {str(data)[:200]}") from None
        if not isinstance(text, str):
            raise MalformedResponse(f"choices[0].message.content is {type(text).__name__}, not text")
        usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
        logprobs = choice.get("logprobs")
        return Completion(
            text=text.strip(),
            prompt_tokens=_int_or_none(usage.get("prompt_tokens")),
            completion_tokens=_int_or_none(usage.get("completion_tokens")),
            latency_s=round(elapsed, 4),
            model=data.get("model") if isinstance(data.get("model"), str) else None,
            finish_reason=choice.get("finish_reason") if isinstance(choice.get("finish_reason"), str) else None,
            logprobs=logprobs.get("content") if isinstance(logprobs, dict) else None,
        )

    def close(self) -> None:
        pass


def run_coroutine(coroutine):
    """``asyncio.run``, also from code that already runs an event loop (a notebook, a web app): there
    the coroutine runs on its own loop in a worker thread, since a running loop cannot be re-entered."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
