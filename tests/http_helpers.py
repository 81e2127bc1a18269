"""Small JSON HTTP servers on loopback for tests that script a remote peer (a teacher, a flaky API)."""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class JsonHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send_json(self, body, status: int = 200) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def read_json(self):
        return json.loads(self.rfile.read(int(self.headers["Content-Length"])))

    def do_GET(self):  # the model list every OpenAI-compatible client checks first
        self.send_json({"data": [{"id": "m"}]})


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]):
    """Yield the base URL (ending in /v1) of a threaded server running ``handler`` on a free port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()


FAULTS = ("http_500", "stall", "truncated_json", "cut_body", "empty_choices", "missing_content", "dropped",
          "not_utf8", "error_body", "http_429")


def reply_for(prompt: str) -> str:
    """What the fault server answers when it answers: derived from the prompt, so tests can check
    every stored answer belongs to its own item."""
    return f"answer to: {prompt}"


def fault_handler(faults_first: int = 2, stall_s: float = 1.5, always_fail: tuple[str, ...] = ()):
    """A chat endpoint that fails each distinct prompt's first ``faults_first`` requests, cycling through
    FAULTS (a prompt's faults differ from its neighbours'), then answers; prompts containing any of
    ``always_fail`` never get an answer. ``Handler.attempts`` counts requests per prompt."""
    import socket
    import time
    from collections import Counter

    class FaultyChat(JsonHandler):
        attempts: Counter = Counter()
        lock = threading.Lock()

        def do_POST(self):
            body = self.read_json()
            prompt = body["messages"][-1]["content"]
            with self.lock:
                n = self.attempts[prompt]
                self.attempts[prompt] += 1
            if n < faults_first or any(word in prompt for word in always_fail):
                self.fault(FAULTS[(sum(prompt.encode()) + n) % len(FAULTS)], stall_s)
                return
            self.send_json({"model": body["model"], "choices": [
                {"message": {"role": "assistant", "content": reply_for(prompt)}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 5, "completion_tokens": 3}})

        def fault(self, kind: str, stall: float) -> None:
            good = json.dumps({"choices": [{"message": {"content": "never stored"}}]}).encode()
            if kind in ("http_500", "http_429"):
                self.send_json({"error": "overloaded: this text must never become an answer"}, int(kind[5:]))
            elif kind == "stall":
                time.sleep(stall)
                try:
                    self.send_json({"choices": [{"message": {"content": "too late"}}]})
                except OSError:
                    pass  # the client gave up, as it should
            elif kind == "truncated_json":
                self.raw(good[: len(good) // 2])
            elif kind == "cut_body":  # promises more bytes than it sends, then hangs up
                self.send_response(200)
                self.send_header("Content-Length", str(len(good)))
                self.end_headers()
                self.wfile.write(good[:10])
                self.close_connection = True
            elif kind == "empty_choices":
                self.send_json({"choices": []})
            elif kind == "missing_content":
                self.send_json({"choices": [{"message": {"role": "assistant"}}]})
            elif kind == "dropped":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
            elif kind == "not_utf8":
                self.raw(b'{"choices": [{"message": {"content": "\xff\xfe"}}]}')
            elif kind == "error_body":
                self.send_json({"error": {"message": "model crashed: this text must never become an answer"}})

        def raw(self, data: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return FaultyChat
