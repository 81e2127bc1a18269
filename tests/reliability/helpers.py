"""Shared pieces of the reliability suite: the CLI in a subprocess, clean-failure checks, read-only folders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def harness(*args, cwd=REPO, timeout=300, env=None, prefix=()):
    return subprocess.run([*prefix, sys.executable, "-m", "harness", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {})})


def assert_clean_failure(code: int, stderr: str, *needles: str) -> None:
    """Exit 2, exactly one error message, no traceback, and every needle (file, line, field) in it."""
    assert code == 2, stderr
    assert "Traceback" not in stderr, stderr
    assert stderr.count("error:") == 1, stderr
    for needle in needles:
        assert needle in stderr, (needle, stderr)


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def read_only_prefix(folder: Path) -> tuple[str, ...]:
    """A command prefix under which ``folder`` cannot be written, also for root (a read-only bind mount
    in a private mount namespace); non-root users get the folder's write bits removed instead."""
    if os.geteuid() != 0:
        for path in [folder, *folder.rglob("*")]:
            path.chmod(path.stat().st_mode & ~0o222)
        return ()
    prefix = ("unshare", "-rm", "sh", "-c", f'mount --bind "{folder}" "{folder}" && '
              f'mount -o remount,bind,ro "{folder}" && exec "$@"', "sh")
    probe = subprocess.run([*prefix, "touch", str(folder / ".probe")], capture_output=True)
    if probe.returncode == 0 or b"Read-only" not in probe.stderr:
        pytest.skip("cannot make a read-only folder here (root without mount namespaces)")
    return prefix
