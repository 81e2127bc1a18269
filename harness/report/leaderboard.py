"""Compose ``leaderboard.md`` (and each run's ``report.md``) from sections, rebuilt from records."""

from __future__ import annotations

from pathlib import Path

from harness.records import utc_now
from harness.run_records import Comparison, collect
from harness.report.markdown import escape, table
from harness.store import write_text_atomic


def header(comparison: Comparison) -> str:
    b = comparison.benchmark
    split = f", split {escape(b['split'])}" if b.get("split") else ""
    dropped = len(comparison.all_item_ids) - len(comparison.items)
    lines = [
        "# Leaderboard",
        "",
        f"Benchmark **{escape(b['name'])}** v{escape(b['version'])}{split}: {len(comparison.items)} items compared"
        + (f" ({dropped} left out because some system has no successful answer for them)" if dropped else "")
        + f". Rebuilt {utc_now()} from the run records by `python -m harness leaderboard`.",
    ]
    return "\n".join(lines)


def runs_section(comparison: Comparison) -> str:
    rows = []
    for system in comparison.systems:
        manifest = comparison.manifest(system)
        rows.append((system, manifest["run_id"], manifest["model"], manifest["backend"],
                     manifest["systems"][system]["fingerprint"], (manifest.get("git_sha") or "n/a")[:12]))
    return "## Provenance\n\n" + table(["system", "run", "model", "backend", "fingerprint", "git"], rows, "llllll")


def sections(comparison: Comparison, context: dict | None = None) -> list[str]:
    from harness.report import (automatic, control_sections, costs, history, human_sections, judge_sections,
                                length_sections, rag_diagnostics, retrieval, taught_sections, verdict)

    context = context or {}
    parts = [
        header(comparison),
        verdict.verdict_lines(comparison, trust_lines(comparison, context)),
        judge_sections.overview_section(comparison, human_sections.human_means(comparison)),
        judge_sections.criteria_section(comparison),
        judge_sections.tests_section(comparison),
        judge_sections.judged_breakdown(comparison, "category"),
        judge_sections.judged_breakdown(comparison, "region"),
        automatic.overall_section(comparison),
        automatic.breakdown_section(comparison, "category", "category"),
        automatic.breakdown_section(comparison, "region", "region"),
        taught_sections.taught_section(comparison),
        control_sections.control_section(comparison, context.get("control")),
        length_sections.length_control_section(comparison),
        retrieval.retrieval_section(comparison),
        rag_diagnostics.rag_diagnostics_section(comparison, out_dir=context.get("out")),
        costs.cost_section(comparison),
        costs.trained_section(comparison),
        history.history_section(context.get("history")),
        history_plot_note(context.get("history")),
        judge_sections.health_section(comparison),
        human_sections.agreement_section(comparison),
        plots_note(),
        runs_section(comparison),
    ]
    return [p for p in parts if p]


def history_plot_note(record) -> str:
    return "![score per adapter iteration](history.png)" if record and len(record.iterations) >= 2 else ""


def plots_note() -> str:
    return "## Plots\n\n![scores with 95% CIs](scores.png)\n\n![category x system](heatmap.png)"


def render(comparison: Comparison, context: dict | None = None) -> str:
    return "\n\n".join(sections(comparison, context or {})) + "\n"


def report_context(out_dir: Path, comparison: Comparison) -> dict:
    """What the sections need beyond the comparison: the iteration history of its benchmark, the
    newest control-benchmark run that shares its systems, and the judge checks on record."""
    from harness.report.history import collect_history
    from harness.run_records import benchmark_key

    return {"history": collect_history(out_dir, benchmark_key({"benchmark": comparison.benchmark})),
            "control": control_comparison(out_dir, comparison), "out": Path(out_dir)}


def control_comparison(out_dir: Path, comparison: Comparison) -> Comparison | None:
    from harness.run_records import collect, list_runs, read_manifest

    for run_dir in reversed(list_runs(out_dir)):
        manifest = read_manifest(run_dir)
        if manifest["benchmark"].get("role") == "control" and set(manifest["systems"]) & set(comparison.systems):
            return collect(out_dir, benchmark=manifest["benchmark"]["name"])
    return None


def trust_lines(comparison: Comparison, context: dict) -> list[str]:
    """What the verdict needs beside the headline: the judge's check, taught/untaught, the control."""
    from harness.report.control_sections import control_verdict_line
    from harness.report.taught_sections import taught_verdict_line
    from harness.report.verdict import headline

    lines = [judge_check_line(comparison, context.get("out"))]
    pair = headline(comparison)
    if pair:
        lines.append(taught_verdict_line(comparison, pair[0], pair[1]))
        lines.append(control_verdict_line(comparison, context.get("control"), pair[0]))
    return [line for line in lines if line]


def judge_check_line(comparison: Comparison, out_dir: Path | None) -> str:
    """The check of the judge the verdict used (or of the coverage scorer when no judge graded)."""
    from harness.judge.check import COVERAGE, latest_check, load_checks
    from harness.judge.judge import WEAK_JUDGES
    from harness.report.judge_check import check_sentence
    from harness.report.judge_sections import primary_judge
    from harness.run_records import rubric_identity

    if out_dir is None:
        return ""
    found = [c for c in load_checks(out_dir) if c.judge == COVERAGE]
    coverage = ("Automatic signal: " + check_sentence(max(found, key=lambda c: c.created_at), "coverage")
                if found else "")
    judge = primary_judge(comparison)
    if judge is None:
        return coverage
    rubric = rubric_identity(comparison.manifest(comparison.systems[0]).get("rubric") or "cultural_nuance")
    fingerprint = next((r["judge_fingerprint"] for (j, _, _), r in comparison.judgments.items() if j == judge), None)
    check = latest_check(out_dir, fingerprint, *rubric) if fingerprint and rubric else None
    sentence = check_sentence(check, judge)
    sentence = sentence[0].upper() + sentence[1:]
    # beside a weak judge the verdict also gives the automatic coverage line: cite its check too
    return f"{sentence} {coverage}" if judge in WEAK_JUDGES and coverage else sentence


def write_leaderboard(out_dir: Path, run_id: str | None = None) -> tuple[Path, Comparison]:
    """Write ``<out>/leaderboard.md`` and the newest run's ``report.md``; returns the leaderboard path."""
    out_dir = Path(out_dir)
    comparison = collect(out_dir, run_id)
    context = report_context(out_dir, comparison)
    text = render(comparison, context)
    path = out_dir / "leaderboard.md"
    write_text_atomic(path, text)
    try:  # the markdown never waits on a plot
        from harness.report.history import history_plot
        from harness.report.plots import write_plots

        write_plots(comparison, out_dir)
        history_plot(context.get("history"), out_dir / "history.png")
    except Exception as exc:  # noqa: BLE001 - any plotting failure
        import sys

        print(f"warning: plots not drawn ({type(exc).__name__}: {str(exc)[:200]}); leaderboard.md is complete",
              file=sys.stderr)
    newest = comparison.runs[comparison.systems[0]].run_dir
    own = comparison if run_id or all(r.run_dir == newest for r in comparison.runs.values()) \
        else collect(out_dir, newest.name)
    report = text if own is comparison else render(own, context)
    write_text_atomic(newest / "report.md", report.replace("# Leaderboard", f"# Run report: {newest.name}", 1))
    return path, comparison
