"""Leaderboard section: adapter systems vs RAG on items their training taught and on the rest.

Labels come from ``harness/scoring/taught.py`` (cached under ``<out>/cache/taught/``). A system is
adapter-based when its manifest config names an ``adapter``; rag-family when its manifest entry says
``family: rag`` (or, for records older than variants, ``kind`` or its name is ``rag``/``rag-...``).
"""

from __future__ import annotations

from pathlib import Path

from harness.errors import UserError
from harness.run_records import Comparison
from harness.report.markdown import num, table

MIN_SLICE = 60
KEEP_UNTAUGHT = ("To keep an untaught slice, hold out corpus documents when writing training pairs: reserve the "
                 "gold documents of a share of the test items (say one in four per category) and write no pairs "
                 "from them, so those items can only be answered by retrieval or generalisation.")


def entry(comparison: Comparison, system: str) -> dict:
    return comparison.entry(system)


def is_adapter_system(comparison: Comparison, system: str) -> bool:
    return bool((comparison.entry(system).get("config") or {}).get("adapter"))


def is_rag_family(comparison: Comparison, system: str) -> bool:
    return comparison.family(system) == "rag"


def contests(comparison: Comparison) -> list[tuple[str, str]]:
    """(adapter system, rag-family system) pairs, in the comparison's order."""
    adapters = [s for s in comparison.systems if is_adapter_system(comparison, s)]
    rags = [s for s in comparison.systems if is_rag_family(comparison, s) and s not in adapters]
    return [(a, r) for a in adapters for r in rags]


def default_cache_dir(comparison: Comparison, system: str) -> Path:
    return comparison.runs[system].run_dir.parent.parent / "cache" / "taught"


def labels_for(comparison: Comparison, system: str, cache_dir: Path | None = None):
    """({item id: TaughtLabel}, None) for an adapter system, or (None, why not) when they cannot be made."""
    from harness.scoring.taught import adapter_folder, taught_labels, training_data

    def compute():
        folder = adapter_folder(entry(comparison, system).get("config") or {})
        if folder is None:
            return None, "names no adapter"
        try:
            data = training_data(folder)
        except UserError as exc:
            return None, str(exc)
        if data.mode != "sft":
            return None, f"was trained in {data.mode} mode (raw corpus text), so there are no pairs to label items by"
        return taught_labels(comparison.items, data, cache_dir or default_cache_dir(comparison, system)), None

    return comparison.cached(("taught", system, str(cache_dir)), compute)


def signals(comparison: Comparison):
    """(name, scores(system, item ids) -> {item: value}) for the primary judge, when any, and coverage."""
    from harness.report.automatic import coverage_values
    from harness.report.judge_sections import primary_judge
    from harness.report.judged import ok_judgments, overall
    from harness.scoring.keypoints import SCORER

    found = []
    judge = primary_judge(comparison)
    if judge:
        found.append((f"judge {judge} (1-5)",
                      lambda s, ids: {i: overall(r) for i, r in ok_judgments(comparison, judge, s, set(ids)).items()}))

    def coverage(system, ids):
        return {i: v for i in ids for v in coverage_values(comparison, system, [i])}

    if any(comparison.score(SCORER, s, i.id) for s in comparison.systems for i in comparison.items[:5]):
        found.append(("key-point coverage (0-1)", coverage))
    return found


def slice_test(scores, a: str, b: str, ids: list[str]) -> dict:
    """Paired bootstrap difference a - b with a Wilcoxon p over the items both have a score for."""
    from harness.stats import paired_bootstrap, wilcoxon_signed_rank

    sa, sb = scores(a, ids), scores(b, ids)
    common = [i for i in ids if i in sa and i in sb]
    xa, xb = [sa[i] for i in common], [sb[i] for i in common]
    if len(common) < 2:
        return {"n": len(common), "mean_diff": None, "ci_low": None, "ci_high": None, "p_value": None}
    return {**paired_bootstrap(xa, xb), "p_value": wilcoxon_signed_rank(xa, xb)["p_value"]}


def split(comparison: Comparison, labels) -> tuple[list[str], list[str]]:
    ids = [i.id for i in comparison.items]
    return [i for i in ids if labels[i].taught], [i for i in ids if not labels[i].taught]


