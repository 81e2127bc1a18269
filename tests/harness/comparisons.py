"""Build a ``Comparison`` in memory from scripted answers, scores and judgments, for report-section tests."""

from __future__ import annotations

from pathlib import Path

from harness.hashing import hash_text
from harness.records import Item
from harness.run_records import Comparison, RunRecords
from harness.scoring.keypoints import SCORER


def make_comparison(out: Path, items: list[Item], systems: dict[str, dict], judge: str | None = None,
                    name: str = "bench") -> Comparison:
    """``systems``: {name: {"entry": manifest entry extras, "answers": {item: text}, "coverage": {item: value},
    "judge": {item: score 1-5}, "retrieved": {item: [{"doc_id", "chunk_id"}]}}}; one run folder per call."""
    run_dir = Path(out) / "runs" / f"run-{name}"
    run_dir.mkdir(parents=True, exist_ok=True)
    manifest = {"run_id": run_dir.name, "benchmark": {"name": name, "version": "1", "split": None},
                "systems": {s: {"fingerprint": s, "config": {}, **spec.get("entry", {})}
                            for s, spec in systems.items()},
                "model": "m", "backend": "b"}
    answers, scores, hashes, judgments = {}, {}, {}, {}
    for system, spec in systems.items():
        for item in items:
            text = spec.get("answers", {}).get(item.id, f"{system} answer to {item.id}")
            digest = hash_text(text)
            answers[(system, item.id)] = {"system": system, "item_id": item.id, "text": text, "status": "ok",
                                          "answer_hash": digest,
                                          "retrieved": spec.get("retrieved", {}).get(item.id, [])}
            hashes[(system, item.id)] = digest
            if item.id in spec.get("coverage", {}):
                scores[(SCORER, system, item.id)] = {"status": "ok", "value": spec["coverage"][item.id],
                                                     "details": {}}
            if judge and item.id in spec.get("judge", {}):
                judgments[(judge, item.id, digest)] = {"status": "ok", "scores": {"accuracy": spec["judge"][item.id]},
                                                       "answer_chars": len(text)}
    records = RunRecords(run_dir, manifest, {i.id: i for i in items}, answers, scores, hashes)
    comparison = Comparison(benchmark=manifest["benchmark"], systems=list(systems),
                            runs={s: records for s in systems}, items=list(items),
                            all_item_ids={i.id for i in items}, judgments=judgments)
    return comparison
