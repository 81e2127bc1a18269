"""Reading user files with errors that name the file and line: text, JSONL rows, CSV rows and YAML
mappings; and the staging-folder swap that puts a fully written folder in place."""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from harness.errors import UserError


def read_text(path: str | Path, what: str = "file") -> str:
    """A UTF-8 text file (a leading BOM dropped); unreadable or non-UTF-8 is a UserError at file:line."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"{what} {path} does not exist")
    if not path.is_file():
        raise UserError(f"{what} {path} is not a file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read {what}: {exc.strerror or exc}", where=str(path)) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - data.rfind(b"\n", 0, exc.start)
        raise UserError(f"not UTF-8 text (byte 0x{data[exc.start]:02x} at column {column})",
                        where=f"{path}:{line}", hint="save the file as UTF-8") from None


def iter_jsonl(path: str | Path, what: str = "file") -> Iterator[tuple[int, str, dict[str, Any]]]:
    """(line number, 'file:line', object) for each non-blank line; bad JSON is a UserError there."""
    path = Path(path)
    for number, line in enumerate(read_text(path, what).split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UserError(f"invalid JSON: {exc.msg} (column {exc.colno})", where=where) from None
        except RecursionError:
            raise UserError("invalid JSON: nested too deeply", where=where) from None
        if not isinstance(row, dict):
            raise UserError("each line must be a JSON object", where=where)
        yield number, where, row


def read_csv(path: str | Path, what: str = "file") -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """(header, [(line number, row)]) of a UTF-8 CSV; a BOM is dropped, malformed rows name the line."""
    path = Path(path)
    reader = csv.DictReader(io.StringIO(read_text(path, what), newline=""))
    rows = []
    try:
        header = [name.strip() for name in reader.fieldnames or []]
        reader.fieldnames = header
        for row in reader:
            if None in row:
                raise UserError(f"{len(row[None])} more cells than the header has columns",
                                where=f"{path}:{reader.line_num}")
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise UserError(f"malformed CSV: {exc}", where=f"{path}:{reader.line_num}") from None
    return header, rows


def load_yaml_mapping(path: str | Path, what: str = "config file") -> dict[str, Any]:
    """A YAML file that must hold a mapping; syntax errors name the line."""
    import yaml

    text = read_text(path, what)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise UserError(f"invalid YAML: {getattr(exc, 'problem', None) or exc}",
                        where=f"{path}:{mark.line + 1}" if mark else str(path)) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UserError(f"the {what} must be a mapping of keys to values, not a {type(data).__name__}",
                        where=f"{path}:1")
    return {str(key): value for key, value in data.items()}


def key_line(path: str | Path, key: str) -> str:
    """'file:line' of a top-level ``key:`` in a YAML file (just 'file' when it is not found)."""
    import re

    try:
        lines = Path(path).read_text(encoding="utf-8-sig").split("\n")
    except (OSError, UnicodeDecodeError):
        return str(path)
    pattern = re.compile(rf"^['\"]?{re.escape(key)}['\"]?\s*:")
    return next((f"{path}:{n}" for n, line in enumerate(lines, start=1) if pattern.match(line)), str(path))


def replace_dir(staging: Path, target: Path) -> None:
    """Move a fully written staging folder into place, replacing any older target."""
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)


@contextmanager
def staging_dir(target: Path, prefix: str = ".staging-") -> Iterator[Path]:
    """Yield an empty sibling folder of ``target``; on success it replaces ``target``, on any error it
    is removed, so an interrupted write never leaves a half-written ``target``."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=prefix, dir=target.parent))
    try:
        yield staging
        replace_dir(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
