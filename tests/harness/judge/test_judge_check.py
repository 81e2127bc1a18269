"""`judge check` catches scripted judges by the right number: a perfect judge passes, a position-biased
one has no position consistency, a length-loving one prefers the padded answer. Judges run over HTTP
on loopback, as any OpenAI-compatible endpoint would."""

import math
import re
from collections import Counter

import pytest

from harness.cli import main
from harness.judge.check import check_judges, latest_check, load_checks, run_check, select_items
from harness.report.judge_check import check_sentence, markdown
from harness.judge.judge import Judge, parse_judge_spec
from harness.rubric import load_rubric
from tests.http_helpers import JsonHandler, serving

RUBRIC = load_rubric("cultural_nuance")
SINGLE = re.compile(r"\[Reference answer\]\n(.*?)\n\n\[Key points.*<<<ANSWER\n(.*?)\nANSWER>>>", re.DOTALL)
PAIR = re.compile(r"\[Reference answer\]\n(.*?)\n\n\[Key points.*<<<ANSWER A\n(.*?)\nANSWER A>>>.*"
                  r"<<<ANSWER B\n(.*?)\nANSWER B>>>", re.DOTALL)


def f1(answer: str, reference: str) -> float:
    """Word-level F1 against the reference: what a perfect reference-guided grader rewards."""
    a, r = Counter(re.findall(r"\w+", answer.lower())), Counter(re.findall(r"\w+", reference.lower()))
    common = sum((a & r).values())
    if not common:
        return 0.0
    precision, recall = common / sum(a.values()), common / sum(r.values())
    return 2 * precision * recall / (precision + recall)


def scripted(quality, prefer):
    """A judge whose single grades put probability ``quality(answer, reference)`` on 5 (the rest on 1),
    read back through G-Eval log-probabilities, and whose pairwise verdict is ``prefer(a, b, reference)``."""

    class Handler(JsonHandler):
        calls = 0

        def do_POST(self):
            type(self).calls += 1
            body = self.read_json()
            prompt = body["messages"][0]["content"]
            logprobs = None
            if "VERDICT: A" in prompt:
                reference, a, b = PAIR.search(prompt).groups()
                text = f"Compared.\nVERDICT: {prefer(a, b, reference)}"
            else:
                reference, answer = SINGLE.search(prompt).groups()
                p = min(max(quality(answer, reference), 1e-6), 1 - 1e-6)
                lines = [f"SCORE {c}: 5" for c in RUBRIC.criterion_ids] + ["FLAG harmful: no"]
                text = "Graded.\n" + "\n".join(lines)
                tokens = ["Graded.\n"] + [piece for line in lines for piece in (line[:-1], line[-1], "\n")][:-1]
                logprobs = [{"token": t, "logprob": 0.0, "top_logprobs": []} for t in tokens]
                for k in range(len(RUBRIC.criterion_ids)):
                    logprobs[2 + 3 * k]["top_logprobs"] = [{"token": "5", "logprob": math.log(p)},
                                                           {"token": "1", "logprob": math.log(1 - p)}]
            choice = {"message": {"content": text}, "finish_reason": "stop"}
            if logprobs and body.get("logprobs"):
                choice["logprobs"] = {"content": logprobs}
            self.send_json({"model": "judge", "choices": [choice], "usage": {"prompt_tokens": 9, "completion_tokens": 9}})

    return Handler


def by_f1(a, b, reference):
    fa, fb = f1(a, reference), f1(b, reference)
    return "A" if fa > fb else "B" if fb > fa else "TIE"


PERFECT = scripted(f1, by_f1)
POSITION_BIASED = scripted(f1, lambda a, b, reference: "A")
LENGTH_LOVING = scripted(lambda answer, reference: min(1.0, len(answer) / 3000),
                         lambda a, b, reference: "A" if len(a) > len(b) else "B" if len(b) > len(a) else "TIE")


@pytest.fixture(scope="module")
def selection():
    return select_items("indian_cultural_nuance", "dev", 6)


def check_with(handler, selection, out, times: int = 1):
    """Check the scripted judge ``times`` times over one server (its URL is part of the judge's identity)."""
    chosen, pool = selection
    with serving(handler) as url:
        judges = [Judge(parse_judge_spec(f"openai:judge@{url}"), RUBRIC, retries=0) for _ in range(times)]
        checks = [run_check(out, judge, RUBRIC, chosen, pool) for judge in judges]
    return (checks, judges[0]) if times > 1 else (checks[0], judges[0])


