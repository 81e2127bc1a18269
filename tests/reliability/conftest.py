"""Loopback answer servers for the reliability suite."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from tests.http_helpers import JsonHandler, reply_for, serving


def answering(delay_s: float = 0.0):
    """A chat endpoint that answers every prompt after ``delay_s``; counts requests per prompt."""

    class Answers(JsonHandler):
        attempts: Counter = Counter()
        lock = threading.Lock()

        def do_POST(self):
            prompt = self.read_json()["messages"][-1]["content"]
            with self.lock:
                self.attempts[prompt] += 1
            time.sleep(delay_s)
            try:
                self.send_json({"choices": [{"message": {"content": reply_for(prompt)}, "finish_reason": "stop"}]})
            except OSError:
                pass  # the client was killed

    return Answers


@pytest.fixture
def server():
    """(start(delay_s) -> (url, handler)); servers stop at the end of the test."""
    stack = []

    def start(delay_s: float = 0.0):
        handler = answering(delay_s)
        context = serving(handler)
        url = context.__enter__()
        stack.append(context)
        return url, handler

    yield start
    for context in stack:
        context.__exit__(None, None, None)
