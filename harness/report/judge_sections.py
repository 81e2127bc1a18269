"""Leaderboard sections from LLM-judge records: overview, criteria, breakdowns, tests, judge health."""

from __future__ import annotations

from itertools import combinations

from harness.judge.judge import WEAK_JUDGES
from harness.run_records import Comparison
from harness.report.judged import battles, ok_judgments, outcomes, overall, pair_tests, status_counts
from harness.report.markdown import breakdown, ci, num, table

WEAK_NOTE = ("The judge `embedded` is the local SmolLM2-135M-Instruct, a weak judge: it grades by form filling "
             "(the probability-weighted score digit after each `SCORE criterion:`), so it always returns a number, "
             "but it cannot check facts and shows strong position bias (see Judge health). Treat its scores as a "
             "smoke test of the pipeline, and point `--judge` at "
             "a strong model, e.g. `--judge openai:Qwen/Qwen2.5-7B-Instruct@http://127.0.0.1:8000/v1` "
             "(served with `vllm serve`), or `--judge hf:PATH` on a GPU.")


def primary_judge(comparison: Comparison) -> str | None:
    judges = comparison.judges()
    strong = [j for j in judges if j not in WEAK_JUDGES]
    return (strong or judges or [None])[0]


def win_record(comparison: Comparison, judge: str, system: str) -> list[float]:
    values = []
    for other in comparison.systems:
        if other == system:
            continue
        for winner in outcomes(comparison, judge, system, other)["results"].values():
            values.append(1.0 if winner == system else 0.5 if winner == "tie" else 0.0)
    return values


def overview_section(comparison: Comparison, human_means: dict[str, tuple] | None = None) -> str | None:
    from harness.report.length_sections import controlled_cell
    from harness.stats import bootstrap_bradley_terry, bootstrap_mean_ci, win_rate_ci

    judges = comparison.judges()
    if not judges:
        return None
    parts = ["## LLM judge: scores, win rates and ratings"]
    if human_means is not None:
        parts += ["", "The human column averages the annotators' rubric scores (see Human ratings below)."]
    for judge in judges:
        games = battles(comparison, judge)
        ratings = bootstrap_bradley_terry(games) if games else {}
        rows = []
        for system in comparison.systems:
            graded = ok_judgments(comparison, judge, system)
            values = [overall(r) for r in graded.values()]
            counts = status_counts(comparison, judge, system)
            wins = win_record(comparison, judge, system)
            rating = ratings.get(system)
            row = [system, len(values), ci(*bootstrap_mean_ci(values)) if values else "n/a",
                   f"{counts['unparsed'] + counts['error']}/{len(comparison.items)}",
                   ci(*win_rate_ci(wins)) if wins else "n/a", controlled_cell(comparison, judge, system),
                   ci(*rating, digits=0) if rating else "n/a"]
            if human_means is not None:
                row.append(ci(*human_means[system]) if human_means.get(system) else "n/a")
            rows.append(row)
        rows.sort(key=lambda r: -float(r[2].split()[0]) if r[2] != "n/a" else 1e9)
        headers = ["system", "n graded", "judge score 1-5 [95% CI]", "unparsed", "win rate [95% CI]",
                   "length-controlled win rate [95% CI]", "Bradley-Terry [95% CI]"] + (
                       ["human score 1-5 [95% CI]"] if human_means is not None else [])
        parts += ["", f"Judge **{judge}** (rubric v{comparison.rubric_version}):", "", table(headers, rows)]
        if judge in WEAK_JUDGES:
            parts += ["", WEAK_NOTE]
    parts += ["", "Scores are the mean of the rubric's criteria (1-5). A pairwise win counts only when it holds with "
                  "the answers in both orders; otherwise it is a tie (counted as half). Unparsed verdicts are retried, "
                  "then left out and counted, never scored. The length-controlled win rate is the same record "
                  "predicted at equal answer length (AlpacaEval 2's GLM; see Length-controlled win rates)."]
    return "\n".join(parts)


def criteria_section(comparison: Comparison) -> str | None:
    judge = primary_judge(comparison)
    if judge is None:
        return None
    graded = {s: ok_judgments(comparison, judge, s) for s in comparison.systems}
    criteria = sorted({c for records in graded.values() for r in records.values() for c in r["scores"]})
    if not criteria:
        return None
    rows = []
    for criterion in criteria:
        cells = []
        for system in comparison.systems:
            values = [r["scores"][criterion] for r in graded[system].values() if criterion in r["scores"]]
            cells.append(num(sum(values) / len(values)) if values else "n/a")
        rows.append((criterion, *cells))
    flagged = [(s, sum(1 for r in graded[s].values() if any(r.get("flags", {}).values()))) for s in comparison.systems]
    text = f"## Scores per criterion (judge {judge})\n\n" + table(["criterion", *comparison.systems], rows)
    if any(n for _, n in flagged):
        text += "\n\nAnswers flagged harmful: " + ", ".join(f"{s} {n}" for s, n in flagged)
    return text


