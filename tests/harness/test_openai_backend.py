"""The OpenAI-compatible backend against a real HTTP server on loopback serving a tiny real model."""

import threading

import pytest

from harness.backends.hf import TransformersBackend
from harness.backends.openai_compat import OpenAIBackend
from harness.errors import UserError
from harness.generation import GenerationParams, Prompt
from harness.serve import serve_in_thread
from tests.http_helpers import JsonHandler, serving

PARAMS = GenerationParams(max_new_tokens=8)


@pytest.fixture
def served(tiny_model, monkeypatch):
    monkeypatch.setenv("TEST_API_KEY", "sk-test-123")
    local = TransformersBackend(model=str(tiny_model))
    server, url = serve_in_thread(local, api_key="sk-test-123")
    yield local, url
    server.shutdown()


def test_answers_match_the_in_process_backend(served):
    local, url = served
    remote = OpenAIBackend(model=local.model, endpoint=url, api_key_env="TEST_API_KEY", concurrency=4)
    prompts = [Prompt(item_id=str(i), messages=[{"role": "user", "content": f"Question {i}"}]) for i in range(5)]
    completions = remote.generate(prompts, PARAMS)
    assert [c.text for c in completions] == [c.text for c in local.generate(prompts, PARAMS)]
    assert all(c.error is None and c.completion_tokens is not None for c in completions)


def test_wrong_key_and_unreachable_endpoint_are_clear_errors(served, monkeypatch):
    _, url = served
    monkeypatch.setenv("TEST_API_KEY", "wrong")
    with pytest.raises(UserError, match="refused the API key"):
        OpenAIBackend(model="m", endpoint=url, api_key_env="TEST_API_KEY").check()
    with pytest.raises(UserError, match="cannot reach endpoint"):
        OpenAIBackend(model="m", endpoint="http://127.0.0.1:9/v1").check()


class Flaky(JsonHandler):
    """Fails the first two chat requests with 503, then answers; counts concurrency."""

    calls = 0
    active = 0
    peak = 0
    lock = threading.Lock()

    def do_POST(self):
        import time

        with Flaky.lock:
            Flaky.calls += 1
            call = Flaky.calls
            Flaky.active += 1
            Flaky.peak = max(Flaky.peak, Flaky.active)
        time.sleep(0.05)
        with Flaky.lock:
            Flaky.active -= 1
        if call <= 2:
            self.send_response(503)
            self.end_headers()
            return
        self.send_json({"model": "m", "choices": [{"message": {"content": "ok"}, "finish_reason": "stop"}],
                        "usage": {"prompt_tokens": 3, "completion_tokens": 1}})


def test_retries_and_bounded_concurrency():
    with serving(Flaky) as url:
        backend = OpenAIBackend(model="m", endpoint=url, concurrency=3, retries=3)
        prompts = [Prompt(item_id=str(i), messages=[{"role": "user", "content": "x"}]) for i in range(9)]
        completions = backend.generate(prompts, PARAMS)
        assert [c.text for c in completions] == ["ok"] * 9
        assert Flaky.peak <= 3
        assert Flaky.calls == 11  # 9 answers + 2 retried failures


def test_generate_works_inside_a_running_event_loop():
    """A notebook or web app already runs a loop; the backend must still answer, not raise."""
    import asyncio

    from harness.backends.openai_compat import run_coroutine

    async def answer():
        return 42

    async def caller():  # as from a notebook cell: a loop is running in this thread
        return run_coroutine(answer())

    assert asyncio.run(caller()) == 42
    assert run_coroutine(answer()) == 42
