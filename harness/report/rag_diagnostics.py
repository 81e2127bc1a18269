"""RAG diagnostics for the leaderboard: faithfulness, context recall next to gold-doc recall@k, and RAG's
key-point misses split into "retrieval missed" and "generation missed" per category.

Computed for every system whose answers recorded retrieved chunk ids, with passage text from
``harness.scoring.faithfulness.load_passages`` (the corpus re-chunked as the index was built).
"""

from __future__ import annotations

from collections import defaultdict

from harness.run_records import Comparison
from harness.report.markdown import ci, num, table


def retrieving_systems(comparison: Comparison) -> list[str]:
    return [s for s in comparison.systems
            if any(r.get("chunk_id") for i in comparison.items
                   for r in comparison.answer(s, i.id).get("retrieved") or [])]


def diagnostics(comparison: Comparison, system: str, loader=None) -> dict:
    """{item id: {"faithfulness", "misses", "n_passages"}} for one retrieving system, computed once."""
    return comparison.cached(("rag_diagnostics", system), lambda: _diagnostics(comparison, system, loader))


def _diagnostics(comparison: Comparison, system: str, loader) -> dict:
    from harness.scoring.faithfulness import faithfulness, key_point_misses, load_passages
    from harness.scoring.keypoints import SCORER, score_answers

    loader = loader or load_passages
    config = comparison.manifest(system)["systems"][system].get("config") or {}
    items, texts, passages = [], [], []
    for item in comparison.items:
        answer = comparison.answer(system, item.id)
        ids = [r["chunk_id"] for r in answer.get("retrieved") or [] if r.get("chunk_id")]
        if not ids:
            continue
        found = loader(ids, config)
        items.append(item)
        texts.append(answer["text"])
        passages.append([found[c] for c in ids if c in found])
    faith = faithfulness(texts, passages)
    with_points = [k for k, item in enumerate(items) if item.key_points]
    covered = []
    missing = [k for k in with_points if not _stored_covered(comparison, SCORER, system, items[k])]
    rescored = dict(zip(missing, score_answers([items[k] for k in missing], [texts[k] for k in missing])))
    for k in with_points:
        stored = _stored_covered(comparison, SCORER, system, items[k])
        covered.append(stored if stored is not None else rescored[k].covered)
    misses = key_point_misses([items[k] for k in with_points], [passages[k] for k in with_points], covered)
    by_item = {item.id: {"faithfulness": f.value, "supported": f.supported, "sentences": f.sentences, "misses": None,
                         "n_passages": len(p)}
               for item, f, p in zip(items, faith, passages)}
    for k, miss in zip(with_points, misses):
        by_item[items[k].id]["misses"] = miss
    return by_item


def _stored_covered(comparison: Comparison, scorer: str, system: str, item) -> list[bool] | None:
    score = comparison.score(scorer, system, item.id)
    covered = (score or {}).get("details", {}).get("covered") if score and score["status"] == "ok" else None
    return covered if covered is not None and len(covered) == len(item.key_points) else None


def context_recall_mean(comparison: Comparison, system: str, loader=None) -> float | None:
    """Mean share of key points present in the retrieved passages, over items with key points."""
    values = [d["misses"].context_recall for d in diagnostics(comparison, system, loader).values()
              if d["misses"] is not None and d["misses"].context_recall is not None]
    return sum(values) / len(values) if values else None


def context_recall_cell(comparison: Comparison, system: str) -> str:
    """The retrieval table's column; "n/a" when the passages cannot be read back (corpus gone or changed)."""
    from harness.errors import UserError

    try:
        return num(context_recall_mean(comparison, system))
    except UserError:
        return "n/a"