def diff_cell(test: dict) -> str:
    if test["mean_diff"] is None:
        return "n/a"
    return f"{test['mean_diff']:+.2f} [{test['ci_low']:+.2f}, {test['ci_high']:+.2f}]"


def taught_section(comparison: Comparison, cache_dir: Path | None = None) -> str:
    """Adapter systems vs rag-family systems on taught and untaught items ("" without such a pair)."""
    pairs = contests(comparison)
    if not pairs:
        return ""
    parts = ["## Taught vs untaught items", "",
             "An item is *taught* to an adapter when one of its training answers covers at least 40% of the item's "
             "key points (the key-point scorer), or one of its training questions is a near-paraphrase (MiniLM "
             "cosine >= 0.75, the contamination guard's threshold). The guard still refuses question-level leaks; "
             "knowledge overlap is allowed and shown here."]
    summary, rows, notes, small = [], [], [], set()
    for adapter in dict.fromkeys(a for a, _ in pairs):
        labels, why = labels_for(comparison, adapter, cache_dir)
        if labels is None:
            notes.append(f"`{adapter}` {why}: no taught/untaught split for it.")
            continue
        taught, untaught = split(comparison, labels)
        by_paraphrase = sum(labels[i].reason == "paraphrase" for i in taught)
        examples = sorted(taught, key=lambda i: -labels[i].coverage)[:4]
        summary.append((adapter, len(comparison.items), len(taught), len(untaught), by_paraphrase,
                        ", ".join(f"{i} ← {labels[i].nearest[0]} ({labels[i].nearest[1]:.2f})" for i in examples)))
        for name, slice_ids in (("taught", taught), ("untaught", untaught)):
            if len(slice_ids) < MIN_SLICE:
                small.add(f"{adapter} {name} ({len(slice_ids)} items)")
        for rag in (r for a, r in pairs if a == adapter):
            for signal, scores in signals(comparison):
                for name, slice_ids in (("taught", taught), ("untaught", untaught)):
                    test = slice_test(scores, adapter, rag, slice_ids)
                    rows.append((f"{adapter} vs {rag}", name, signal, test["n"], diff_cell(test),
                                 num(test["p_value"], 3)))
    if summary:
        parts += ["", table(["adapter", "items", "taught", "untaught", "taught by paraphrase",
                             "most taught (item ← training pair, coverage)"], summary, "lrrrrl")]
    if rows:
        parts += ["", table(["pair (A vs B)", "slice", "signal", "n", "A - B [95% CI]", "Wilcoxon p"], rows, "lllrrr"),
                  "", "Differences are paired per item; the interval is a paired bootstrap over the slice's items."]
    if small:
        parts += ["", f"**Warning:** fewer than {MIN_SLICE} items in {', '.join(sorted(small))}: too few to "
                      f"detect a modest difference. {KEEP_UNTAUGHT}"]
    parts += [f"\n{note}" for note in notes]
    return "\n".join(parts)


def taught_verdict_line(comparison: Comparison, contender: str = "sft", against: str = "rag",
                        cache_dir: Path | None = None) -> str:
    """One sentence with ``contender - against`` on taught and on untaught items ("" when not applicable)."""
    if contender not in comparison.systems or against not in comparison.systems \
            or not is_adapter_system(comparison, contender):
        return ""
    labels, why = labels_for(comparison, contender, cache_dir)
    if labels is None:
        return f"Taught/untaught split for {contender.upper()}: not available ({contender} {why})."
    found = signals(comparison)
    if not found:
        return ""
    signal, scores = found[0]
    taught, untaught = split(comparison, labels)
    parts = []
    for name, ids in (("taught", taught), ("untaught", untaught)):
        test = slice_test(scores, contender, against, ids)
        if test["mean_diff"] is None:
            parts.append(f"on {name} items n = {test['n']}, too few to compare")
            continue
        p = test["p_value"]
        p_text = f"p = {p:.3f}" if p >= 0.001 else "p < 0.001"
        warn = f", under {MIN_SLICE} items" if test["n"] < MIN_SLICE else ""
        parts.append(f"on {name} items {test['mean_diff']:+.2f} (95% CI {test['ci_low']:+.2f} to "
                     f"{test['ci_high']:+.2f}, {p_text}, n = {test['n']}{warn})")
    return f"{contender.upper()} - {against.upper()} ({signal}): " + "; ".join(parts) + "."
