"""The verdict line on records written by the real runner, with judgments appended as records."""

import json

import pytest

from harness.config import RunConfig
from harness.hashing import hash_text
from harness.records import Judgment
from harness.run_records import collect
from harness.report.verdict import verdict_lines
from harness.rubric import load_rubric
from harness.runner import run, score_run
from harness.store import JsonlStore
from systems.base.system import BaseSystem
from tests.conftest import write_jsonl

RUBRIC = load_rubric("cultural_nuance")


class FakeRag(BaseSystem):  # only families matter here: the verdict compares the SFT and RAG families
    name = "rag"
    family = "rag"


class FakeSft(BaseSystem):
    name = "sft"
    family = "sft"
    question_template = "Answer briefly: {question}"


@pytest.fixture(autouse=True)
def fake_contenders(monkeypatch):
    from harness import registry

    monkeypatch.setitem(registry.SYSTEMS._loaded, "rag", FakeRag)
    monkeypatch.setitem(registry.SYSTEMS._loaded, "sft", FakeSft)


def judged_results(tmp_path, tiny_model, n_items, sft_score, rag_score, judge="strong", systems=None):
    """``systems``: variant name -> kind; every variant of a kind gets that kind's scores."""
    systems = systems or {"rag": "rag", "sft": "sft"}
    items = [{"id": f"i{k}", "question": f"Question number {k} about Indian customs?", "category": "c",
              "key_points": [f"point {k}"]} for k in range(n_items)]
    bench = write_jsonl(tmp_path / "b.jsonl", items)
    result = run(RunConfig(systems={name: {"kind": kind} for name, kind in systems.items()}, benchmark=str(bench),
                           model=str(tiny_model), out=str(tmp_path), max_new_tokens=12))
    generations = result.run_dir / "generations.jsonl"
    answers = [json.loads(line) for line in generations.read_text().splitlines()]
    for answer in answers:  # the tiny random model answers alike; the verdict needs distinct answers
        answer["text"] = f"{answer['system']} says {answer['item_id']}"
        answer["answer_hash"] = hash_text(answer["text"])
    generations.write_text("".join(json.dumps(a) + "\n" for a in answers))
    score_run(result.run_dir)  # key-point coverage of the rewritten answers
    store = JsonlStore(result.run_dir / "judgments.jsonl")
    for answer in answers:
        k = int(answer["item_id"][1:])
        value = sft_score(k) if systems[answer["system"]] == "sft" else rag_score(k)
        store.append(Judgment(key=f"{answer['system']}-{k}", run_id=result.run_id, item_id=answer["item_id"],
                              system=answer["system"], judge=judge, judge_fingerprint="x", rubric=RUBRIC.name,
                              rubric_version=RUBRIC.version, answer_hash=hash_text(answer["text"]), answer_chars=9,
                              status="ok", scores={c: value for c in RUBRIC.criterion_ids}))
    store.close()
    return collect(tmp_path)


def test_clear_gap_names_the_leader_with_ci_and_p(tmp_path, tiny_model):
    line = verdict_lines(judged_results(tmp_path, tiny_model, 30, lambda k: 3 + (k % 3 == 0), lambda k: 2 + (k % 2)))
    assert line.startswith("**SFT vs RAG on cultural nuance: SFT ahead by") and "n = 30" in line
    assert "judge: strong" in line


def test_no_difference_states_the_detectable_size(tmp_path, tiny_model):
    line = verdict_lines(judged_results(tmp_path, tiny_model, 12, lambda k: 3 + (k % 2), lambda k: 3 + ((k + 1) % 2)))
    assert "no significant difference at n = 12" in line and "cannot be detected with this many items" in line
    assert "unconfirmed" not in line


def test_a_bootstrap_interval_that_leaves_out_zero_without_a_significant_test_is_flagged(tmp_path, tiny_model):
    line = verdict_lines(judged_results(tmp_path, tiny_model, 12, lambda k: 3 + (k < 4), lambda k: 3))
    assert "no significant difference at n = 12" in line and "95% CI +0." in line
    assert "treat the gap as unconfirmed" in line


def test_identical_scores_say_the_signal_cannot_separate_instead_of_a_zero_detectable_size(tmp_path, tiny_model):
    line = verdict_lines(judged_results(tmp_path, tiny_model, 12, lambda k: 3, lambda k: 3))
    assert "scored the same on every item (mean 3.00 points" in line and "cannot separate them here" in line
    assert "cannot be detected" not in line


def test_weak_judge_verdict_is_followed_by_the_automatic_coverage_line(tmp_path, tiny_model):
    comparison = judged_results(tmp_path, tiny_model, 12, lambda k: 3, lambda k: 3, judge="embedded")
    judged, automatic = verdict_lines(comparison).split("\n\n")
    assert "judge: embedded" in judged and "a weak judge" in judged
    assert "automatic key-point coverage, not a judge" in automatic and "n = 12" in automatic


def test_strong_judge_verdict_stands_alone(tmp_path, tiny_model):
    line = verdict_lines(judged_results(tmp_path, tiny_model, 12, lambda k: 3, lambda k: 3))
    assert "\n\n" not in line and "key-point coverage" not in line


def test_best_variants_are_named_and_the_choice_is_holm_corrected(tmp_path, tiny_model):
    systems = {"rag-k4": "rag", "rag-k8": "rag", "sft-r16": "sft", "sft-r64": "sft"}
    comparison = judged_results(tmp_path, tiny_model, 30, lambda k: 3 + (k % 3 == 0), lambda k: 2 + (k % 2),
                                systems=systems)
    line = verdict_lines(comparison)
    assert line.startswith("**SFT-R16 vs RAG-K4 on cultural nuance: SFT-R16 ahead by")  # ties: the first listed
    assert "best of 2 x 2 variants" in line and "Holm-corrected over all 4 pairs" in line


def test_families_come_from_the_manifest_not_the_names(tmp_path, tiny_model):
    comparison = judged_results(tmp_path, tiny_model, 12, lambda k: 3, lambda k: 3,
                                systems={"retrieval": "rag", "tuned": "sft"})
    assert comparison.families() == {"retrieval": "rag", "tuned": "sft"}
    assert "TUNED vs RETRIEVAL" in verdict_lines(comparison)


def test_a_weak_judge_verdict_cites_the_coverage_check_next_to_its_own(tmp_path, tiny_model):
    from harness.judge.check import CoverageJudge, run_check, select_items
    from harness.report.leaderboard import judge_check_line

    comparison = judged_results(tmp_path, tiny_model, 12, lambda k: 3, lambda k: 3, judge="embedded")
    assert judge_check_line(comparison, tmp_path).startswith("Judge embedded has no judge check")
    assert "Automatic signal" not in judge_check_line(comparison, tmp_path)
    chosen, pool = select_items("indian_cultural_nuance", "dev", 3)
    run_check(tmp_path, CoverageJudge(RUBRIC), RUBRIC, chosen, pool)
    line = judge_check_line(comparison, tmp_path)
    assert "Automatic signal: " in line and ("judge coverage failed its check" in line or "(coverage," in line)
    (tmp_path / "strong").mkdir()
    strong = judged_results(tmp_path / "strong", tiny_model, 12, lambda k: 3, lambda k: 3)
    (tmp_path / "strong" / "judge_checks").mkdir()
    (tmp_path / "strong" / "judge_checks" / "checks.jsonl").write_bytes(
        (tmp_path / "judge_checks" / "checks.jsonl").read_bytes())
    assert "Automatic signal" not in judge_check_line(strong, tmp_path / "strong")  # a strong judge stands alone
