"""Append-only JSONL files, flushed per record and safe against ``kill -9``; the generation cache.

Reading never needs write access: a partial last line (what ``kill -9`` mid-write leaves) is
ignored, and a corrupt line elsewhere (a disk error, a hand edit) is skipped with one warning per
file naming file:line. Appending first cuts a partial last line, under a lock, so a rerun appends
after the last complete record and nothing is duplicated or lost.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any, Iterator

from pydantic import BaseModel

from harness.errors import UserError

_warned: set[str] = set()


def _required_keys(name: str) -> tuple[str, ...]:
    """Fields a record of this file kind must carry for readers to use it."""
    from harness.records import Answer, HumanJudgment, Judgment, PairwiseGame, Score, SupportJudgment

    model = {"generations.jsonl": Answer, "scores.jsonl": Score, "judgments.jsonl": Judgment,
             "pairwise.jsonl": PairwiseGame, "human.jsonl": HumanJudgment, "support.jsonl": SupportJudgment}.get(name)
    return tuple(n for n, f in model.model_fields.items() if f.is_required()) if model else ()


def warn(path: Path, message: str) -> None:
    """One warning per file and process on stderr (a reader skipping what it cannot use)."""
    if str(path) not in _warned:
        _warned.add(str(path))
        print(f"warning: {message}", file=sys.stderr)


def not_writable(path: Path, exc: OSError) -> UserError:
    return UserError(f"cannot write {path}: {exc.strerror or exc}",
                     hint="choose a writable folder with --out, or fix the folder's permissions")


class JsonlStore:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._handle = None

    def __iter__(self) -> Iterator[dict[str, Any]]:
        try:
            with open(self.path, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            return
        except OSError as exc:
            raise UserError(f"cannot read {self.path}: {exc.strerror or exc}") from None
        lines = data.split(b"\n")
        if lines and lines[-1]:
            lines.pop()  # an unterminated last line is a write cut short; the next append removes it
        required = _required_keys(self.path.name)
        bad: list[int] = []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except (ValueError, RecursionError):  # invalid JSON or invalid UTF-8
                record = None
            if not isinstance(record, dict) or any(k not in record for k in required):
                bad.append(number)
                continue
            yield record
        if bad:
            more = f" and {len(bad) - 1} more line(s)" if len(bad) > 1 else ""
            warn(self.path, f"{self.path}:{bad[0]}{more}: skipped corrupt record(s) (not a complete JSON record)")

    def append(self, record: BaseModel | dict[str, Any]) -> None:
        data = record.model_dump(mode="json") if isinstance(record, BaseModel) else record
        line = (json.dumps(data, ensure_ascii=False) + "\n").encode("utf-8")
        if self._handle is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._handle = open(self.path, "ab")
            except OSError as exc:
                raise not_writable(self.path, exc) from None
            self._repair()
        fcntl.flock(self._handle, fcntl.LOCK_EX)  # another process appending to the same file waits
        try:
            self._handle.write(line)
            self._handle.flush()
            os.fsync(self._handle.fileno())
        finally:
            fcntl.flock(self._handle, fcntl.LOCK_UN)

    def _repair(self) -> None:
        """Cut a partial last line left by a killed writer (only the last byte is read, usually)."""
        fcntl.flock(self._handle, fcntl.LOCK_EX)
        try:
            size = os.fstat(self._handle.fileno()).st_size
            if not size:
                return
            with open(self.path, "rb") as reader:
                reader.seek(size - 1)
                if reader.read(1) == b"\n":
                    return
                reader.seek(0)
                os.truncate(self._handle.fileno(), reader.read(size).rfind(b"\n") + 1)
        finally:
            fcntl.flock(self._handle, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def write_json_atomic(path: Path, data: Any, keep: tuple[str, ...] = ()) -> bool:
    """Write JSON through a temporary file and a rename, so readers never see half a file.
    ``keep``: top-level keys (a creation time) whose stored value stays when nothing else changed."""
    if keep and isinstance(data, dict):
        try:
            old = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = None
        if isinstance(old, dict) and all(k in old for k in keep):
            data = {**data, **{k: old[k] for k in keep}}
    return write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def write_text_atomic(path: Path, text: str) -> bool:
    """Write ``text`` unless the file already holds exactly it (a finished run stays untouched, and a
    read-only one readable); returns whether it wrote."""
    path = Path(path)
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise not_writable(path, exc) from None
    return True


class KeyedCache:
    """A cross-run cache of JSON values by key in SQLite (WAL): opening costs nothing however large it
    grows, lookups hit an index, and several processes may read and write it at once.

    ``benchmarks/cache_perf.py`` measured it against the JSONL file loaded whole on open that it
    replaced. A JSONL cache of that older format next to ``path`` is imported once.
    """

    def __init__(self, path: Path):
        self.path = Path(path).with_suffix(".sqlite")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")  # durable across a killed process
            self.db.execute("CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        except sqlite3.DatabaseError as exc:
            raise UserError(f"cannot open the cache {self.path}: {exc}",
                            hint="delete the file to start an empty cache (it only saves time)") from None
        legacy = self.path.with_suffix(".jsonl")
        if legacy.is_file():
            self._import(legacy)

    def _import(self, legacy: Path) -> None:
        rows = [(r["key"], json.dumps(r["value"])) for r in JsonlStore(legacy) if "key" in r and "value" in r]
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT OR IGNORE INTO cache VALUES (?, ?)", rows)
        legacy.rename(legacy.with_suffix(".jsonl.imported"))

    def get(self, key: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT value FROM cache WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        try:
            return json.loads(row[0])
        except ValueError:
            return None  # a damaged entry is a miss: the answer is generated again

    def put(self, key: str, value: dict[str, Any]) -> None:
        self.db.execute("INSERT OR REPLACE INTO cache VALUES (?, ?)", (key, json.dumps(value, ensure_ascii=False)))

    def close(self) -> None:
        self.db.close()
