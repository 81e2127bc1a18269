"""Jinja templates with autoescaping, and the few filters that add markup to escaped text.

Model output is never marked safe as it is: ``cite`` escapes first and then wraps ``[n]`` citations,
and the leaderboard's markdown is rendered with raw HTML disabled.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

HERE = Path(__file__).resolve().parent
STATIC_FILES = {name: HERE / "static" / name for name in ("app.css", "app.js", "rate.js")}
CITATION = re.compile(r"\[(\d{1,2})\]")
SAFE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,80}$")


def cite(text: str | None, cited_class: str = "cite") -> Markup:
    """Escaped text with each [n] wrapped in <mark>, so a reader can match it to passage n."""
    escaped = str(escape(text or ""))
    return Markup(CITATION.sub(lambda m: f'<mark class="{cited_class}" data-n="{m.group(1)}">[{m.group(1)}]</mark>',
                               escaped))


def citations(text: str | None) -> set[int]:
    return {int(n) for n in CITATION.findall(text or "")}


def num(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


@lru_cache(maxsize=1)
def markdown():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render_markdown(text: str) -> Markup:
    """Markdown from our own report code; raw HTML in it is shown as text, unsafe links are dropped."""
    return Markup(markdown().render(text))


def file_name(item_id: str) -> str:
    """A bundle file name for an item id: the id when it is plain, else a hash of it."""
    from harness.hashing import hash_text

    return item_id if SAFE_NAME.match(item_id) and not item_id.startswith(".") else "i-" + hash_text(item_id, 12)


class Links:
    """URLs for the same templates served live (absolute paths, ?run=) or written as a bundle (relative files)."""

    def __init__(self, bundle: bool = False, depth: int = 0, run: str | None = None, prefix: str = ""):
        self.bundle, self.depth, self.run, self.prefix = bundle, depth, run, prefix

    def _live(self, path: str, **params) -> str:
        if self.run:
            params.setdefault("run", self.run)
        query = urlencode({k: v for k, v in params.items() if v})
        return self.prefix + path + (f"?{query}" if query else "")

    def _file(self, path: str) -> str:
        return "../" * self.depth + path

    def static(self, name: str) -> str:
        return self._file(f"static/{name}") if self.bundle else f"{self.prefix}/static/{name}"

    def leaderboard(self) -> str:
        return self._file("index.html") if self.bundle else self._live("/")

    def items(self) -> str:
        return self._file("items.html") if self.bundle else self._live("/items")

    def item(self, item_id: str) -> str:
        return self._file(f"item/{file_name(item_id)}.html") if self.bundle else self._live(
            "/item/" + quote(item_id, safe=""))

    def runs(self) -> str:
        return self._file("runs.html") if self.bundle else self._live("/runs")

    def compare(self, a: str, b: str) -> str:
        return self._file(f"compare/{file_name(a)}--{file_name(b)}.html") if self.bundle else self._live(
            "/compare", a=a, b=b, run=None)

    def agreement(self) -> str:
        return self._file("agreement.html") if self.bundle else self._live("/agreement")

    def plot(self, name: str) -> str:
        return self._file(name) if self.bundle else f"{self.prefix}/plots/{name}"

    def with_run(self, run: str | None) -> str:
        return self._live("/", run=run) if not self.bundle else self._file("index.html")


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["cite"] = cite
    env.filters["num"] = num
    return env


def render(template: str, **context) -> str:
    return environment().get_template(template).render(**context)
