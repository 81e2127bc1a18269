"""Judging a real run: order swap, unparsed accounting, caching, and judges over HTTP on loopback."""

import json

import pytest

from harness.config import RunConfig
from harness.judge.judge import Judge, JudgeSpec, parse_judge_spec
from harness.judge.run import judge_comparison
from harness.run_records import collect
from harness.report.judged import outcomes
from harness.rubric import load_rubric
from harness.runner import run
from tests.http_helpers import JsonHandler, serving

RUBRIC = load_rubric("cultural_nuance")


@pytest.fixture
def finished_run(tiny_model, sample_benchmark, tmp_path):
    run(RunConfig(systems=["base", "prompted"], benchmark=str(sample_benchmark), model=str(tiny_model),
                  out=str(tmp_path), max_new_tokens=6))
    return tmp_path


class Scripted(JsonHandler):
    """An OpenAI-compatible judge that answers by rule: the first-shown answer always wins (position
    bias), and single grades give accuracy 4 with log-probabilities over the score digits."""

    def do_POST(self):
        body = self.read_json()
        prompt = body["messages"][0]["content"]
        if "VERDICT: A" in prompt:
            text, logprobs = "A looks better.\nVERDICT: A", None
        else:
            lines = [f"SCORE {c}: 4" for c in RUBRIC.criterion_ids] + ["FLAG harmful: no"]
            text = "Fine.\n" + "\n".join(lines)
            tokens = ["Fine.\n"] + [piece for line in lines for piece in (line[:-1], line[-1], "\n")][:-1]
            logprobs = [{"token": t, "logprob": 0.0, "top_logprobs": []} for t in tokens]
            logprobs[2]["top_logprobs"] = [{"token": "4", "logprob": -0.105}, {"token": "2", "logprob": -2.3}]
        choice = {"message": {"content": text}, "finish_reason": "stop"}
        if logprobs and body.get("logprobs"):
            choice["logprobs"] = {"content": logprobs}
        self.send_json({"model": "judge", "choices": [choice], "usage": {"prompt_tokens": 9, "completion_tokens": 9}})


@pytest.fixture
def scripted_judge_url():
    with serving(Scripted) as url:
        yield url


def test_order_swap_turns_position_bias_into_ties_and_geval_weights(finished_run, scripted_judge_url):
    judge = Judge(parse_judge_spec(f"openai:judge@{scripted_judge_url}"), RUBRIC)
    comparison = collect(finished_run)
    counts = judge_comparison(finished_run, comparison, judge)
    assert counts == {"single": 8, "pairwise": 8, "unparsed": 0}
    comparison = collect(finished_run)
    result = outcomes(comparison, judge.spec.name, "base", "prompted")
    assert set(result["results"].values()) == {"tie"} and result["inconsistent"] == 4
    grade = comparison.judgment(judge.spec.name, "base", comparison.items[0].id)
    assert grade["weighted"] and 3.7 < grade["scores"]["accuracy"] < 4.0  # 4 with p .9, 2 with p .1
    assert grade["scores"]["respect"] == 4.0

    again = judge_comparison(finished_run, collect(finished_run), judge)  # cached by key: nothing re-asked
    assert again == {"single": 0, "pairwise": 0, "unparsed": 0}
    board = (finished_run / "leaderboard.md")
    from harness.report.leaderboard import write_leaderboard

    write_leaderboard(finished_run)
    text = board.read_text()
    assert "Judge health" in text and "| openai:judge@" in text


def test_a_real_model_behind_a_loopback_server_is_retried_then_unparsed(finished_run, tiny_model):
    from harness.backends.hf import TransformersBackend
    from harness.serve import serve_in_thread

    server, url = serve_in_thread(TransformersBackend(model=str(tiny_model)))
    try:
        judge = Judge(JudgeSpec("tiny", "openai", str(tiny_model), url), RUBRIC, retries=1, max_new_tokens=8)
        counts = judge_comparison(finished_run, collect(finished_run), judge, pairwise=False)
    finally:
        server.shutdown()
    assert counts["single"] == 8 and counts["unparsed"] == 8  # gibberish is never turned into a score
    records = [json.loads(line) for run_dir in (finished_run / "runs").iterdir()
               for line in (run_dir / "judgments.jsonl").read_text().splitlines()]
    assert all(r["status"] == "unparsed" and r["scores"] == {} and r["attempts"] == 2 for r in records)


def test_embedded_form_filling_judge_always_scores(finished_run, tiny_model):
    judge = Judge(JudgeSpec("tiny-form", "hf", str(tiny_model), mode="form"), RUBRIC)
    counts = judge_comparison(finished_run, collect(finished_run), judge)
    assert counts["unparsed"] == 0 and counts["single"] == 8 and counts["pairwise"] == 8
    grade = collect(finished_run).judgment("tiny-form", "prompted", "q1")
    assert set(grade["scores"]) == set(RUBRIC.criterion_ids)
    assert all(1.0 <= v <= 5.0 for v in grade["scores"].values())


def test_bad_judge_spec():
    from harness.errors import UserError

    with pytest.raises(UserError, match="unknown judge kind"):
        parse_judge_spec("gpt-4")
