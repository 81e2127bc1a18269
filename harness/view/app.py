"""The live viewer: a Starlette app over ``<out>/runs``, read-only, bound to 127.0.0.1 by default.

Use: ``python -m harness view [--out results] [--port 8765]``; ``make_app(out)`` for tests. Run ids and
item ids from a request are only looked up among the records, never joined into a path; a wrong one
answers 404 with a message.
"""

from __future__ import annotations

import sys
import threading
import traceback
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

from harness.errors import UserError
from harness.run_records import Comparison, collect, list_runs
from harness.view import pages
from harness.view.render import STATIC_FILES, Links

LOOPBACK = ("127.0.0.1", "localhost", "::1")
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
                               "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class NotFound(Exception):
    """A run, item or page that does not exist: a 404 page with this message."""


def records_stamp(out_dir: Path) -> tuple:
    """Names, sizes and mtimes of every run file: a new record changes it, so cached pages refresh."""
    stamp = []
    for path in sorted((Path(out_dir) / "runs").glob("*/*")):
        try:
            info = path.stat()
        except OSError:
            continue
        stamp.append((str(path), info.st_size, info.st_mtime_ns))
    return tuple(stamp)


class Records:
    """Comparisons and rendered pages, rebuilt when a record file changes (thread-safe)."""

    def __init__(self, out_dir: Path):
        self.out_dir = Path(out_dir)
        self.lock = threading.RLock()  # pages nest: a compare page asks for two comparisons
        self.stamp: tuple | None = None
        self.memo: dict = {}

    def cached(self, key: tuple, compute):
        with self.lock:
            stamp = records_stamp(self.out_dir)
            if stamp != self.stamp:
                self.stamp, self.memo = stamp, {}
            if key not in self.memo:
                self.memo[key] = compute()
            return self.memo[key]

    def run_ids(self) -> list[str]:
        return [p.name for p in list_runs(self.out_dir)]

    def comparison(self, run: str | None) -> Comparison:
        if run is not None and run not in self.run_ids():
            raise NotFound(f"There is no run '{run}' under {self.out_dir / 'runs'}.")
        return self.cached(("comparison", run), lambda: collect(self.out_dir, run))


def html(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status, headers=HEADERS)


def static_response(name: str) -> Response:
    if name not in STATIC_FILES:
        raise NotFound(f"No static file '{name}'.")
    return FileResponse(STATIC_FILES[name], headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})


def make_app(out_dir: Path, host: str = "127.0.0.1") -> Starlette:
    records = Records(out_dir)

    def links(request: Request) -> Links:
        return Links(run=request.query_params.get("run") or None)

    async def leaderboard(request: Request):
        run = request.query_params.get("run") or None
        if run is not None and run not in records.run_ids():
            raise NotFound(f"There is no run '{run}' under {records.out_dir / 'runs'}.")
        return html(pages.leaderboard_page(records.out_dir, run, links(request))[0])

    async def items(request: Request):
        run = request.query_params.get("run") or None
        comparison = records.comparison(run)
        return html(records.cached(("items", run), lambda: pages.items_page(comparison, links(request))))

    async def item(request: Request):
        run = request.query_params.get("run") or None
        item_id = request.path_params["item_id"]
        page = pages.item_page(records.comparison(run), links(request), item_id)
        if page is None:
            raise NotFound(f"There is no item '{item_id}' in this run.")
        return html(page)

    async def runs(request: Request):
        return html(pages.runs_page(records.out_dir, links(request)))

    async def compare(request: Request):
        a, b = request.query_params.get("a"), request.query_params.get("b")
        if not a or not b:
            raise NotFound("Name two runs to compare: /compare?a=RUN&b=RUN (see the runs page).")
        return html(records.cached(("compare", a, b), lambda: pages.compare_page(
            records.comparison(a), records.comparison(b), Links())))

    async def agreement(request: Request):
        run = request.query_params.get("run") or None
        return html(pages.agreement_page(records.comparison(run), links(request)))

    async def static(request: Request):
        return static_response(request.path_params["name"])

    async def plot(request: Request):
        name = request.path_params["name"]
        if name not in pages.PLOTS or not (records.out_dir / name).is_file():
            raise NotFound(f"No plot '{name}'.")
        return FileResponse(records.out_dir / name)

    routes = [Route("/", leaderboard), Route("/items", items), Route("/item/{item_id:path}", item),
              Route("/runs", runs), Route("/compare", compare), Route("/agreement", agreement),
              Route("/static/{name}", static), Route("/plots/{name}", plot)]
    return Starlette(routes=routes, exception_handlers=error_handlers(lambda request: Links()),
                     middleware=host_guard(host))


def host_guard(host: str) -> list[Middleware]:
    """Refuse requests whose Host header is not the address served (DNS-rebinding protection)."""
    allowed = list(LOOPBACK) + [host] if host in LOOPBACK else ["*"]
    return [Middleware(TrustedHostMiddleware, allowed_hosts=allowed)]


def error_handlers(make_links, *, blind: bool = False) -> dict:
    async def not_found(request: Request, exc: Exception):
        return html(pages.error_page(make_links(request), 404, str(exc), blind=blind), 404)

    async def http_error(request: Request, exc: HTTPException):
        message = "No such page." if exc.status_code == 404 else str(exc.detail)
        return html(pages.error_page(make_links(request), exc.status_code, message, blind=blind), exc.status_code)

    async def user_error(request: Request, exc: UserError):
        return html(pages.error_page(make_links(request), 404, str(exc), blind=blind), 404)

    async def server_error(request: Request, exc: Exception):
        traceback.print_exception(exc, file=sys.stderr)
        return html(pages.error_page(make_links(request), 500, "Something went wrong reading the records; the "
                                     "server log has the details.", blind=blind), 500)

    return {NotFound: not_found, HTTPException: http_error, UserError: user_error, Exception: server_error}


def serve(app: Starlette, host: str, port: int, what: str) -> None:
    import uvicorn

    if host not in LOOPBACK:
        print(f"warning: serving on {host}: anyone who can reach this address can read {what}", file=sys.stderr)
    print(f"serving {what} on http://{host if ':' not in host else f'[{host}]'}:{port}/ (Ctrl+C stops)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
