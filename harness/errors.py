"""One exception type for every mistake a user can make; the CLI turns it into exit code 2."""

from __future__ import annotations

import sys
from typing import Callable

EXIT_USAGE = 2


class UserError(Exception):
    """Bad input: a flag, a file, a row or an endpoint. Printed as one line, never a traceback."""

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None):
        self.where = where
        self.hint = hint
        super().__init__(message)

    def __str__(self) -> str:
        text = f"{self.where}: {self.args[0]}" if self.where else str(self.args[0])
        return f"{text}\n  hint: {self.hint}" if self.hint else text


def did_you_mean(name: str, known: list[str], n: int = 3) -> str:
    """A short 'did you mean' clause listing the closest known names."""
    import difflib

    close = difflib.get_close_matches(name, known, n=n, cutoff=0.4)
    shown = close or sorted(known)[:n]
    return ("did you mean " if close else "known: ") + ", ".join(shown)


def field_error(exc: Exception, *, where: str | None = None, prefix: str = "", every: bool = False) -> UserError:
    """A pydantic ValidationError (or a TypeError from a constructor) as one UserError naming the field.

    ``every`` joins all problems (for small option sets); otherwise the first one is named.
    """
    errors = exc.errors() if hasattr(exc, "errors") else [{"loc": (), "msg": str(exc)}]
    problems = [f"field '{'.'.join(map(str, e['loc'])) or 'row'}': {e['msg']}" for e in errors]
    return UserError(prefix + ("; ".join(problems) if every else problems[0]), where=where)


def run_main(command: Callable[[], int]) -> int:
    """Run a command-line entry point: a UserError becomes one line on stderr and exit code 2."""
    try:
        return command()
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE

