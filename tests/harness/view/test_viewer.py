"""The viewer in Chromium: leaderboard, item browser filters, item page, run-vs-run, errors, static bundle."""

from __future__ import annotations

import re

import base64

from harness.cli import main
from harness.view.app import make_app
from tests.harness.view.records import JUDGE, RUNS, SYSTEMS, XSS, XSS_ITEM


BOARD = ("# Leaderboard\n\n| system | judge |\n| :-- | --: |\n| zetarag | 4.00 |\n"
         "| <script>window.__xss = 5</script> | 1.00 |\n\n## Plots\n\n![scores with 95% CIs](scores.png)\n")
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="


def visible_rows(page) -> list[str]:
    return page.eval_on_selector_all("#items tbody tr:not([hidden]) td:first-child a", "els => els.map(e => e.textContent)")


def test_item_browser_filters_and_opens_an_item(results, serve, page):
    server = serve(make_app(results))
    page.goto(server.url + "/items")
    assert len(visible_rows(page)) == 11
    page.select_option("select[name=category]", "festivals")
    assert visible_rows(page) == ["q00", "q01", "q06"]
    page.select_option("select[name=region]", "south")
    assert visible_rows(page) == ["q00"]
    assert page.inner_text("#shown") == "1 of 11 items"
    page.select_option("select[name=region]", "")
    page.select_option("select[name=category]", "")
    page.check("input[name=jcdis]")  # only q03 has a judge score of 2/5 next to coverage 0.95
    assert visible_rows(page) == ["q03"]
    page.uncheck("input[name=jcdis]")
    page.select_option("select[name=split]", "test")
    page.select_option("select[name=taught]", "taught")
    assert visible_rows(page) == ["q00", "q06"]
    page.reload()  # the filter state lives in the URL hash
    assert visible_rows(page) == ["q00", "q06"]
    page.click("text=q06")
    assert page.url.endswith("/item/q06")
    assert page.inner_text("#question") == "Question 6 about festivals in the northeast?"
    assert not page.js_errors


def test_item_page_shows_answers_passages_citations_and_judge(results, serve, page):
    server = serve(make_app(results))
    page.goto(server.url + "/item/q01")
    columns = page.locator(".answers .answer")
    assert columns.count() == len(SYSTEMS)
    assert page.eval_on_selector_all(".answer h3", "els => els.map(e => e.firstChild.textContent.trim())") == SYSTEMS
    rag = page.locator(".answer[data-system=zetarag]")
    assert rag.locator("mark.cite").all_inner_texts() == ["[1]", "[2]"]
    passages = rag.locator("li.passage")
    assert passages.count() == 2
    assert "honours the legendary King Mahabali" in passages.nth(0).inner_text()  # the chunk text, from the corpus
    assert "not in the run's corpus folder" in passages.nth(1).inner_text()
    assert "cited" in passages.nth(0).get_attribute("class")
    assert JUDGE in rag.inner_text() and "overall 4.00" in rag.inner_text()
    rag.locator("summary", has_text="rationale").click()
    assert "Rationale for q01" in rag.inner_text()
    assert "none yet" in rag.inner_text()  # no human rating so far
    page.keyboard.press("j")
    page.wait_for_url(re.compile(r"/item/q02$"))


def write_board(results) -> None:
    """A leaderboard.md as `python -m harness leaderboard` writes it (a table, a plot line), plus a plot."""
    (results / "leaderboard.md").write_text(BOARD)
    (results / "scores.png").write_bytes(base64.b64decode(PNG))


