"""Cost, latency and training facts per system, and the contamination status of trained adapters."""

from __future__ import annotations

import json
from pathlib import Path

from harness.run_records import Comparison
from harness.report.markdown import num, table


def adapter_folder(comparison: Comparison, system: str) -> Path | None:
    adapter = comparison.manifest(system)["systems"][system]["config"].get("adapter")
    return Path(adapter) if adapter else None


def read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return {}


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def cost_section(comparison: Comparison) -> str:
    rows = []
    for system in comparison.systems:
        answers = [comparison.answer(system, i.id) for i in comparison.items]
        folder = adapter_folder(comparison, system)
        summary = read_json(folder / "summary.json") if folder else {}
        rows.append((system, num(mean([a["completion_tokens"] for a in answers if a.get("completion_tokens")]), 0),
                     num(mean([a["prompt_tokens"] for a in answers if a.get("prompt_tokens")]), 0),
                     num(mean([a["context_tokens"] for a in answers if a.get("context_tokens")]), 0),
                     num(mean([a["latency_s"] for a in answers if a.get("latency_s") is not None])),
                     num(summary.get("wall_seconds"), 0) if summary else "-",
                     num(summary.get("tokens_per_second"), 0) if summary else "-"))
    return "## Cost and latency\n\n" + table(
        ["system", "answer tokens", "prompt tokens", "context tokens", "seconds / answer", "training s",
         "training tokens/s"], rows)


def trained_section(comparison: Comparison) -> str | None:
    rows = []
    for system in comparison.systems:
        folder = adapter_folder(comparison, system)
        if folder is None:
            continue
        summary, report = read_json(folder / "summary.json"), read_json(folder / "contamination.json")
        if not report:
            status = "unknown (no contamination report)"
        elif report.get("clean"):
            status = f"clean ({report.get('n_pairs', 'raw text')} pairs checked)" if report.get("n_pairs") else "clean"
        else:
            status = f"CONTAMINATED: {report['n_hits']} hits, trained with --allow-contamination"
        rows.append((system, str(folder.name), summary.get("mode", "?") + (" (RAFT)" if summary.get("raft") else ""),
                     summary.get("model", "?"), summary.get("steps", "?"), summary.get("train_tokens", "?"),
                     num(summary.get("best_eval_loss"), 3) if summary.get("best_eval_loss") else "n/a", status))
    if not rows:
        return None
    return "## Trained systems\n\n" + table(
        ["system", "adapter", "mode", "base model", "steps", "training tokens", "best val loss", "contamination"],
        rows, "llllrrrl")
