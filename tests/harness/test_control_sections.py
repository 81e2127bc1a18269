"""Control-benchmark sections on scripted runs: a regression against base and planted India insertions."""

import numpy as np

from harness.records import Item
from harness.report.control_sections import control_section, control_verdict_line, insertion_rate
from tests.harness.comparisons import make_comparison

CLEAN = "Bow slightly when you greet someone, and bring a small gift wrapped neatly."
INSERTED = "Bow slightly when you greet someone. Many also say namaste with folded hands, as people do in India."


def scripted(tmp_path, n=40, inserted=12):
    rng = np.random.default_rng(0)
    control_items = [Item(id=f"c{k}", question=f"How do people greet hosts in Japan ({k})?", key_points=["x"])
                     for k in range(n)]
    base_cov = {i.id: float(rng.uniform(0.3, 0.7)) for i in control_items}
    control = make_comparison(tmp_path, control_items, {
        "base": {"entry": {"family": "base"}, "coverage": base_cov,
                 "answers": {i.id: CLEAN for i in control_items}},
        "rag": {"entry": {"family": "rag"},
                "coverage": {i: v + float(rng.normal(0, 0.02)) for i, v in base_cov.items()},
                "answers": {i.id: CLEAN for i in control_items}},
        "sft": {"entry": {"family": "sft"}, "coverage": {i: v - 0.05 + float(rng.normal(0, 0.02))
                                                          for i, v in base_cov.items()},
                "answers": {i.id: INSERTED if k < inserted else CLEAN for k, i in enumerate(control_items)}},
    }, name="general_control")
    main_items = [Item(id=f"m{k}", question=f"q{k}?", key_points=["x"]) for k in range(n)]
    main_base = {i.id: float(rng.uniform(0.1, 0.3)) for i in main_items}
    main = make_comparison(tmp_path, main_items, {
        "base": {"entry": {"family": "base"}, "coverage": main_base},
        "rag": {"entry": {"family": "rag"}, "coverage": {i: v + 0.2 for i, v in main_base.items()}},
        "sft": {"entry": {"family": "sft"}, "coverage": {i: v + 0.1 + float(rng.normal(0, 0.02))
                                                          for i, v in main_base.items()}},
    }, name="main")
    return main, control


def test_regression_insertion_rates_and_verdict(tmp_path):
    main, control = scripted(tmp_path)
    rate, lo, hi, n = insertion_rate(control, "sft")
    assert rate == 12 / 40 and lo < 0.3 < hi and n == 40
    assert insertion_rate(control, "base")[0] == 0.0
    text = control_section(main, control)
    sft_row = next(line for line in text.splitlines() if line.startswith("| sft"))
    cells = sft_row.split(" | ")
    diff, lo_ci, hi_ci = (float(x) for x in cells[1].replace("[", "").replace("]", "").replace(",", "").split())
    assert diff < -0.04 and hi_ci < 0  # a real loss of general ability, detected
    assert cells[2].startswith("30% [") and "c0, c1, c2" in cells[3]
    assert "| base | (reference) | 0% [0%, 0%] | - |" in text
    line = control_verdict_line(main, control)
    assert line.startswith("SFT gains +0.10 relative to base on cultural nuance") and "loses -0.05" in line
    assert line.endswith("India-insertion 30% vs base 0%.")
    assert line in text


def test_nothing_without_a_control_run_or_base(tmp_path):
    main, control = scripted(tmp_path, n=6, inserted=0)
    assert control_section(main, None) == "" and control_verdict_line(main, None) == ""
    assert control_verdict_line(main, control, system="uft") == ""