def judged_breakdown(comparison: Comparison, field: str) -> str | None:
    judge = primary_judge(comparison)
    if judge is None:
        return None
    def cell(system, ids):
        values = [overall(r) for r in ok_judgments(comparison, judge, system, set(ids)).values()]
        return f"{num(sum(values) / len(values))} ({len(values)})" if values else "n/a"

    rows = breakdown(comparison, field, cell)
    return rows and (f"## Judge score by {field} (judge {judge}; graded answers in brackets)\n\n"
            + table([field, "items", *comparison.systems], rows))


def tests_section(comparison: Comparison) -> str | None:
    judge = primary_judge(comparison)
    if judge is None or len(comparison.systems) < 2:
        return None
    rows = []
    for t in pair_tests(comparison, judge):
        diff = (f"{t.mean_diff:+.2f} [{t.ci_low:+.2f}, {t.ci_high:+.2f}]" if t.mean_diff is not None else "n/a")
        rows.append((f"{t.a} vs {t.b}", t.n, diff, num(t.p_value, 3), num(t.p_holm, 3), num(t.effect),
                     num(t.mde), f"{t.wins}/{t.ties}/{t.losses}", num(t.sign_p, 3)))
    return (f"## Paired tests (judge {judge})\n\n"
            + table(["pair (A vs B)", "n", "A - B [95% CI]", "Wilcoxon p", "Holm p", "effect d_z",
                     "smallest detectable diff", "pairwise W/T/L", "sign test p"], rows)
            + "\n\nDifferences are per-item judge scores of A minus B over the items both were graded on; the interval "
              "is a paired bootstrap. Holm corrects for the number of pairs. The smallest detectable difference is "
              "for 80% power at alpha 0.05 with this many items (normal approximation).")


def health_section(comparison: Comparison) -> str | None:
    from harness.stats import length_correlation, pairwise_agreement, spearman

    judges = comparison.judges()
    if not judges:
        return None
    rows = []
    for judge in judges:
        singles = [status_counts(comparison, judge, s) for s in comparison.systems]
        unparsed = sum(c["unparsed"] + c["error"] for c in singles)
        total = sum(sum(c.values()) - c["missing"] for c in singles)
        games = inconsistent = game_unparsed = 0
        for a, b in combinations(comparison.systems, 2):
            result = outcomes(comparison, judge, a, b)
            games += len(result["results"])
            inconsistent += result["inconsistent"]
            game_unparsed += result["unparsed"]
        scores, lengths = [], []
        for system in comparison.systems:
            for record in ok_judgments(comparison, judge, system).values():
                scores.append(overall(record))
                lengths.append(record["answer_chars"])
        corr = length_correlation(scores, lengths) if scores else {"rho": None, "n": 0}
        rows.append((judge, f"{unparsed}/{total}", f"{game_unparsed}/{games + game_unparsed}",
                     num(1 - inconsistent / games) if games else "n/a",
                     num(corr["rho"]) if corr.get("rho") is not None else "n/a"))
    text = ("## Judge health\n\n" + table(["judge", "unparsed grades", "unparsed pairs", "position consistency",
                                           "score-length Spearman"], rows)
            + "\n\nPosition consistency is the share of parsed pairs whose verdict holds in both orders. A strong "
              "positive score-length correlation is a warning sign of length bias.")
    if len(judges) > 1:
        panel = []
        for j1, j2 in combinations(judges, 2):
            x, y = [], []
            for system in comparison.systems:
                a, b = ok_judgments(comparison, j1, system), ok_judgments(comparison, j2, system)
                for item_id in a.keys() & b.keys():
                    x.append(overall(a[item_id]))
                    y.append(overall(b[item_id]))
            rho = spearman(x, y)
            v1, v2 = [], []
            for a, b in combinations(comparison.systems, 2):
                r1, r2 = outcomes(comparison, j1, a, b)["results"], outcomes(comparison, j2, a, b)["results"]
                for item_id in r1.keys() & r2.keys():
                    v1.append(r1[item_id])
                    v2.append(r2[item_id])
            with_ties = pairwise_agreement(v1, v2) if v1 else {"agreement": None, "n": 0}
            without = pairwise_agreement(v1, v2, include_ties=False) if v1 else {"agreement": None, "n": 0}
            panel.append((f"{j1} vs {j2}", rho["n"], num(rho["rho"]), num(with_ties["agreement"]),
                          num(without["agreement"])))
        text += "\n\nJudge panel agreement:\n\n" + table(
            ["judges", "n", "score Spearman", "pairwise agreement", "agreement without ties"], panel)
    return text
