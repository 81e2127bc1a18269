"""Show ``JudgeCheck`` records: one sentence for the leaderboard verdict, a markdown page, a terminal table.

    check_sentence(latest_check("results", judge.fingerprint, rubric.name, rubric.version))
"""

from __future__ import annotations

from pathlib import Path

from harness.judge.controls import CONTRASTS
from harness.records import JudgeCheck

WHAT = {c.name: c.what for c in CONTRASTS}
SUPPORT_ROWS = (("supported", "reference sentences", "SUPPORTED"),
                ("falsified", "the falsified answer's changed sentences", "UNSUPPORTED"),
                ("off_topic", "another item's first sentence", "UNSUPPORTED"))


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _cell(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def check_sentence(check: JudgeCheck | None, judge: str | None = None) -> str:
    """One plain sentence about a judge's check, for the leaderboard's verdict; says so when there is none."""
    if check is None:
        who = f"judge {judge}" if judge else "this judge"
        return (f"{who} has no judge check under this rubric version, so nothing shows that its verdicts can be "
                "trusted (run: python -m harness judge check --judge SPEC).")
    measured = f"{_share(check.order_correct)} of controlled contrasts ordered correctly"
    if check.order_correct_pairwise is not None and check.order_correct_single is not None:
        measured += f" (single grades {_share(check.order_correct_single)})"
    if check.position_consistency is not None:
        measured += f", position consistency {check.position_consistency:.2f}"
    if check.length_preference is not None:
        measured += f", padded answer preferred {_share(check.length_preference)}"
    if check.support and check.support.get("balanced") is not None:
        measured += (f"; faithfulness: {_share(check.support['supported'])} of supported and "
                     f"{_share(check.support['unsupported'])} of unsupported sentences marked correctly")
    where = f"{check.n_items} {check.benchmark} items"
    if check.passed:
        return f"judge check ({check.judge}, {where}): {measured} (pass)."
    return f"the judge {check.judge} failed its check ({where}): {'; '.join(check.failures)}. Measured: {measured}."


def markdown(checks: list[JudgeCheck]) -> str:
    lines = ["# Judge check", "",
             "Controlled answers derived from the benchmark items (no LLM): the reference answer, and the reference "
             "broken in known ways. Each contrast should be won by the reference. *Single*: share of items whose "
             "reference scored higher; *pairwise*: share won by the reference in both orders; *consistent*: share "
             "whose two orders agree; *worse wins*: share where the broken answer won (for `length`, the length "
             "preference); *separation*: mean score(reference) - score(broken) with a 95% bootstrap interval, in "
             "the judge's own scale.", ""]
    for check in checks:
        verdict = "pass" if check.passed else "FAIL"
        lines += [f"## {_cell(check.judge)}: {verdict}", "",
                  f"- {check.n_items} items of {_cell(check.benchmark)} {check.benchmark_version}"
                  f"{f' ({check.split})' if check.split else ''}, rubric {check.rubric} {check.rubric_version}, "
                  f"controls v{check.controls_version}, seed {check.seed}; scale: {check.scale}",
                  f"- ordered correctly: {_share(check.order_correct)} (single {_share(check.order_correct_single)}, "
                  f"pairwise {_share(check.order_correct_pairwise)}); position consistency "
                  f"{_num(check.position_consistency)}; length preference {_share(check.length_preference)}; "
                  f"unparsed {_share(check.unparsed_rate)}",
                  f"- {'; '.join(check.failures) if check.failures else 'every threshold met'}", "",
                  "| contrast | broken answer | n | single | pairwise | consistent | worse wins (single / pair) "
                  "| separation | needs | result |",
                  "| :-- | :-- | --: | --: | --: | --: | --: | --: | --: | :-- |"]
        for row in check.contrasts:
            separation = ("n/a" if row.separation is None else
                          f"{row.separation:.2f} [{row.separation_ci[0]:.2f}, {row.separation_ci[1]:.2f}]")
            result = "n/a" if row.passed is None else ("pass" if row.passed else "FAIL")
            lines.append(f"| {row.name} | {WHAT.get(row.name, '')} | {row.n_items} | {_share(row.single_correct)} | "
                         f"{_share(row.pairwise_correct)} | {_share(row.position_consistency)} | "
                         f"{_share(row.single_worse_wins)} / {_share(row.pairwise_worse_wins)} | {separation} | "
                         f"{_share(row.threshold)} | {result} |")
        lines += _support_lines(check)
        lines += ["", f"> {_cell(check_sentence(check))}", ""]
    return "\n".join(lines)


def _support_lines(check: JudgeCheck) -> list[str]:
    if not check.support:
        return []
    support, n = check.support, check.support_n
    needs = check.thresholds.get("min_support_accuracy")
    lines = ["", f"Faithfulness: sentences checked against the item's reference answer as the only passage; "
                 f"balanced accuracy {_share(support.get('balanced'))}, unparsed {_share(support.get('unparsed'))} "
                 f"of {n.get('replies', 0)} replies.", "",
             "| sentences | expected | n | marked correctly | needs |", "| :-- | :-- | --: | --: | --: |"]
    for kind, what, expected in SUPPORT_ROWS:
        lines.append(f"| {what} | {expected} | {n.get(kind, 0)} | {_share(support.get(kind))} | {_share(needs)} |")
    return lines


def write_markdown(out_dir: Path | str, checks: list[JudgeCheck]) -> Path:
    from harness.store import write_text_atomic

    path = Path(out_dir) / "judge_check.md"
    write_text_atomic(path, markdown(checks))
    return path


def print_table(checks: list[JudgeCheck]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    for check in checks:
        table = Table(title=escape(f"judge check: {check.judge} ({check.n_items} items, {check.scale})"))
        for column in ("contrast", "n", "single", "pairwise", "consistent", "worse wins", "separation", "result"):
            table.add_column(column, justify="left" if column in ("contrast", "result") else "right")
        for row in check.contrasts:
            separation = "n/a" if row.separation is None else (
                f"{row.separation:.2f} [{row.separation_ci[0]:.2f}, {row.separation_ci[1]:.2f}]")
            table.add_row(row.name, str(row.n_items), _share(row.single_correct), _share(row.pairwise_correct),
                          _share(row.position_consistency),
                          f"{_share(row.single_worse_wins)} / {_share(row.pairwise_worse_wins)}", separation,
                          "n/a" if row.passed is None else ("pass" if row.passed else "[red]FAIL[/red]"))
        console.print(table)
        if check.support:
            support = Table(title=escape(f"faithfulness: {check.judge} (balanced accuracy "
                                         f"{_share(check.support.get('balanced'))}, unparsed "
                                         f"{_share(check.support.get('unparsed'))})"))
            for column in ("sentences", "expected", "n", "marked correctly"):
                support.add_column(column, justify="right" if column in ("n", "marked correctly") else "left")
            for kind, what, expected in SUPPORT_ROWS:
                support.add_row(what, expected, str(check.support_n.get(kind, 0)), _share(check.support.get(kind)))
            console.print(support)
        console.print(escape(check_sentence(check)))
