"""The leaderboard's PNGs: written from real run records, drawn on the score's whole scale."""

from harness.report.plots import JUDGE_SCALE, plot_scale, system_scores, write_plots
from tests.harness.test_verdict import fake_contenders, judged_results  # noqa: F401 (fixture)


def test_plots_are_written_on_the_judge_scale(tmp_path, tiny_model):
    import matplotlib.image

    comparison = judged_results(tmp_path, tiny_model, 6, lambda k: 3, lambda k: 2 + (k % 2))
    label, by_system, by_category = system_scores(comparison)
    assert label == "judge score (strong)" and plot_scale(label) == JUDGE_SCALE
    assert sorted(by_system["sft"]) == [3.0] * 6 and by_category["c"]["rag"].count(3.0) == 3

    paths = write_plots(comparison, tmp_path)
    assert [p.name for p in paths] == ["scores.png", "heatmap.png"]
    for path in paths:
        height, width, _ = matplotlib.image.imread(path).shape
        assert height > 100 and width > 100


def test_coverage_plots_span_zero_to_one():
    assert plot_scale("key-point coverage") == (0.0, 1.0)
