"""Stable hashes of JSON-able values and of files, used for fingerprints and cache keys."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any


def stable_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def hash_value(value: Any, length: int = 16) -> str:
    return hashlib.sha256(stable_json(value).encode()).hexdigest()[:length]


def hash_text(text: str, length: int = 16) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def hash_file(path: Path, length: int = 16) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:length]


def hash_weights_dir(path: Path, length: int = 16) -> str:
    """Cheap identity of a folder of weights: names, sizes, and the first and last MiB of each file.

    Full hashes of multi-GB checkpoints would cost minutes on every run; this catches any
    re-save, re-quantisation or swap of files while reading at most 2 MiB per file.
    """
    digest = hashlib.sha256()
    for file in sorted(p for p in Path(path).rglob("*") if p.is_file()):
        size = file.stat().st_size
        digest.update(f"{file.relative_to(path)}:{size}".encode())
        with open(file, "rb") as handle:
            digest.update(handle.read(1 << 20))
            if size > 2 << 20:
                handle.seek(-(1 << 20), 2)
                digest.update(handle.read())
    return digest.hexdigest()[:length]
