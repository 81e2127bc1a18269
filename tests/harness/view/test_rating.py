"""Browser rating: assignment, keyboard rating in both modes, persistence, resume, blinding, safety."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from harness.cli import main
from harness.errors import UserError
from harness.human.assign import build_assignment, write_assignment
from harness.report.human_sections import agreement_section
from harness.report.leaderboard import write_leaderboard
from harness.run_records import collect
from harness.view.app import make_app
from harness.view.rate import make_rating_app, open_session
from tests.harness.view.records import JUDGE, MODEL, RUBRIC, RUNS, SYSTEMS, XSS, XSS_ITEM

SECRETS = [*SYSTEMS, *RUNS, MODEL, JUDGE, "fp-", "adapters/"]


def assert_blind(html: str) -> None:
    leaked = [s for s in SECRETS if s in html]
    assert not leaked, f"the rating page names {leaked}"


def task_on(page) -> str:
    return page.get_attribute("form#rating", "action").rsplit("/", 1)[-1]


def progress(page) -> str:
    return page.inner_text("#progress-text")


def fetch(url: str, data: bytes | None = None) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data)) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_assignment_shares_a_part_with_everyone_and_splits_the_rest(results):
    names = ["alice", "bob", "carol", "dave"]
    a = build_assignment(collect(results), RUBRIC, names, mode="pairwise", shared=0.2, seed=3)
    shared = set(a["shared_items"])
    assert len(shared) == round(11 * 0.2)
    seen = Counter(task_id for queue in a["queues"].values() for task_id, _ in queue)
    for task_id, task in a["tasks"].items():  # 11 items x 3 system pairs
        assert seen[task_id] == (4 if task["item_id"] in shared else 1)
    assert len(a["tasks"]) == 33
    own = [sum(a["tasks"][t]["item_id"] not in shared for t, _ in q) for q in a["queues"].values()]
    assert max(own) - min(own) <= 1
    for task_id in a["tasks"]:  # each order of a shared pair is seen by half the annotators
        swaps = [swap for q in a["queues"].values() for t, swap in q if t == task_id]
        if len(swaps) == 4:
            assert sum(swaps) == 2
    for queue in a["queues"].values():
        assert abs(sum(swap for _, swap in queue) - len(queue) / 2) <= 1
    blob = json.dumps(a["queues"])
    assert not any(s in blob for s in SYSTEMS)  # the queues hold opaque ids; only the task table names systems
    out = results.parent / "assignment.json"
    assert main(["human", "assign", "--out", str(results), "--annotators", "alice,bob,carol,dave", "--shared", "0.2",
                 "--mode", "pairwise", "--assignment", str(out)]) == 0
    assert json.loads(out.read_text())["annotators"] == names
    assert main(["human", "assign", "--out", str(results), "--annotators", "alice,bob<script>"]) == 2
    assert main(["human", "assign", "--out", str(results), "--annotators", "alice,alice"]) == 2
    with pytest.raises(UserError, match="bad annotator name"):
        open_session(results, "../../etc", assignment_file=None, mode="single", run=None, rubric_name=RUBRIC.name)
    with pytest.raises(UserError, match="not in assignment"):
        open_session(results, "eve", assignment_file=str(out), mode="single", run=None, rubric_name=RUBRIC.name)


def test_pairwise_rating_by_keyboard_is_saved_blinded_and_resumes(results, serve, page):
    assignment = build_assignment(collect(results), RUBRIC, ["alice", "bob"], mode="pairwise", shared=1.0)
    path = write_assignment(results, assignment)
    session = open_session(results, "alice", assignment_file=str(path), mode="pairwise", run=None,
                           rubric_name=RUBRIC.name)
    server = serve(make_rating_app(session))
    page.goto(server.url + "/")
    total = len(assignment["queues"]["alice"])
    assert progress(page) == f"0 / {total} rated"
    pages, pressed = [page.content()], {}
    for key in "abtba":
        task = task_on(page)
        page.keyboard.press(key)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        pressed[task] = key
        pages.append(page.content())
    assert progress(page) == f"5 / {total} rated" and page.is_visible("#saved")
    assert page.evaluate("document.getElementById('progress').value") == 5
    saved = records(results / "runs" / assignment["run_id"] / "human_pairwise.jsonl")
    assert [r["task_id"] for r in saved] == list(pressed)
    swaps = dict(map(tuple, assignment["queues"]["alice"]))
    for r in saved:
        task = assignment["tasks"][r["task_id"]]
        assert r["verdict"] == {"a": "first", "b": "second", "t": "tie"}[pressed[r["task_id"]]]
        assert [r["first_system"], r["second_system"]] == (task["systems"][::-1] if swaps[r["task_id"]]
                                                          else task["systems"])
        assert r["annotator"] == "alice" and r["source"] == "browser"
    next_task = task_on(page)
    assert next_task not in pressed
    page.reload()
    assert task_on(page) == next_task and progress(page) == f"5 / {total} rated"
    page.keyboard.press("n")  # skip: the next unrated task, nothing written
    page.wait_for_url("**after=*")
    skipped_to = task_on(page)
    assert skipped_to != next_task and len(records(results / "runs" / assignment["run_id"] / "human_pairwise.jsonl")) == 5
    pages.append(page.content())
    server.stop()  # a restart resumes at the first unrated task in queue order
    server = serve(make_rating_app(open_session(results, "alice", assignment_file=str(path), mode="pairwise",
                                                run=None, rubric_name=RUBRIC.name)))
    page.goto(server.url + "/rate")
    assert task_on(page) == next_task and progress(page) == f"5 / {total} rated"
    page.goto(server.url + "/agreement")
    pages.append(page.content())
    for html in pages:
        assert_blind(html)
    for url in ("/rate", f"/rate/{next_task}", "/agreement"):
        status, html = fetch(server.url + url)
        assert status == 200
        assert_blind(html)
    # bob agrees with alice on the same tasks: the leaderboard shows the A/B verdicts and their agreement
    bob = open_session(results, "bob", assignment_file=str(path), mode="pairwise", run=None, rubric_name=RUBRIC.name)
    for r in saved:
        task = bob.task(r["task_id"])
        winner = {"first": r["first_system"], "second": r["second_system"]}.get(r["verdict"])
        bob.rate(task, {"verdict": "T" if winner is None else "AB"[task.systems.index(winner)]})
    board = agreement_section(collect(results))  # the leaderboard's human section
    assert "### Blind A/B preferences" in board and "10 verdicts from 2 annotators" in board
    assert "5 pairs judged by two or more; Krippendorff alpha, nominal: 1.00" in board
    page.goto(server.url + "/agreement")
    assert "10 verdicts from 2 annotators" in page.inner_text("#pref-summary")
    assert not page.js_errors


def test_single_rating_by_keyboard_reaches_the_leaderboard_and_item_page(results, serve, page):
    session = open_session(results, "carol", assignment_file=None, mode="single", run=None, rubric_name=RUBRIC.name)
    server = serve(make_rating_app(session))
    page.goto(server.url + "/rate")
    assert page.locator("fieldset.criterion").count() == len(RUBRIC.criteria)
    assert RUBRIC.criteria[0].anchors[1] in page.inner_text("main")  # anchors are shown
    typed = {}
    for n, digits in enumerate(["45321", "11111", "23452", "55555", "34343"]):
        task = task_on(page)
        if n == 1:
            page.keyboard.press("3")
            page.keyboard.press("Backspace")  # clears the highlighted criterion (the second)...
            page.keyboard.press("Backspace")  # ...then steps back to the first and clears it
        for digit in digits:
            page.keyboard.press(digit)
        if n == 2:
            page.keyboard.press("f")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        typed[task] = digits
    page.reload()
    assert progress(page).startswith("5 / ")
    assert task_on(page) not in typed
    saved = records(next(results.glob("runs/*/human.jsonl")))
    assert len(saved) == 5
    for r in saved:
        assert [r["scores"][c] for c in RUBRIC.criterion_ids] == [int(d) for d in typed[r["row_id"]]]
        assert r["annotator"] == "carol" and r["source"] == "browser"
    assert [r["flags"]["harmful"] for r in saved] == [False, False, True, False, False]
    assert_blind(page.content())
    write_leaderboard(results)  # the real leaderboard, then the viewer's page of it
    first = saved[0]
    viewer = serve(make_app(results))
    page.goto(viewer.url + "/")
    board = page.inner_text("article.markdown")
    assert "Human ratings and agreement" in board and "5 human ratings from 1 annotators" in board
    page.goto(viewer.url + f"/item/{first['item_id']}")
    column = page.locator(f".answer[data-system={first['system']}]")
    assert "carol: accuracy 4, regional_specificity 5" in column.inner_text()


def test_rating_page_keeps_injected_answers_inert_and_refuses_forged_posts(results, serve, page):
    session = open_session(results, "dave", assignment_file=None, mode="pairwise", run=None, rubric_name=RUBRIC.name)
    server = serve(make_rating_app(session))
    task = next(t for t in session.queue if t.item_id == XSS_ITEM)
    page.goto(server.url + f"/rate/{task.task_id}")
    assert page.evaluate("window.__xss") is None
    assert [t.rsplit(" ", 1)[0] for t in page.locator(".answer-text").all_inner_texts()] == [XSS, XSS]
    assert page.locator("main img, main a[href^=javascript], main b").count() == 0
    assert_blind(page.content())
    status, html = fetch(server.url + f"/rate/{task.task_id}", b"verdict=A&token=forged")
    assert status == 403 and "Refused" in html
    status, html = fetch(server.url + "/rate/t-not-mine", b"verdict=A")
    assert status == 404 and "not in your queue" in html
    assert session.done() == {}


def test_viewer_and_rating_modules_never_import_torch(results):
    code = ("import sys; from pathlib import Path; from harness.cli import build_parser; "
            "build_parser().parse_args(['view', '--out', sys.argv[1]]); "
            "import harness.view.app, harness.view.rate, harness.view.bundle; "
            "from harness.run_records import collect; from harness.view import pages; from harness.view.render import Links; "
            "c = collect(Path(sys.argv[1])); assert 'Mahabali' in pages.item_page(c, Links(), 'q01'); "
            "pages.items_page(c, Links()); pages.agreement_page(c, Links()); "
            "pages.compare_page(collect(Path(sys.argv[1]), 'run-ancient-0001'), c, Links()); "
            "(Path(sys.argv[1]) / 'leaderboard.md').write_text('# Leaderboard'); "
            "assert 'Leaderboard' in pages.leaderboard_page(Path(sys.argv[1]), None, Links())[0]; "
            "assert 'torch' not in sys.modules, 'torch was imported'")
    done = subprocess.run([sys.executable, "-c", code, str(results)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    helped = subprocess.run([sys.executable, "-m", "harness", "view", "--help"], capture_output=True, text=True,
                            timeout=60)
    assert helped.returncode == 0 and "--bundle" in helped.stdout
