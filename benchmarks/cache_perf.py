"""Cross-run generation cache: JSONL loaded whole on open (the old format) against SQLite in WAL mode
(``harness.store.KeyedCache``), at a realistic size. Prints ratios, not a timed test.

    python -m benchmarks.cache_perf [--n 50000] [--lookups 10000] [--appends 500]

Each format is measured in a fresh subprocess: open (time until the first lookup can be
answered), lookup (random hits), append (one durable record each, as the runner writes them) and
resident memory added by opening the cache.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def value(i: int) -> dict:
    """A cached completion as the runner stores it (~900 bytes of JSON)."""
    text = " ".join(random.Random(i).choice(["Onam", "Kerala", "harvest", "festival", "Mahabali", "rangoli",
                                               "elders", "namaste", "the", "is", "and"]) for _ in range(110))
    return {"text": text, "error": None, "prompt_tokens": 180 + i % 50, "completion_tokens": 110,
            "latency_s": 1.234, "model": "SmolLM2-135M-Instruct", "finish_reason": "stop"}


def key(i: int) -> str:
    import hashlib

    return hashlib.sha256(str(i).encode()).hexdigest()


def rss_kib() -> int:
    with open("/proc/self/statm") as handle:
        import os

        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


class JsonlCache:
    """The format measured against: every record read into a dict on open, appends to the JSONL."""

    def __init__(self, path: Path):
        from harness.store import JsonlStore

        self.store = JsonlStore(path)
        self.entries = {r["key"]: r["value"] for r in self.store}

    def get(self, k):
        return self.entries.get(k)

    def put(self, k, v):
        self.entries[k] = v
        self.store.append({"key": k, "value": v})

    def close(self):
        self.store.close()


def build(folder: Path, n: int) -> None:
    import sqlite3

    for kind in ("jsonl", "sqlite"):  # apart, so KeyedCache does not import the JSONL file
        (folder / kind).mkdir()
    with open(folder / "jsonl" / "cache.jsonl", "w") as handle:
        for i in range(n):
            handle.write(json.dumps({"key": key(i), "value": value(i)}) + "\n")
    db = sqlite3.connect(folder / "sqlite" / "cache.sqlite")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.executemany("INSERT INTO cache VALUES (?, ?)", ((key(i), json.dumps(value(i))) for i in range(n)))
    db.commit()
    db.close()


def measure(kind: str, folder: Path, n: int, lookups: int, appends: int) -> dict:
    from harness.store import KeyedCache

    before = rss_kib()
    started = time.perf_counter()
    cache = JsonlCache(folder / kind / "cache.jsonl") if kind == "jsonl" else KeyedCache(folder / kind / "cache.sqlite")
    cache.get(key(0))
    opened = time.perf_counter() - started
    memory = rss_kib() - before
    wanted = [key(random.Random(7).randrange(n)) for _ in range(lookups)]
    started = time.perf_counter()
    hits = sum(cache.get(k) is not None for k in wanted)
    lookup = (time.perf_counter() - started) / lookups
    assert hits == lookups
    started = time.perf_counter()
    for i in range(n, n + appends):
        cache.put(key(i), value(i))
    append = (time.perf_counter() - started) / appends
    cache.close()
    return {"open_s": opened, "lookup_s": lookup, "append_s": append, "memory_kib": memory}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--lookups", type=int, default=10_000)
    parser.add_argument("--appends", type=int, default=500)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, folder = args.child
        print(json.dumps(measure(kind, Path(folder), args.n, args.lookups, args.appends)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        build(folder, args.n)
        size = {k: (folder / k / f"cache.{k}").stat().st_size / 2**20 for k in ("jsonl", "sqlite")}
        results = {}
        for kind in ("jsonl", "sqlite"):
            output = subprocess.run([sys.executable, "-m", "benchmarks.cache_perf", "--n", str(args.n), "--lookups",
                                     str(args.lookups), "--appends", str(args.appends), "--child", kind, tmp],
                                    capture_output=True, text=True, check=True).stdout
            results[kind] = json.loads(output.strip().splitlines()[-1])
    j, s = results["jsonl"], results["sqlite"]
    print(f"{args.n} cached answers: JSONL {size['jsonl']:.1f} MiB, SQLite {size['sqlite']:.1f} MiB")
    print(f"{'':>10} {'JSONL':>12} {'SQLite':>12} {'JSONL/SQLite':>13}")
    rows = [("open", "open_s", 1e3, "ms"), ("lookup", "lookup_s", 1e6, "us"), ("append", "append_s", 1e3, "ms"),
            ("memory", "memory_kib", 1 / 1024, "MiB")]
    for label, field, scale, unit in rows:
        ratio = j[field] / s[field] if s[field] else float("inf")
        print(f"{label:>10} {j[field] * scale:>9.2f} {unit:<3}{s[field] * scale:>9.2f} {unit:<3}{ratio:>12.1f}x")


if __name__ == "__main__":
    main()
