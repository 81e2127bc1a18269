"""Append-only JSONL files, flushed per record and safe against ``kill -9``.

A process killed mid-write can leave a partial last line; opening the file cuts it off, so a
rerun appends after the last complete record and nothing is duplicated or lost.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterator

from pydantic import BaseModel



class JsonlStore:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._repair()
        self._handle = None

    def _repair(self) -> None:
        if not self.path.exists() or self.path.stat().st_size == 0:
            return
        with open(self.path, "r+b") as handle:
            handle.seek(-1, os.SEEK_END)
            if handle.read(1) == b"\n":  # the usual case: only the last byte is read
                return
            handle.seek(0)
            handle.truncate(handle.read().rfind(b"\n") + 1)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)

    def append(self, record: BaseModel | dict[str, Any]) -> None:
        if self._handle is None:
            self._handle = open(self.path, "a", encoding="utf-8")
        data = record.model_dump(mode="json") if isinstance(record, BaseModel) else record
        self._handle.write(json.dumps(data, ensure_ascii=False) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON through a temporary file and a rename, so readers never see half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def write_text_atomic(path: Path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class KeyedCache:
    """A JSONL file of {"key": ..., "value": {...}} records, loaded into memory on open."""

    def __init__(self, path: Path):
        self.store = JsonlStore(path)
        self.entries: dict[str, dict[str, Any]] = {r["key"]: r["value"] for r in self.store}

    def get(self, key: str) -> dict[str, Any] | None:
        return self.entries.get(key)

    def put(self, key: str, value: dict[str, Any]) -> None:
        self.entries[key] = value
        self.store.append({"key": key, "value": value})

    def close(self) -> None:
        self.store.close()
