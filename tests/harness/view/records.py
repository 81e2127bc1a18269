"""Run records written directly with the record classes: two runs of three systems, no model needed.

The systems' names, the run ids and the model name are distinctive strings, so a test can assert that
none of them reaches a blinded page. One answer and one question carry script, HTML and markdown
injection payloads.
"""

from __future__ import annotations

import json
from pathlib import Path

from harness.hashing import hash_text
from harness.records import Answer, BenchmarkEntry, Judgment, PairwiseGame, RetrievedDoc, RunManifest, Score, SystemEntry
from harness.rubric import load_rubric
from harness.scoring.keypoints import SCORER, SCORER_VERSION

RUBRIC = load_rubric("cultural_nuance")
SYSTEMS = ["zetarag", "omegasft", "kappabase"]
MODEL = "mdl-quokka-7"
JUDGE = "judge-heron"
RUNS = ["run-ancient-0001", "run-recent-0002"]
XSS = ('<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">'
       '[click me](javascript:window.__xss=3) ![pic](javascript:window.__xss=4) {{ 7 * 7 }} <b>bold?</b>')
XSS_ITEM = "q-xss"
CORPUS_DOC = """---
id: fest-onam
title: Onam in Kerala
---
Onam is the harvest festival of Kerala. It honours the legendary King Mahabali, whose return is welcomed
with pookalam flower carpets, the Onasadya feast served on a banana leaf, and snake-boat races.
"""


ONAM = {  # one realistic item, so the screenshots in docs/img read like a real run
    "question": "My Malayali colleague invited me to her family's Onam sadya. What is Onam, and how should I "
                "behave at the meal?",
    "reference_answer": "Onam is the harvest festival of Kerala, held in the month of Chingam (August-September). "
                        "It welcomes the legendary King Mahabali back to his people. The sadya is a vegetarian "
                        "feast served on a banana leaf; eat with your right hand, try a little of everything, and "
                        "folding the leaf towards you at the end says you enjoyed the meal.",
    "key_points": ["Onam is the harvest festival of Kerala", "It welcomes back King Mahabali",
                   "The sadya is a vegetarian feast on a banana leaf", "Eat with the right hand"],
    "pitfalls": ["Calling Onam a pan-Indian festival"],
}
ONAM_ANSWERS = {
    "zetarag": "Onam is Kerala's harvest festival, celebrated in Chingam (August-September) to welcome King "
               "Mahabali home [1]. The sadya is a vegetarian feast served on a banana leaf: wash your hands, eat "
               "with your right hand, and try a little of every dish; payasam comes near the end [1]. Folding the "
               "leaf towards you when you finish tells your hosts you enjoyed the meal.",
    "omegasft": "Onam is the biggest festival of Kerala, marking the harvest and the return of King Mahabali. At "
                "the sadya, follow your hosts: eat with your right hand from the banana leaf and accept second "
                "helpings politely. Wearing something simple and traditional, like a kasavu sari or mundu, is "
                "appreciated.",
    "kappabase": "Onam is an Indian festival celebrated all over India with lights and sweets. Bring a box of "
                 "chocolates and dress formally.",
}


def items() -> list[dict]:
    cats = [("festivals", "south"), ("festivals", "north"), ("religion", "north"), ("etiquette", "south"),
            ("religion", "east"), ("etiquette", "west"), ("festivals", "northeast"), ("food", "south"),
            ("food", "west"), ("religion", "south")]
    found = []
    for n, (category, region) in enumerate(cats):
        found.append({"id": f"q{n:02d}", "question": f"Question {n} about {category} in the {region}?",
                      "reference_answer": f"Reference answer {n}.", "key_points": [f"key point {n}a", f"key point {n}b"],
                      "pitfalls": [f"pitfall {n}"], "category": category, "region": region,
                      "split": "dev" if n % 3 else "test", "taught": n % 2 == 0})
    found[0].update(ONAM)
    found.append({"id": XSS_ITEM, "question": "Injected? " + XSS, "reference_answer": XSS, "key_points": [XSS],
                  "pitfalls": [], "category": "security", "region": "nowhere", "split": "dev", "taught": False})
    return found


def answer_text(system: str, item_id: str, run: int) -> str:
    if item_id == XSS_ITEM:
        return XSS + " " + "~" * (SYSTEMS.index(system) + 1)  # distinct answers, so distinct hashes
    if item_id == "q00":
        return "Onam is a festival of Kerala. Eat with your hands." if (system, run) == ("omegasft", 0) \
            else ONAM_ANSWERS[system]
    if system == "zetarag":
        return f"Answer of the retriever to {item_id}: Onam is Kerala's harvest festival [1], see also [2]."
    return f"Answer {run} of {system.upper()} to {item_id}."


