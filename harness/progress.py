"""rich progress bars (items/s and ETA) that fall back to silence when output is not a terminal."""

from __future__ import annotations

from contextlib import contextmanager


@contextmanager
def status(message: str):
    """A spinner with elapsed time for steps without a count (loading or converting a model)."""
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        console.print(message)
        yield
        return
    with console.status(message):
        yield


@contextmanager
def progress_bar(description: str, total: int):
    """Yield ``advance(n)``; shows a bar with throughput and ETA on stderr."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    class Rate(TextColumn):
        def __init__(self):
            super().__init__("")

        def render(self, task):
            speed = task.finished_speed or task.speed
            return f"{speed:.2f} items/s" if speed else "-- items/s"

    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), Rate(),
                  TextColumn("ETA"), TimeRemainingColumn(), console=console, transient=False,
                  disable=not console.is_terminal) as progress:
        task = progress.add_task(description, total=total)
        yield lambda n=1: progress.advance(task, n)
    if not console.is_terminal:
        console.print(f"{description}: {total} done")
