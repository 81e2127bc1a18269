"""Reading user files with errors that name the file and line: JSONL rows and YAML mappings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from harness.errors import UserError


def iter_jsonl(path: str | Path, what: str = "file") -> Iterator[tuple[int, str, dict[str, Any]]]:
    """(line number, 'file:line', object) for each non-blank line; bad JSON is a UserError there."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{what} {path} does not exist")
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise UserError(f"invalid JSON: {exc.msg} (column {exc.colno})", where=where) from None
            if not isinstance(row, dict):
                raise UserError("each line must be a JSON object", where=where)
            yield number, where, row


def load_yaml_mapping(path: str | Path) -> dict[str, Any]:
    """A YAML file that must hold a mapping; syntax errors name the line."""
    import yaml

    file = Path(path)
    if not file.is_file():
        raise UserError(f"config file {path} does not exist")
    try:
        data = yaml.safe_load(file.read_text()) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise UserError(f"invalid YAML: {getattr(exc, 'problem', exc)}",
                        where=f"{path}:{mark.line + 1}" if mark else str(path)) from None
    if not isinstance(data, dict):
        raise UserError(f"{path}: the config must be a mapping of keys to values")
    return data


def replace_dir(staging: Path, target: Path) -> None:
    """Move a fully written staging folder into place, replacing any older target."""
    import shutil

    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