def rag_diagnostics_section(comparison: Comparison, loader=None, out_dir=None) -> str:
    """Faithfulness and context recall per retrieving system, then the miss split per category ("" without one)."""
    from harness.report.retrieval import item_metrics
    from harness.stats import bootstrap_mean_ci

    systems = retrieving_systems(comparison)
    if not systems:
        return ""
    judge = support_judge(comparison)
    overview, split_rows = [], []
    for system in systems:
        found = diagnostics(comparison, system, loader)
        judged = judge_faithfulness(comparison, judge, system) if judge else []
        faith = [d["faithfulness"] for d in found.values() if d["faithfulness"] is not None]
        recall = [d["misses"].context_recall for d in found.values() if d["misses"] and d["misses"].context_recall
                  is not None]
        gold = []
        for item in comparison.items:
            docs = [r["doc_id"] for r in comparison.answer(system, item.id).get("retrieved") or []]
            if item.gold_docs and docs:
                gold.append(item_metrics(item.gold_docs, docs)[0])
        overview.append((system, len(found), ci(*bootstrap_mean_ci(faith)) if faith else "n/a")
                        + ((ci(*bootstrap_mean_ci(judged)) if judged else "n/a",) if judge else ())
                        + (ci(*bootstrap_mean_ci(recall)) if recall else "n/a",
                           num(sum(gold) / len(gold)) if gold else "n/a"))
        groups: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        for item in comparison.items:
            miss = found.get(item.id, {}).get("misses")
            if miss is None:
                continue
            for key in (item.category or "-", "all"):
                row = groups[key]
                row[0] += len(miss.in_answer)
                row[1] += sum(miss.in_answer)
                row[2] += miss.retrieval_missed
                row[3] += miss.generation_missed
        for category in sorted(k for k in groups if k != "all") + (["all"] if "all" in groups else []):
            total, hit, retrieval, generation = groups[category]
            missed = retrieval + generation
            split_rows.append((system, f"**{category}**" if category == "all" else category, total, hit, missed,
                               f"{retrieval} ({retrieval / missed:.0%})" if missed else "0",
                               f"{generation} ({generation / missed:.0%})" if missed else "0"))
    headers = ["system", "items", "faithfulness [95% CI]"] + ([f"judge faithfulness ({judge}) [95% CI]"] if judge
                                                               else [])
    parts = ["## RAG diagnostics", "",
             table(headers + ["context recall [95% CI]", "gold-doc recall@k"], overview), "",
             "Faithfulness is the share of answer sentences supported by the answer's own retrieved passages "
             "(MiniLM similarity or word overlap). Context recall is the share of an item's key points present in "
             "the retrieved passages (the key-point scorer run on the passages); gold-doc recall@k asks only whether "
             "the cited documents came back."]
    if judge:
        parts += ["", judge_faithfulness_note(comparison, judge, systems, loader, out_dir)]
    else:
        parts += ["", "No judge checked faithfulness: a strong judge does by itself (`--judge openai:...` or "
                      "`hf:...`); the weak embedded one only with `--judge-faithfulness on`."]
    if split_rows:
        parts += ["", "Key points the answer missed, by where they were lost:", "",
                  table(["system", "category", "key points", "in answer", "missed", "retrieval missed",
                         "generation missed"], split_rows, "llrrrrr"), "",
                  "*Retrieval missed*: the key point was not in the retrieved passages. *Generation missed*: the "
                  "passages held it, the answer did not. Both are automatic (embedding + word match) estimates."]
    return "\n".join(parts)


def support_judge(comparison: Comparison) -> str | None:
    """The judge whose faithfulness checks the section shows: the verdict's judge when it made any, else the first."""
    from harness.report.judge_sections import primary_judge

    judges = comparison.support_judges()
    if not judges:
        return None
    primary = primary_judge(comparison)
    return primary if primary in judges else judges[0]


def judge_faithfulness(comparison: Comparison, judge: str, system: str) -> list[float]:
    """Per item with a parsed check: the share of the answer's sentences the judge found supported."""
    values = []
    for item in comparison.items:
        record = comparison.support(judge, system, item.id)
        if record and record["status"] == "ok" and record.get("value") is not None:
            values.append(record["value"])
    return values


def judge_faithfulness_note(comparison: Comparison, judge: str, systems: list[str], loader=None, out_dir=None) -> str:
    """Who checked, how many failed to parse, how the judge did on the check's controlled sentences, and how
    often judge and embedding estimate agree per sentence."""
    agree = judge_yes = embed_yes = total = unparsed = checked = 0
    fingerprint = None
    for system in systems:
        found = diagnostics(comparison, system, loader)
        for item in comparison.items:
            record = comparison.support(judge, system, item.id)
            if record is None:
                continue
            checked += 1
            fingerprint = fingerprint or record.get("judge_fingerprint")
            if record["status"] != "ok":
                unparsed += 1
                continue
            mine = found.get(item.id) or {}
            if mine.get("sentences") != record["sentences"]:
                continue  # split differently (an older scorer): not comparable sentence by sentence
            for a, b in zip(record["supported"], mine["supported"]):
                total += 1
                agree += a == b
                judge_yes += a
                embed_yes += b
    text = (f"*Judge faithfulness*: `{judge}` read each answer's passages and marked every sentence supported or "
            f"not ({checked} answers checked, {unparsed} unparsed; unparsed checks are left out, never guessed).")
    if total:
        p_judge, p_embed = judge_yes / total, embed_yes / total
        expected = p_judge * p_embed + (1 - p_judge) * (1 - p_embed)
        kappa = (agree / total - expected) / (1 - expected) if expected < 1 else float("nan")
        text += (f" Sentence by sentence it agrees with the embedding estimate on {agree / total:.0%} of {total} "
                 f"sentences (Cohen's kappa {num(kappa)}).")
    return text + " " + support_check_sentence(out_dir, comparison, judge, fingerprint)


def support_check_sentence(out_dir, comparison: Comparison, judge: str, fingerprint: str | None) -> str:
    """What the judge's check says of its faithfulness verdicts, or that nothing does."""
    from harness.judge.check import latest_check
    from harness.run_records import rubric_identity

    rubric = rubric_identity(comparison.manifest(comparison.systems[0]).get("rubric") or "cultural_nuance")
    check = latest_check(out_dir, fingerprint, *rubric) if out_dir and fingerprint and rubric else None
    figures = (check.support or {}) if check else {}
    if figures.get("supported") is None or figures.get("unsupported") is None:
        return (f"No judge check of `{judge}` tested its faithfulness verdicts, so treat them as unverified "
                f"(python -m harness judge check --judge {judge}).")
    missed = [f for f in check.failures if f.startswith("faithfulness")]
    return (f"On its judge check's controlled sentences it marked {figures['supported']:.0%} of supported and "
            f"{figures['unsupported']:.0%} of unsupported sentences correctly"
            + (f" and failed ({'; '.join(missed)}), so do not rely on these figures." if missed else " (pass)."))
