"""PNG plots next to the leaderboard: scores with CIs, and a category x system heatmap.

Labels come from benchmark and config files, so they are drawn as plain text: no mathtext (a
category named ``$x^$`` is just that string), one line, cut to ``MAX_LABEL`` characters.
"""

from __future__ import annotations

import re
from pathlib import Path

from harness.run_records import Comparison


MAX_LABEL = 40
JUDGE_SCALE = (1.0, 5.0)


def label(text: str) -> str:
    text = re.sub(r"\s+", " ", str(text)).strip()
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"

COVERAGE_SCALE = (0.0, 1.0)


def system_scores(comparison: Comparison) -> tuple[str, dict[str, list[float]], dict[str, dict[str, list[float]]]]:
    """(label, per-system values, per-category per-system values): judge scores if any, else coverage."""
    from harness.report.automatic import coverage_values
    from harness.report.judge_sections import primary_judge
    from harness.report.judged import ok_judgments, overall

    judge = primary_judge(comparison)
    by_system, by_category = {}, {}
    for system in comparison.systems:
        if judge:
            graded = ok_judgments(comparison, judge, system)
            values = {i: overall(r) for i, r in graded.items()}
        else:
            values = {i.id: v for i in comparison.items for v in coverage_values(comparison, system, [i.id])}
        by_system[system] = list(values.values())
        for item in comparison.items:
            if item.id in values and item.category:
                by_category.setdefault(item.category, {}).setdefault(system, []).append(values[item.id])
    return (f"judge score ({judge})" if judge else "key-point coverage"), by_system, by_category


def plot_scale(title: str) -> tuple[float, float]:
    """Axes and colours span the whole scale, so a 0.01 gap never looks like a landslide."""
    return COVERAGE_SCALE if title == "key-point coverage" else JUDGE_SCALE


def write_plots(comparison: Comparison, out_dir: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    with matplotlib.rc_context({"text.parse_math": False, "text.usetex": False}):
        return _write_plots(comparison, out_dir)


def _write_plots(comparison: Comparison, out_dir: Path) -> list[Path]:
    import matplotlib.pyplot as plt
    import numpy as np

    from harness.stats import bootstrap_mean_ci

    title, by_system, by_category = system_scores(comparison)
    low, high = plot_scale(title)
    written = []
    systems = [s for s in comparison.systems if by_system.get(s)]
    if systems:
        stats = [bootstrap_mean_ci(by_system[s]) for s in systems]
        fig, ax = plt.subplots(figsize=(1.4 * len(systems) + 2, 3.5), dpi=100)
        means = [m for m, _, _ in stats]
        errors = [[m - lo for m, lo, _ in stats], [hi - m for m, _, hi in stats]]
        ax.bar(range(len(systems)), [m - low for m in means], bottom=low, yerr=errors, capsize=6, color="#4c78a8")
        ax.set_xticks(range(len(systems)), [label(s) for s in systems])
        ax.set_ylim(low, high)
        ax.set_ylabel(label(title))
        ax.set_title("mean with 95% bootstrap CI")
        fig.tight_layout()
        path = Path(out_dir) / "scores.png"
        fig.savefig(path)
        plt.close(fig)
        written.append(path)
    if by_category and systems:
        categories = sorted(by_category)
        grid = np.array([[np.mean(by_category[c][s]) if by_category[c].get(s) else np.nan for s in systems]
                         for c in categories])
        fig, ax = plt.subplots(figsize=(1.3 * len(systems) + 4, 0.4 * len(categories) + 1.5), dpi=100)
        image = ax.imshow(grid, cmap="viridis", aspect="auto", vmin=low, vmax=high)
        ax.set_xticks(range(len(systems)), [label(s) for s in systems])
        ax.set_yticks(range(len(categories)), [label(c) for c in categories])
        middle = (low + high) / 2
        for (row, col), value in np.ndenumerate(grid):
            if not np.isnan(value):
                ax.text(col, row, f"{value:.2f}", ha="center", va="center", fontsize=8,
                        color="black" if value > middle else "white")
        fig.colorbar(image, ax=ax, label=label(title))
        fig.tight_layout()
        path = Path(out_dir) / "heatmap.png"
        fig.savefig(path)
        plt.close(fig)
        written.append(path)
    return written
