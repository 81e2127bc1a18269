"""Length-controlled win rates on games from scripted judges: a length-loving one and a fair one."""

import numpy as np
import pytest

from harness.hashing import hash_text
from harness.records import Item
from harness.report.judge_sections import overview_section
from harness.report.length_sections import length_control_section
from harness.stats.length_control import disagree, length_controlled_win_rate
from tests.harness.comparisons import make_comparison


def scripted_games(n, quality_gap, length_bias, mean_longer, seed=0):
    """Per item: lengths of A and B, and A's both-order outcome from a judge that weighs quality and length."""
    rng = np.random.default_rng(seed)
    len_b = rng.integers(300, 900, n).astype(float)
    len_a = np.clip(len_b * np.exp(rng.normal(mean_longer, 0.5, n)), 50, None)
    z = (len_a - len_b) / np.std(len_a - len_b)
    p_win = 1 / (1 + np.exp(-(quality_gap + length_bias * np.tanh(z))))
    draw = rng.uniform(size=n)
    outcome = np.where(draw < p_win * 0.85, 1.0, np.where(draw > 1 - (1 - p_win) * 0.85, 0.0, 0.5))
    return outcome, len_a, len_b


def test_a_length_loving_judge_inflates_raw_wins_and_the_control_removes_most_of_it():
    outcome, len_a, len_b = scripted_games(400, quality_gap=0.0, length_bias=3.0, mean_longer=0.4)
    result = length_controlled_win_rate(outcome, len_a, len_b)
    assert result["raw"] > 0.65  # raw: the usually longer A looks better
    assert result["length_coef"] > 2.0
    assert abs(result["controlled"] - 0.5) < 0.3 * (result["raw"] - 0.5)
    assert result["ci_low"] < 0.5 < result["ci_high"]


def test_a_fair_judge_leaves_the_win_rate_alone():
    outcome, len_a, len_b = scripted_games(400, quality_gap=1.0, length_bias=0.0, mean_longer=0.4, seed=1)
    result = length_controlled_win_rate(outcome, len_a, len_b)
    assert result["raw"] > 0.65 and abs(result["length_coef"]) < 0.5
    assert result["controlled"] == pytest.approx(result["raw"], abs=0.06)
    assert result["ci_low"] > 0.5


def test_a_better_but_shorter_system_loses_raw_and_wins_controlled():
    outcome, len_a, len_b = scripted_games(400, quality_gap=0.8, length_bias=4.0, mean_longer=-0.6, seed=2)
    result = length_controlled_win_rate(outcome, len_a, len_b)
    assert result["raw"] < 0.5 < result["controlled"]
    assert disagree(result["raw"], result["controlled"])


def test_inputs_are_checked_and_a_sweep_stays_finite():
    with pytest.raises(ValueError):
        length_controlled_win_rate([1.0, 0.3], [1, 2], [2, 1])
    with pytest.raises(ValueError):
        length_controlled_win_rate([1.0], [1, 2], [2, 1])
    result = length_controlled_win_rate([1.0] * 10, list(range(10)), [5] * 10)  # separation: no infinities
    assert 0.5 < result["controlled"] < 1.0 and np.isfinite(result["length_coef"])
    assert not disagree(0.7, 0.6) and not disagree(0.5, 0.4) and disagree(0.6, 0.4)


def test_sections_show_the_column_and_warn_when_the_leader_flips(tmp_path):
    outcome, len_a, len_b = scripted_games(120, quality_gap=0.8, length_bias=4.0, mean_longer=-0.6, seed=2)
    items = [Item(id=f"i{k}", question="q?") for k in range(len(outcome))]
    answers = {"good": {}, "long": {}}
    for k, item in enumerate(items):
        answers["good"][item.id] = "g" * int(len_a[k]) + str(k)
        answers["long"][item.id] = "l" * int(len_b[k]) + str(k)
    comparison = make_comparison(tmp_path, items, {s: {"answers": a, "judge": {i.id: 3.0 for i in items}}
                                                   for s, a in answers.items()}, judge="strong")
    for k, item in enumerate(items):  # both orders agree, so the combined outcome is the scripted one
        hg, hl = hash_text(answers["good"][item.id]), hash_text(answers["long"][item.id])
        first = {1.0: "first", 0.0: "second", 0.5: "tie"}[outcome[k]]
        second = {1.0: "second", 0.0: "first", 0.5: "tie"}[outcome[k]]
        comparison.games[("strong", item.id, hg, hl)] = {"status": "ok", "verdict": first}
        comparison.games[("strong", item.id, hl, hg)] = {"status": "ok", "verdict": second}
    text = length_control_section(comparison)
    row = next(line for line in text.splitlines() if line.startswith("| good vs long"))
    raw, lc = float(row.split(" | ")[2]), float(row.split(" | ")[3].split()[0])
    assert raw < 0.5 < lc and "**yes**" in row
    assert "raw and length-controlled results disagree on who wins" in text
    assert "raw wins favour long" in text
    overview = overview_section(comparison)
    assert "length-controlled win rate [95% CI]" in overview
    header = next(line for line in overview.splitlines() if line.startswith("| system"))
    good = next(line for line in overview.splitlines() if line.startswith("| good"))
    column = header.split(" | ").index("length-controlled win rate [95% CI]")
    assert float(good.split(" | ")[column].split()[0]) == pytest.approx(lc, abs=1e-9)
    assert length_control_section(make_comparison(tmp_path / "none", items[:3], {"x": {}, "y": {}})) == ""