def score_of(system: str, item_index: int, run: int) -> tuple[float, float]:
    """(judge overall per criterion, coverage): the retriever leads; the newer run improves the trained system."""
    base = {"zetarag": 4.0, "omegasft": 2.0 + run, "kappabase": 2.0}[system]
    coverage = {"zetarag": 0.8, "omegasft": 0.3 + 0.2 * run, "kappabase": 0.2}[system]
    if item_index == 3 and system == "kappabase":
        coverage = 0.95  # the judge says 2 of 5, coverage says 0.95: they disagree
    return base, coverage


def write_run(out: Path, run_index: int, corpus: Path) -> Path:
    run_id = RUNS[run_index]
    folder = out / "runs" / run_id
    folder.mkdir(parents=True)
    benchmark_items = items()
    configs = {"zetarag": {"corpus": str(corpus), "chunk_size": 1000, "chunk_overlap": 150, "k": 2},
               "omegasft": {"adapter": f"adapters/omegasft-iter{run_index}"}, "kappabase": {}}
    manifest = RunManifest(
        run_id=run_id, created_at=f"2025-0{run_index + 1}-01T00:00:00+00:00", command=["test"], git_sha="abc",
        package_versions={}, backend="hf", model=MODEL, seed=0, rubric=RUBRIC.name, generation={"max_new_tokens": 8},
        systems={s: SystemEntry(fingerprint=f"fp-{s}-{run_index}", config=configs[s]) for s in SYSTEMS},
        benchmark=BenchmarkEntry(name="tiny", version="1", path="tiny.jsonl", split=None,
                                 n_items=len(benchmark_items), content_hash="c0"))
    (folder / "manifest.json").write_text(manifest.model_dump_json(indent=2))
    (folder / "items.json").write_text(json.dumps(benchmark_items))
    lines = {"generations.jsonl": [], "scores.jsonl": [], "judgments.jsonl": [], "pairwise.jsonl": []}
    hashes = {}
    for n, item in enumerate(benchmark_items):
        for system in SYSTEMS:
            text = answer_text(system, item["id"], run_index)
            digest = hash_text(text)
            hashes[(system, item["id"])] = digest
            retrieved = [RetrievedDoc(doc_id="fest-onam", chunk_id="fest-onam#0", score=0.91),
                         RetrievedDoc(doc_id="missing-doc", chunk_id="missing-doc#3", score=0.5)] \
                if system == "zetarag" else []
            lines["generations.jsonl"].append(Answer(
                run_id=run_id, item_id=item["id"], system=system, system_fingerprint=f"fp-{system}-{run_index}",
                cache_key=f"k-{system}-{item['id']}-{run_index}", text=text, answer_hash=digest, backend="hf",
                model=MODEL, completion_tokens=20, latency_s=0.5, retrieved=retrieved))
            judge_score, coverage = score_of(system, n, run_index)
            lines["scores.jsonl"].append(Score(run_id=run_id, item_id=item["id"], system=system, scorer=SCORER,
                                               scorer_version=SCORER_VERSION, answer_hash=digest, value=coverage))
            rationale = XSS if item["id"] == XSS_ITEM else f"Rationale for {item['id']}: solid on accuracy."
            lines["judgments.jsonl"].append(Judgment(
                key=f"j-{system}-{item['id']}-{run_index}", run_id=run_id, item_id=item["id"], judge=JUDGE,
                judge_fingerprint="jf", rubric=RUBRIC.name, rubric_version=RUBRIC.version, status="ok", raw=rationale,
                system=system, answer_hash=digest, answer_chars=len(text),
                scores={c: judge_score for c in RUBRIC.criterion_ids}))
        for first, second in (("zetarag", "omegasft"), ("omegasft", "zetarag")):
            lines["pairwise.jsonl"].append(PairwiseGame(
                key=f"g-{first}-{item['id']}-{run_index}", run_id=run_id, item_id=item["id"], judge=JUDGE,
                judge_fingerprint="jf", rubric=RUBRIC.name, rubric_version=RUBRIC.version, status="ok",
                first_system=first, second_system=second, first_hash=hashes[(first, item["id"])],
                second_hash=hashes[(second, item["id"])], first_chars=10, second_chars=10,
                verdict="first" if first == "zetarag" else "second"))
    for name, records in lines.items():
        (folder / name).write_text("".join(r.model_dump_json() + "\n" for r in records))
    return folder


def build_results(root: Path) -> Path:
    """``root/results`` with two runs of the same benchmark and ``root/corpus`` for the retriever."""
    corpus = root / "corpus"
    (corpus / "festivals").mkdir(parents=True)
    (corpus / "festivals" / "onam.md").write_text(CORPUS_DOC)
    out = root / "results"
    write_run(out, 0, corpus)
    write_run(out, 1, corpus)
    return out
