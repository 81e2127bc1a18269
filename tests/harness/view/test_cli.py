"""The real entry points: `python -m harness view` and `human serve` as processes on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from tests.harness.view.records import SYSTEMS


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(*args: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "harness", *args, "--port", str(port)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, port
        except OSError:
            if process.poll() is not None:
                raise AssertionError(process.stdout.read())
            time.sleep(0.1)
    os.killpg(process.pid, signal.SIGTERM)
    raise AssertionError("the server did not start")


def get(port: int, path: str, host: str = "127.0.0.1") -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": f"{host}:{port}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_view_and_human_serve_commands_serve_on_loopback(results):
    view, port = start("view", "--out", str(results))
    try:
        status, html = get(port, "/items")
        assert status == 200 and all(s in html for s in SYSTEMS)
        assert get(port, "/items", host="evil.example")[0] == 400  # a rebound DNS name is refused
    finally:
        os.killpg(view.pid, signal.SIGTERM)
        view.wait(timeout=30)
    rate, port = start("human", "serve", "--annotator", "alice", "--mode", "pairwise", "--out", str(results))
    try:
        status, html = get(port, "/rate")
        assert status == 200 and 'data-mode="pairwise"' in html and not any(s in html for s in SYSTEMS)
    finally:
        os.killpg(rate.pid, signal.SIGTERM)
        rate.wait(timeout=30)
    assert "serving the rating pages on http://127.0.0.1:" in rate.stdout.read()