def test_perfect_judge_passes_and_a_rerun_is_free(selection, tmp_path):
    calls = PERFECT.calls
    (check, again), judge = check_with(PERFECT, selection, tmp_path, times=2)
    assert again == check and PERFECT.calls - calls == 39 + 66  # the rerun is read back by key, never re-asked
    assert check.passed, check.failures
    assert check.order_correct == 1.0 and check.order_correct_single == 1.0
    assert check.position_consistency == 1.0 and check.length_preference == 0.0 and check.unparsed_rate == 0.0
    assert all(row.separation > 0 and row.separation_ci[0] > 0 for row in check.contrasts)
    assert latest_check(tmp_path, judge.fingerprint, RUBRIC.name, RUBRIC.version) == check
    assert latest_check(tmp_path, judge.fingerprint, RUBRIC.name, "other-version") is None
    sentence = check_sentence(check)
    assert sentence.startswith("judge check") and "100% of controlled contrasts ordered correctly" in sentence
    assert "position consistency 1.00" in sentence and sentence.endswith("(pass).")


def test_position_biased_judge_is_caught_by_position_consistency(selection, tmp_path):
    check, _ = check_with(POSITION_BIASED, selection, tmp_path)
    assert check.position_consistency == 0.0 and check.order_correct_pairwise == 0.0
    assert check.order_correct_single == 1.0  # its single grades are fine: only the pairwise games expose it
    assert not check.passed and any(f.startswith("position consistency 0.00") for f in check.failures)
    assert check.length_preference == 0.0  # an inconsistent pair is a tie, never a win for the padded answer
    assert check_sentence(check).startswith("the judge openai:judge@")


def test_length_loving_judge_is_caught_by_length_preference(selection, tmp_path):
    check, _ = check_with(LENGTH_LOVING, selection, tmp_path)
    length = next(row for row in check.contrasts if row.name == "length")
    assert check.length_preference == 1.0 and length.single_worse_wins == 1.0 and length.pairwise_worse_wins == 1.0
    assert check.position_consistency == 1.0  # it is consistent, just wrong
    assert not check.passed and any(f.startswith("length preference 100%") for f in check.failures)
    assert "| length |" in markdown([check]) and "FAIL" in markdown([check])


class Gibberish(JsonHandler):
    def do_POST(self):
        self.read_json()
        self.send_json({"model": "judge", "choices": [{"message": {"content": "no idea"}, "finish_reason": "stop"}]})


def test_unparsed_replies_are_counted_never_scored(selection, tmp_path):
    check, _ = check_with(Gibberish, selection, tmp_path)
    assert check.unparsed_rate == 1.0 and check.order_correct is None and not check.passed
    assert all(row.separation is None for row in check.contrasts)
    assert any(f.startswith("unparsed 100%") for f in check.failures)


def test_no_check_says_so_plainly():
    assert "has no judge check" in check_sentence(None, "embedded")


def test_cli_checks_the_panel_and_coverage_and_writes_markdown(tmp_path, capsys):
    with serving(PERFECT) as url:
        code = main(["judge", "check", "--judge", f"openai:judge@{url}", "--limit", "3", "--no-pairwise",
                     "--out", str(tmp_path)])
    assert code == 0
    text = (tmp_path / "judge_check.md").read_text()
    assert "## openai:judge@" in text and "## coverage" in text
    assert {c.judge for c in load_checks(tmp_path)} == {f"openai:judge@{url}", "coverage"}
    assert main(["judge", "--judge", "embedded", "--limit", "3", "--out", str(tmp_path)]) == 2
    assert "belong to 'judge check'" in capsys.readouterr().err


def test_unknown_contrast_in_thresholds_is_a_user_error(selection, tmp_path):
    from harness.errors import UserError

    rubric = RUBRIC.model_copy(deep=True)
    rubric.judge_check.min_correct_order_by_contrast["falsifed"] = 0.9
    with pytest.raises(UserError, match="did you mean|falsified"):
        check_judges(["coverage"], rubric, benchmark="indian_cultural_nuance", split="dev", limit=2, out=str(tmp_path))
