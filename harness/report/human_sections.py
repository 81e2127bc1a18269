"""Human scores next to the judge's, inter-annotator agreement, and judge-human agreement."""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

from harness.run_records import Comparison
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


def agreement_section(comparison: Comparison) -> str | None:
    from harness.stats import krippendorff_alpha, pairwise_agreement, spearman

    if not comparison.humans:
        return None
    records = [r for rs in comparison.humans.values() for r in rs]
    annotators = sorted({r["annotator"] for r in records})
    criteria = sorted({c for r in records for c in r["scores"]})
    units = sorted({r["row_id"] for r in records})
    by_unit = defaultdict(dict)
    for r in records:
        by_unit[r["row_id"]][r["annotator"]] = r
    shared = [u for u in units if len(by_unit[u]) >= 2]
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
        rows.append((criterion, len(shared), num(alpha), num(rho)))
    text = (f"## Human ratings and agreement\n\n{len(records)} human ratings from {len(annotators)} annotators "
            f"({len(shared)} answers rated by two or more).\n\n"
            + table(["criterion", "shared answers", "Krippendorff alpha", f"judge-human Spearman ({judge or 'no judge'})"],
                    rows))
    if judge and len(comparison.systems) > 1:
        judged, human = [], []
        for a, b in combinations(comparison.systems, 2):
            results = outcomes(comparison, judge, a, b)["results"]
            for item_id, verdict in results.items():
                preferred = human_preference(comparison, a, b, item_id)
                if preferred is not None:
                    judged.append(verdict)
                    human.append(preferred)
        if judged:
            with_ties = pairwise_agreement(judged, human)
            without = pairwise_agreement(judged, human, include_ties=False)
            text += (f"\n\nJudge-human pairwise agreement (human preference = higher mean human score): "
                     f"{num(with_ties['agreement'])} with ties (n = {with_ties['n']}), "
                     f"{num(without['agreement'])} without ties (n = {without['n']}), as MT-Bench reports it.")
    return text
