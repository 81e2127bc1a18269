"""One writer per run folder and per cache: an advisory ``fcntl.flock`` on a lock file.

A second process that wants the same lock says so on stderr and waits; the lock is released when
the holder exits, killed or not, so a stale lock never blocks a rerun.
"""

from __future__ import annotations

import fcntl
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from harness.errors import UserError


@contextmanager
def exclusive(lock_file: Path, what: str) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_file`` (created if missing); wait, saying so, while another
    process holds it."""
    lock_file = Path(lock_file)
    try:
        lock_file.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock_file, "a+")
    except OSError as exc:
        raise UserError(f"cannot create the lock {lock_file}: {exc.strerror or exc}",
                        hint="choose a writable folder with --out") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            print(f"waiting: another process (pid {holder}) is writing {what}; this run continues with "
                  "whatever it leaves undone", file=sys.stderr, flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
