"""The blinded rating pages behind ``python -m harness human serve --annotator NAME``.

One annotator per server process (the name comes from the command line, never from a request).
Pages show opaque task ids and answer labels only; the assignment file, which maps tasks to systems,
stays on the server. A form POST needs this server's token and a same-origin request.
"""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from harness.errors import UserError
from harness.human.serve import RatingSession
from harness.run_records import collect
from harness.view import pages
from harness.view.app import NotFound, error_handlers, host_guard, html, static_response
from harness.view.render import Links, render

MAX_BODY = 64 * 1024


class Forbidden(Exception):
    pass


async def read_form(request: Request) -> dict[str, str]:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise UserError("the form is too large")
    return dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))


def make_rating_app(session: RatingSession, *, run: str | None = None, host: str = "127.0.0.1") -> Starlette:
    token = secrets.token_urlsafe(24)
    links = Links()

    def page(task, *, saved: bool = False, problem: str | None = None, status: int = 200):
        return html(render("rate.html", links=links, page="rate", blind=True, t=session.task_view(task),
                           rubric=session.rubric, token=token, saved=saved, problem=problem,
                           title=f"Task {task.task_id}"), status)

    def lookup(task_id: str):
        if task_id not in session.by_id:
            raise NotFound(f"Task '{task_id}' is not in your queue.")
        return session.task(task_id)

    async def home(request: Request):
        return RedirectResponse("/rate", status_code=303)

    async def next_page(request: Request):
        task = session.next_task(after=request.query_params.get("after"))
        if task is None:
            done, total = session.progress()
            return html(render("rate_done.html", links=links, page="rate", blind=True, done=done, total=total,
                               title="All rated"))
        return page(task, saved=request.query_params.get("saved") == "1")

    async def task_page(request: Request):
        return page(lookup(request.path_params["task_id"]))

    async def submit(request: Request):
        task = lookup(request.path_params["task_id"])
        origin = request.headers.get("origin")
        if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
            raise Forbidden("cross-origin form")
        form = await read_form(request)
        if not hmac.compare_digest(form.get("token", ""), token):
            raise Forbidden("this form is from an older server; reload the page")
        try:
            session.rate(task, form)
        except UserError as exc:
            return page(task, problem=str(exc), status=422)
        return RedirectResponse(f"/rate?after={task.task_id}&saved=1", status_code=303)

    async def agreement(request: Request):
        return html(pages.agreement_page(collect(session.out_dir, run), links, blind=True))

    async def static(request: Request):
        return static_response(request.path_params["name"])

    async def forbidden(request: Request, exc: Forbidden):
        return html(pages.error_page(links, 403, f"Refused: {exc}.", blind=True), 403)

    routes = [Route("/", home), Route("/rate", next_page), Route("/rate/{task_id}", task_page),
              Route("/rate/{task_id}", submit, methods=["POST"]), Route("/agreement", agreement),
              Route("/static/{name}", static)]
    handlers = {**error_handlers(lambda request: links, blind=True), Forbidden: forbidden}
    return Starlette(routes=routes, exception_handlers=handlers, middleware=host_guard(host))


def open_session(out_dir: Path, annotator: str, *, assignment_file: str | None, mode: str, run: str | None,
                 rubric_name: str, seed: int = 0) -> RatingSession:
    """The annotator's session from an assignment file, or a one-person assignment of the whole run."""
    from harness.human.assign import build_assignment, check_annotator, load_assignment, write_assignment
    from harness.rubric import load_rubric

    check_annotator(annotator)
    if assignment_file:
        assignment = load_assignment(Path(assignment_file))
        rubric = load_rubric(assignment["rubric"])
    else:
        rubric = load_rubric(rubric_name)
        assignment = build_assignment(collect(out_dir, run), rubric, [annotator], mode=mode, shared=1.0, seed=seed)
        path = write_assignment(out_dir, assignment)
        print(f"assignment {path} ({len(assignment['tasks'])} {mode} tasks for {annotator})")
    return RatingSession(out_dir, assignment, annotator, rubric)
