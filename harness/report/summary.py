"""The table printed at the end of a run."""

from __future__ import annotations


def print_run_summary(result, comparison, leaderboard_path) -> None:
    from rich.console import Console
    from rich.table import Table

    from harness.report.automatic import coverage_values

    ids = [i.id for i in comparison.items]
    table = Table(title=f"run {result.run_id}")
    for column in ("system", "items", "key-point coverage"):
        table.add_column(column, justify="left" if column == "system" else "right")
    for system in comparison.systems:
        values = coverage_values(comparison, system, ids)
        table.add_row(system, str(len(ids)), f"{sum(values) / len(values):.3f}" if values else "n/a")
    console = Console()
    console.print(table)
    console.print(f"generated {result.generated}, from cache {result.from_cache}, failed {result.failed}")
    if result.failed:
        console.print(f"[red]{result.failed} generations failed; rerun the same command to retry them[/red]")
    console.print(f"records: {result.run_dir}\nleaderboard: {leaderboard_path}")
