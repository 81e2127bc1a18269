"""Human scores next to the judge's, inter-annotator agreement, and judge-human agreement."""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations
from pathlib import Path

from harness.run_records import Comparison, iter_run_files
from harness.report.judge_sections import primary_judge
from harness.report.judged import ok_judgments, outcomes, overall
from harness.report.markdown import num, table


def human_mean(records: list[dict], criterion: str | None = None) -> float:
    pick = (lambda r: r["scores"][criterion]) if criterion else overall
    return sum(pick(r) for r in records) / len(records)


def human_means(comparison: Comparison) -> dict[str, tuple] | None:
    from harness.stats import bootstrap_mean_ci

    if not comparison.humans:
        return None
    means = {}
    for system in comparison.systems:
        values = [human_mean(records) for i in comparison.items if (records := comparison.human(system, i.id))]
        means[system] = bootstrap_mean_ci(values) if values else None
    return means


def human_preference(comparison: Comparison, a: str, b: str, item_id: str) -> str | None:
    ra, rb = comparison.human(a, item_id), comparison.human(b, item_id)
    if not ra or not rb:
        return None
    ma, mb = human_mean(ra), human_mean(rb)
    return a if ma > mb else b if mb > ma else "tie"


def out_dir_of(comparison: Comparison) -> Path:
    return next(iter(comparison.runs.values())).run_dir.parent.parent


def human_games(comparison: Comparison) -> list[dict]:
    """Browser A/B verdicts on the compared answers (latest per annotator and task), oriented as
    (a, b, winner) with a before b in the comparison's system order; winner is a, b or "tie"."""
    from harness.human.serve import PAIRWISE_FILE

    def fresh(r: dict) -> bool:
        systems = (r["first_system"], r["second_system"])
        if not all(s in comparison.systems for s in systems) or comparison.rubric_version not in (None,
                                                                                                   r["rubric_version"]):
            return False
        current = comparison.runs[systems[0]].hashes, comparison.runs[systems[1]].hashes
        return (current[0].get((systems[0], r["item_id"])) == r["first_hash"]
                and current[1].get((systems[1], r["item_id"])) == r["second_hash"])

    def compute() -> list[dict]:
        latest = {}
        for r in iter_run_files(out_dir_of(comparison), PAIRWISE_FILE):
            if fresh(r):
                latest[(r["assignment_id"], r["annotator"], r["task_id"])] = r
        games = []
        for r in latest.values():
            first, second = r["first_system"], r["second_system"]
            a, b = sorted((first, second), key=comparison.systems.index)
            winner = {"first": first, "second": second, "tie": "tie"}[r["verdict"]]
            games.append({"item_id": r["item_id"], "a": a, "b": b, "winner": winner, "annotator": r["annotator"]})
        return games

    return comparison.cached(("human_games",), compute)


def side(winner: str, a: str, b: str) -> str:
    return "a" if winner == a else "b" if winner == b else "tie"


def rating_agreement(comparison: Comparison) -> dict | None:
    """Inter-annotator and judge-human agreement on the rubric scores, per criterion and overall."""
    from harness.stats import krippendorff_alpha, pairwise_agreement, spearman

    if not comparison.humans:
        return None
    records = [r for rs in comparison.humans.values() for r in rs]
    annotators = sorted({r["annotator"] for r in records})
    criteria = sorted({c for r in records for c in r["scores"]})
    by_unit = defaultdict(dict)
    for r in records:  # a unit is one answer: CSV rows and browser tasks of the same answer meet here
        by_unit[(r["item_id"], r["system"], r["answer_hash"])][r["annotator"]] = r
    shared = [u for u in by_unit if len(by_unit[u]) >= 2]
    judge = primary_judge(comparison)
    rows = []
    for criterion in criteria + ["overall"]:
        alpha = None
        if len(annotators) >= 2 and shared:
            matrix = [[(by_unit[u][a]["scores"][criterion] if criterion != "overall" else overall(by_unit[u][a]))
                       if a in by_unit[u] else None for u in shared] for a in annotators]
            try:
                alpha = krippendorff_alpha(matrix, level="ordinal" if criterion != "overall" else "interval")
            except ValueError:
                alpha = None
        rho = None
        if judge:
            x, y = [], []
            for system in comparison.systems:
                graded = ok_judgments(comparison, judge, system)
                for item in comparison.items:
                    humans = comparison.human(system, item.id)
                    if humans and item.id in graded:
                        judged = graded[item.id]
                        x.append(judged["scores"].get(criterion) if criterion != "overall" else overall(judged))
                        y.append(human_mean(humans, None if criterion == "overall" else criterion))
            rho = spearman(x, y)["rho"] if x else None
        rows.append({"criterion": criterion, "shared": len(shared), "alpha": alpha, "rho": rho})
    result = {"ratings": len(records), "annotators": annotators, "shared": len(shared), "judge": judge,
              "rows": rows, "pairwise": None}
    if judge and len(comparison.systems) > 1:
        judged, human = [], []
        for a, b in combinations(comparison.systems, 2):
            for item_id, verdict in outcomes(comparison, judge, a, b)["results"].items():
                preferred = human_preference(comparison, a, b, item_id)
                if preferred is not None:
                    judged.append(side(verdict, a, b))
                    human.append(side(preferred, a, b))
        if judged:
            result["pairwise"] = (pairwise_agreement(judged, human),
                                  pairwise_agreement(judged, human, include_ties=False))
    return result


