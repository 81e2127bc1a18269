"""Screenshots of the item page and the rating page for the README, taken with the test browser.

Run: ``python -m tests.harness.view.screenshots docs/img`` (uses /usr/bin/chromium; writes view-item.png,
rate-single.png and rate-pairwise.png from the test fixture records).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from harness.view.app import make_app
from harness.view.rate import make_rating_app, open_session
from tests.harness.view.conftest import CHROMIUM, LiveServer
from tests.harness.view.records import RUBRIC, build_results


def main(target: str) -> None:
    from playwright.sync_api import sync_playwright

    folder = Path(target)
    folder.mkdir(parents=True, exist_ok=True)
    results = build_results(Path(tempfile.mkdtemp()))
    servers = [LiveServer(make_app(results))]
    for mode in ("single", "pairwise"):
        servers.append(LiveServer(make_rating_app(open_session(results, f"ann-{mode}", assignment_file=None,
                                                               mode=mode, run=None, rubric_name=RUBRIC.name))))
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
            page = browser.new_page(viewport={"width": 1360, "height": 1000})
            page.goto(servers[0].url + "/item/q00")
            page.screenshot(path=str(folder / "view-item.png"), full_page=False)
            for server, mode in zip(servers[1:], ("single", "pairwise")):
                page.goto(server.url + "/rate")
                skip = page.locator("#skip")
                for _ in range(20):  # step to the Onam item, the one with real-looking text
                    if "Onam sadya" in page.inner_text("#question"):
                        break
                    with page.expect_navigation():
                        skip.click()
                if mode == "single":
                    for key in "45":
                        page.keyboard.press(key)
                else:
                    page.keyboard.press("a")
                page.evaluate("window.scrollTo(0, 0)")
                page.screenshot(path=str(folder / f"rate-{mode}.png"), full_page=False)
            browser.close()
    finally:
        for server in servers:
            server.stop()
    for png in sorted(folder.glob("*.png")):
        print(f"{png} {png.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/img")
