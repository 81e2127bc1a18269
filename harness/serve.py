"""A small OpenAI-compatible server over the in-process transformers backend.

``python -m harness serve --model embedded --port 8000 --adapter sft=adapters/sft``
serves /v1/models, /v1/chat/completions and /health on loopback. Requests are answered one at a
time (one model, one lock); for throughput on a GPU use ``vllm serve`` instead.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from harness.generation import GenerationParams, Prompt


def make_server(backend, host: str = "127.0.0.1", port: int = 0, api_key: str | None = None) -> ThreadingHTTPServer:
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep test and CLI output clean
            pass

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self) -> bool:
            if api_key and self.headers.get("Authorization") != f"Bearer {api_key}":
                self._send(401, {"error": {"message": "invalid API key"}})
                return False
            return True

        def do_GET(self):
            if self.path == "/health":
                return self._send(200, {"status": "ok"})
            if not self._authorised():
                return
            if self.path.rstrip("/") == "/v1/models":
                names = [backend.model, *backend.adapters]
                return self._send(200, {"object": "list", "data": [{"id": n, "object": "model"} for n in names]})
            self._send(404, {"error": {"message": f"no route {self.path}"}})

        def do_POST(self):
            if not self._authorised():
                return
            if self.path.rstrip("/") != "/v1/chat/completions":
                return self._send(404, {"error": {"message": f"no route {self.path}"}})
            try:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                name = body.get("model") or backend.model
                if name != backend.model and name not in backend.adapters:
                    return self._send(404, {"error": {"message": f"model '{name}' is not served"}})
                params = GenerationParams(max_new_tokens=body.get("max_tokens") or 256,
                                          temperature=body.get("temperature") or 0.0,
                                          top_p=body.get("top_p") or 1.0, seed=body.get("seed") or 0)
                prompt = Prompt(item_id="request", messages=body["messages"],
                                adapter=None if name == backend.model else name)
            except (ValueError, KeyError, TypeError) as exc:
                return self._send(400, {"error": {"message": f"bad request: {exc}"}})
            with lock:
                completion = backend.generate([prompt], params)[0]
            self._send(200, {
                "id": f"chatcmpl-{time.time_ns()}", "object": "chat.completion", "model": name,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": completion.text},
                             "finish_reason": completion.finish_reason}],
                "usage": {"prompt_tokens": completion.prompt_tokens, "completion_tokens": completion.completion_tokens,
                          "total_tokens": (completion.prompt_tokens or 0) + (completion.completion_tokens or 0)},
            })

    return ThreadingHTTPServer((host, port), Handler)


def serve_in_thread(backend, **kwargs) -> tuple[ThreadingHTTPServer, str]:
    """Start a server on a free loopback port; returns (server, base URL ending in /v1)."""
    server = make_server(backend, **kwargs)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    return server, f"http://{host}:{port}/v1"