def test_leaderboard_runs_and_run_vs_run(results, serve, page):
    server = serve(make_app(results))
    page.goto(server.url + "/")
    assert "No leaderboard.md yet" in page.inner_text("#no-leaderboard")
    write_board(results)
    page.goto(server.url + "/")
    assert page.locator("article.markdown table tr").count() == 3
    assert "zetarag" in page.inner_text("article.markdown") and page.evaluate("window.__xss") is None
    assert "<script>window.__xss = 5</script>" in page.inner_text("article.markdown")  # a cell shown as text
    assert page.evaluate("document.querySelector('img.plot').naturalWidth") == 1
    assert not page.is_visible("#stale")
    page.goto(server.url + f"/?run={RUNS[1]}")  # the run's own report.md, not written yet
    assert "No report.md yet" in page.inner_text("#no-leaderboard")
    page.goto(server.url + "/runs")
    page.select_option("select[name=a]", RUNS[0])
    page.select_option("select[name=b]", RUNS[1])
    page.click("button[type=submit]")
    assert "/compare?" in page.url
    text = page.inner_text("main")
    assert f"Run {RUNS[0]} → {RUNS[1]}" in text
    sft = page.locator("section.pair", has=page.locator("h2", has_text="omegasft → omegasft"))
    assert "10 of 11 answers changed" in sft.inner_text() and "10 judged better" in sft.inner_text()
    assert "adapters/omegasft-iter0" in sft.inner_text() and "adapters/omegasft-iter1" in sft.inner_text()
    rag = page.locator("section.pair", has=page.locator("h2", has_text="zetarag → zetarag"))
    assert "0 of 11 answers changed" in rag.inner_text()
    assert rag.locator("details").first.get_attribute("open") is None  # nothing changed: the rows stay folded
    assert sft.locator("details").first.get_attribute("open") is not None


def test_wrong_run_or_item_is_a_clear_404_page(results, serve, page):
    server = serve(make_app(results))
    for path, message in [("/?run=no-such-run", "There is no run 'no-such-run'"),
                          ("/item/nope", "There is no item 'nope'"),
                          ("/items?run=..%2F..%2Fetc", "There is no run '../../etc'"),
                          ("/static/..%2Fapp.py", "No such page"), ("/static/app.py", "No static file"), ("/nowhere", "No such page")]:
        response = page.goto(server.url + path)
        assert response.status == 404, path
        assert message in page.inner_text("#error-message"), path
        assert "Traceback" not in page.content()


def test_injected_html_and_scripts_render_as_text(results, serve, page):
    server = serve(make_app(results))
    page.goto(server.url + f"/item/{XSS_ITEM}")
    assert page.evaluate("window.__xss") is None
    answers = page.locator(".answer-text").all_inner_texts()
    assert [text.rsplit(" ", 1)[0] for text in answers] == [XSS] * 3  # shown literally, character for character
    assert page.inner_text("#question") == "Injected? " + XSS
    assert page.locator("main img, main a[href^=javascript], main b").count() == 0
    assert [s.get_attribute("src") for s in page.locator("script").all()] == ["/static/app.js"]
    page.locator("summary", has_text="rationale").first.click()
    assert page.evaluate("window.__xss") is None


def test_static_bundle_works_from_file_urls(results, tmp_path, page):
    target = tmp_path / "bundle"
    write_board(results)
    assert main(["view", "--out", str(results), "--bundle", str(target)]) == 0
    page.goto((target / "index.html").as_uri())
    assert "zetarag" in page.inner_text("article.markdown") and page.evaluate("window.__xss") is None
    assert page.evaluate("document.querySelector('img.plot').naturalWidth") == 1  # copied next to index.html
    page.click("header nav >> text=Items")
    assert page.url.startswith("file://") and page.url.split("#")[0].endswith("/items.html")
    page.select_option("select[name=category]", "religion")
    assert visible_rows(page) == ["q02", "q04", "q09"]
    page.click("text=q04")
    assert page.inner_text("#question") == "Question 4 about religion in the east?"
    assert page.locator(".answer").count() == 3
    page.goto((target / "item" / f"{XSS_ITEM}.html").as_uri())  # no CSP in a bundle: escaping alone keeps it inert
    assert page.evaluate("window.__xss") is None
    assert page.locator(".answer-text").first.inner_text() == XSS + " ~"
    page.goto((target / "runs.html").as_uri())
    page.click(f"text=vs {RUNS[0]}")
    assert "omegasft → omegasft" in page.inner_text("main")
    assert not page.js_errors
    # a second bundle into the same folder replaces it; a foreign non-empty folder is refused
    assert main(["view", "--out", str(results), "--bundle", str(target)]) == 0
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    assert main(["view", "--out", str(results), "--bundle", str(tmp_path / "other")]) == 2
