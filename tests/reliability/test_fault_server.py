"""A faulty OpenAI-compatible server: every malformed reply is retried, what still fails is a recorded
error (never answer text), and reruns complete the run with no duplicates."""

from __future__ import annotations

import json

import pytest

from harness.backends.openai_compat import OpenAIBackend
from harness.generation import GenerationParams, Prompt
from tests.http_helpers import FAULTS, fault_handler, reply_for, serving
from tests.reliability.helpers import harness, records

PARAMS = GenerationParams(max_new_tokens=4)


def prompts(n: int) -> list[Prompt]:
    return [Prompt(item_id=str(i), messages=[{"role": "user", "content": f"question {i}"}]) for i in range(n)]


@pytest.mark.parametrize("fault", FAULTS)
def test_each_fault_is_retried_then_answered(fault):
    handler = fault_handler(faults_first=0, stall_s=1.0)

    def first_faulty(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        prompt = body["messages"][-1]["content"]
        with self.lock:
            n = self.attempts[prompt]
            self.attempts[prompt] += 1
        if n == 0:
            return self.fault(fault, 1.0)
        self.send_json({"choices": [{"message": {"content": reply_for(prompt)}}]})

    handler.do_POST = first_faulty
    with serving(handler) as url:
        backend = OpenAIBackend(model="m", endpoint=url, retries=1, timeout_s=0.4, concurrency=4)
        done = []
        completions = backend.generate(prompts(3), PARAMS, on_result=lambda i, c: done.append(i))
    assert [c.error for c in completions] == [None] * 3
    assert [c.text for c in completions] == [reply_for(f"question {i}") for i in range(3)]
    assert sorted(done) == [0, 1, 2] and all(v == 2 for v in handler.attempts.values())


def test_what_keeps_failing_is_an_error_with_no_text():
    with serving(fault_handler(faults_first=99, stall_s=1.0)) as url:
        backend = OpenAIBackend(model="m", endpoint=url, retries=2, timeout_s=0.4, concurrency=8)
        completions = backend.generate(prompts(len(FAULTS)), PARAMS)
    assert all(c.text == "" and c.error.startswith("failed after 3 attempts") for c in completions)
    assert not any("never" in (c.text or "") for c in completions)


def test_a_definite_refusal_is_not_retried():
    from tests.http_helpers import JsonHandler

    class BadRequest(JsonHandler):
        calls = 0

        def do_POST(self):
            BadRequest.calls += 1
            self.send_json({"error": "context too long"}, 400)

    with serving(BadRequest) as url:
        [completion] = OpenAIBackend(model="m", endpoint=url, retries=3).generate(prompts(1), PARAMS)
    assert completion.text == "" and "HTTP 400" in completion.error and BadRequest.calls == 1


@pytest.mark.slow
def test_a_run_against_the_fault_server_completes_after_a_rerun(tmp_path):
    items = tmp_path / "items.jsonl"
    items.write_text("".join(json.dumps({"id": f"q{i}", "question": f"Question number {i}?"}) + "\n"
                             for i in range(12)))
    out = tmp_path / "out"
    handler = fault_handler(faults_first=2, stall_s=1.0)
    with serving(handler) as url:
        args = ["run", "--backend", "openai", "--endpoint", url, "--model", "m", "--systems", "base",
                "--benchmark", items, "--out", out, "--retries", "1", "--timeout-s", "0.4", "--concurrency", "6"]
        first = harness(*args)
        assert first.returncode == 1, first.stderr
        assert "12 generation(s) failed" in first.stderr and "resume with:" in first.stderr
        assert "python -m harness run --backend openai" in first.stderr
        second = harness(*args)
    assert second.returncode == 0, second.stderr
    [run_dir] = (out / "runs").iterdir()
    answers = records(run_dir / "generations.jsonl")
    ok = [a for a in answers if a["status"] == "ok"]
    assert len(ok) == 12 and len({a["item_id"] for a in ok}) == 12  # complete, no duplicates
    questions = {f"q{i}": f"Question number {i}?" for i in range(12)}
    for answer in ok:
        assert answer["error"] is None and answer["text"] == reply_for(questions[answer["item_id"]])
    for answer in answers:
        if answer["status"] == "error":
            assert answer["text"] == "" and answer["error"]
    assert (out / "leaderboard.md").is_file()