def preference_agreement(comparison: Comparison) -> dict | None:
    """Browser A/B verdicts: human win counts per pair, annotator agreement and judge-human agreement."""
    from harness.stats import krippendorff_alpha, pairwise_agreement

    games = human_games(comparison)
    if not games:
        return None
    pairs: dict[tuple, list[int]] = {}
    by_unit = defaultdict(dict)
    for g in games:
        counts = pairs.setdefault((g["a"], g["b"]), [0, 0, 0])
        counts[["a", "b", "tie"].index(side(g["winner"], g["a"], g["b"]))] += 1
        by_unit[(g["item_id"], g["a"], g["b"])][g["annotator"]] = side(g["winner"], g["a"], g["b"])
    annotators = sorted({g["annotator"] for g in games})
    shared = [u for u in by_unit if len(by_unit[u]) >= 2]
    alpha = None
    if len(annotators) >= 2 and shared:
        codes = {"a": 0, "b": 1, "tie": 2}
        matrix = [[codes[by_unit[u][a]] if a in by_unit[u] else None for u in shared] for a in annotators]
        try:
            alpha = krippendorff_alpha(matrix, level="nominal")
        except ValueError:
            alpha = None
    judge = primary_judge(comparison)
    with_ties = without = None
    if judge:
        judged, human = [], []
        for g in games:
            verdict = outcomes(comparison, judge, g["a"], g["b"])["results"].get(g["item_id"])
            if verdict is not None:
                judged.append(side(verdict, g["a"], g["b"]))
                human.append(side(g["winner"], g["a"], g["b"]))
        if judged:
            with_ties, without = (pairwise_agreement(judged, human),
                                  pairwise_agreement(judged, human, include_ties=False))
    return {"verdicts": len(games), "annotators": annotators, "shared": len(shared), "alpha": alpha,
            "judge": judge, "pairs": pairs, "judge_human": with_ties, "judge_human_no_ties": without}


def agreement_section(comparison: Comparison) -> str | None:
    scores, prefs = rating_agreement(comparison), preference_agreement(comparison)
    if scores is None and prefs is None:
        return None
    parts = ["## Human ratings and agreement"]
    if scores:
        judge = scores["judge"]
        parts.append(f"{scores['ratings']} human ratings from {len(scores['annotators'])} annotators "
                     f"({scores['shared']} answers rated by two or more).")
        parts.append(table(["criterion", "shared answers", "Krippendorff alpha",
                            f"judge-human Spearman ({judge or 'no judge'})"],
                           [(r["criterion"], r["shared"], num(r["alpha"]), num(r["rho"])) for r in scores["rows"]]))
        if scores["pairwise"]:
            with_ties, without = scores["pairwise"]
            parts.append(f"Judge-human pairwise agreement (human preference = higher mean human score): "
                         f"{num(with_ties['agreement'])} with ties (n = {with_ties['n']}), "
                         f"{num(without['agreement'])} without ties (n = {without['n']}), as MT-Bench reports it.")
    if prefs:
        parts.append(f"### Blind A/B preferences\n\n{prefs['verdicts']} verdicts from {len(prefs['annotators'])} "
                     f"annotators in the browser ({prefs['shared']} pairs judged by two or more; Krippendorff "
                     f"alpha, nominal: {num(prefs['alpha'])}).")
        parts.append(table(["pair", "first wins", "second wins", "ties"],
                           [(f"{a} vs {b}", *counts) for (a, b), counts in prefs["pairs"].items()]))
        if prefs["judge_human"]:
            parts.append(f"Judge-human agreement on these pairs ({prefs['judge']}, both orders): "
                         f"{num(prefs['judge_human']['agreement'])} with ties (n = {prefs['judge_human']['n']}), "
                         f"{num(prefs['judge_human_no_ties']['agreement'])} without ties "
                         f"(n = {prefs['judge_human_no_ties']['n']}).")
    return "\n\n".join(parts)
