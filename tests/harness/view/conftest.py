"""Browser fixtures: Debian's Chromium driven by playwright, and the apps served in-process."""

from __future__ import annotations

import os
import shutil
import threading
import time

import pytest

from tests.harness.view.records import build_results

CHROMIUM = os.environ.get("HARNESS_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture
def results(tmp_path):
    return build_results(tmp_path)


class LiveServer:
    """A Starlette app served by uvicorn in a thread on 127.0.0.1 and a free port."""

    def __init__(self, app):
        import uvicorn

        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                                    lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def serve():
    started = []

    def start(app) -> LiveServer:
        server = LiveServer(app)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="package")  # playwright's loop must be gone before other packages' tests run
def browser():
    if not (shutil.which(CHROMIUM) or os.path.isfile(CHROMIUM)):
        pytest.fail(f"no Chromium at {CHROMIUM}: install it with apt-get install -y chromium chromium-driver "
                    "(.ci/run does), or point HARNESS_CHROMIUM at one")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    yield page
    context.close()
