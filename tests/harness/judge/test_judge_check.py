"""`judge check` catches scripted judges by the right number: a perfect judge passes, a position-biased
one has no position consistency, a length-loving one prefers the padded answer, a yes-man passes
falsified and off-topic sentences as faithful. Judges run over HTTP on loopback, as any
OpenAI-compatible endpoint would."""

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
SUPPORT_MARK = "[Answer sentences]"
SENTENCES = re.compile(r"<<<SENTENCES\n(.*?)\nSENTENCES>>>", re.DOTALL)
PASSAGES = re.compile(r"<<<PASSAGE (\d+)\n(.*?)\nPASSAGE \1>>>", re.DOTALL)


def f1(answer: str, reference: str) -> float:
    """Word-level F1 against the reference: what a perfect reference-guided grader rewards."""
    a, r = Counter(re.findall(r"\w+", answer.lower())), Counter(re.findall(r"\w+", reference.lower()))
    common = sum((a & r).values())
    if not common:
        return 0.0
    precision, recall = common / sum(a.values()), common / sum(r.values())
    return 2 * precision * recall / (precision + recall)


def words_in(sentence: str, passages: list[str]) -> bool:
    return set(re.findall(r"\w+", sentence.lower())) <= set(re.findall(r"\w+", " ".join(passages).lower()))


def faithful(sentences: list[str], passages: list[str]) -> str:
    """A perfect support checker: a sentence is supported iff every word of it is in the passages."""
    return "\n".join(f"{n}: {'SUPPORTED' if words_in(s, passages) else 'UNSUPPORTED'}"
                     for n, s in enumerate(sentences, 1))


def yes_man(sentences: list[str], passages: list[str]) -> str:
    return "\n".join(f"{n}: SUPPORTED" for n in range(1, len(sentences) + 1))


def scripted(quality, prefer, support=faithful):
    """A judge whose single grades put probability ``quality(answer, reference)`` on 5 (the rest on 1),
    read back through G-Eval log-probabilities, whose pairwise verdict is ``prefer(a, b, reference)`` and
    whose faithfulness reply is ``support(sentences, passages)``."""

    class Handler(JsonHandler):
        calls = 0
        support_calls = 0

        def do_POST(self):
            type(self).calls += 1
            body = self.read_json()
            prompt = body["messages"][0]["content"]
            logprobs = None
            if SUPPORT_MARK in prompt:
                type(self).support_calls += 1
                numbered = SENTENCES.search(prompt).group(1).split("\n")
                sentences = [re.sub(r"^\d+\. ", "", line) for line in numbered]
                text = support(sentences, [p for _, p in PASSAGES.findall(prompt)])
            elif "VERDICT: A" in prompt:
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
YES_MAN = scripted(f1, by_f1, support=yes_man)
SUPPORT_GIBBERISH = scripted(f1, by_f1, support=lambda sentences, passages: "They all look fine to me.")
ALL_RIGHT = {"supported": 1.0, "falsified": 1.0, "off_topic": 1.0, "unsupported": 1.0, "balanced": 1.0,
             "unparsed": 0.0}


@pytest.fixture(scope="module")
def selection():
    return select_items("indian_cultural_nuance", "dev", 6)


def check_with(handler, selection, out, times: int = 1, **options):
    """Check the scripted judge ``times`` times over one server (its URL is part of the judge's identity)."""
    chosen, pool = selection
    with serving(handler) as url:
        judges = [Judge(parse_judge_spec(f"openai:judge@{url}"), RUBRIC, retries=0) for _ in range(times)]
        checks = [run_check(out, judge, RUBRIC, chosen, pool, **options) for judge in judges]
    return (checks, judges[0]) if times > 1 else (checks[0], judges[0])


def test_perfect_judge_passes_and_a_rerun_is_free(selection, tmp_path):
    calls, support_calls = PERFECT.calls, PERFECT.support_calls
    (check, again), judge = check_with(PERFECT, selection, tmp_path, times=2)
    assert PERFECT.support_calls - support_calls == 6  # one faithfulness prompt per item
    assert again == check and PERFECT.calls - calls == 39 + 66 + 6  # the rerun is read back by key, never re-asked
    assert check.passed, check.failures
    assert check.support == ALL_RIGHT
    assert check.support_n["replies"] == 6 and check.support_n["supported"] == 6 * 2
    assert check.support_n["falsified"] >= 1 and check.support_n["off_topic"] == 6
    assert check.order_correct == 1.0 and check.order_correct_single == 1.0
    assert check.position_consistency == 1.0 and check.length_preference == 0.0 and check.unparsed_rate == 0.0
    assert all(row.separation > 0 and row.separation_ci[0] > 0 for row in check.contrasts)
    assert latest_check(tmp_path, judge.fingerprint, RUBRIC.name, RUBRIC.version) == check
    assert latest_check(tmp_path, judge.fingerprint, RUBRIC.name, "other-version") is None
    sentence = check_sentence(check)
    assert sentence.startswith("judge check") and "100% of controlled contrasts ordered correctly" in sentence
    assert "position consistency 1.00" in sentence and sentence.endswith("(pass).")
    assert "faithfulness: 100% of supported and 100% of unsupported sentences marked correctly" in sentence
    page = markdown([check])
    assert "Faithfulness: sentences checked" in page and "| reference sentences | SUPPORTED | 12 | 100% |" in page


def test_support_replies_are_cached_apart_from_the_check(selection, tmp_path):
    """Another check of the same judge (here without pairwise games) re-asks no faithfulness prompt."""
    from harness.store import JsonlStore

    chosen, pool = selection
    with serving(PERFECT) as url:
        judge = Judge(parse_judge_spec(f"openai:judge@{url}"), RUBRIC, retries=0)
        first = run_check(tmp_path, judge, RUBRIC, chosen, pool, pairwise=False)
        stored = list(JsonlStore(tmp_path / "judge_checks" / "support.jsonl"))
        assert len(stored) == 6 and {r["status"] for r in stored} == {"ok"}
        assert {r["system"] for r in stored} == {"support-controls"} and all(r["sentences"] for r in stored)
        support_calls = PERFECT.support_calls
        second = run_check(tmp_path, judge, RUBRIC, chosen, pool)  # another check key, the same support cases
    assert PERFECT.support_calls == support_calls and first.key != second.key
    assert second.order_correct_pairwise == 1.0 and second.support == first.support == ALL_RIGHT


def test_yes_man_support_judge_fails_on_falsified_and_off_topic_sentences(selection, tmp_path):
    check, _ = check_with(YES_MAN, selection, tmp_path)
    assert check.order_correct == 1.0 and check.position_consistency == 1.0  # its grades are fine
    assert check.support["supported"] == 1.0 and check.support["falsified"] == 0.0
    assert check.support["off_topic"] == 0.0 and check.support["balanced"] == 0.5 and check.support["unparsed"] == 0.0
    assert not check.passed
    assert check.failures == ["faithfulness falsified: 0% of sentences marked correctly (needs 80%)",
                              "faithfulness off_topic: 0% of sentences marked correctly (needs 80%)"]
    assert "faithfulness falsified: 0%" in check_sentence(check)
    assert "faithfulness: 100% of supported and 0% of unsupported sentences" in check_sentence(check)


def test_gibberish_support_replies_are_counted_unparsed_never_scored(selection, tmp_path):
    check, _ = check_with(SUPPORT_GIBBERISH, selection, tmp_path)
    assert check.unparsed_rate == 0.0 and check.order_correct == 1.0
    assert check.support == {"supported": None, "falsified": None, "off_topic": None, "unsupported": None,
                             "balanced": None, "unparsed": 1.0}
    assert check.support_n == {"supported": 0, "falsified": 0, "off_topic": 0, "replies": 6}
    assert not check.passed and check.failures == ["faithfulness unparsed 100% (at most 5%)"]
    assert "faithfulness: " not in check_sentence(check).split("Measured:")[1]


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
    assert check.support["unparsed"] == 1.0 and check.support["balanced"] is None
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


def test_cli_judge_faithfulness_off_leaves_the_support_figures_out(tmp_path):
    args = ["judge", "check", "--limit", "3", "--no-pairwise", "--out", str(tmp_path)]
    support_calls = PERFECT.support_calls
    with serving(PERFECT) as url:
        assert main([*args, "--judge", f"openai:judge@{url}", "--judge-faithfulness", "off"]) == 0
        assert PERFECT.support_calls == support_calls
        off = {c.judge: c for c in load_checks(tmp_path)}
        assert off[f"openai:judge@{url}"].support is None and off[f"openai:judge@{url}"].support_n == {}
        assert "Faithfulness" not in (tmp_path / "judge_check.md").read_text()
        assert main([*args, "--judge", f"openai:judge@{url}"]) == 0  # auto: a new check, not the stored one
    assert PERFECT.support_calls == support_calls + 3
    checks = [c for c in load_checks(tmp_path) if c.judge == f"openai:judge@{url}"]
    assert [c.support is not None for c in checks] == [False, True] and checks[0].key != checks[1].key
    assert checks[1].support == ALL_RIGHT and "Faithfulness" in (tmp_path / "judge_check.md").read_text()
    assert all(c.support is None for c in load_checks(tmp_path) if c.judge == "coverage")  # never for coverage


def test_a_check_stored_before_the_faithfulness_contrast_still_loads(selection, tmp_path):
    from harness.records import JudgeCheck

    check, _ = check_with(PERFECT, selection, tmp_path, support="off")
    old = check.model_dump(exclude={"support", "support_n"})
    assert JudgeCheck(**old).support is None and JudgeCheck(**old).support_n == {}
    assert "faithfulness" not in check_sentence(JudgeCheck(**old)) and "Faithfulness" not in markdown([check])


def test_unknown_contrast_in_thresholds_is_a_user_error(selection, tmp_path):
    from harness.errors import UserError

    rubric = RUBRIC.model_copy(deep=True)
    rubric.judge_check.min_correct_order_by_contrast["falsifed"] = 0.9
    with pytest.raises(UserError, match="did you mean|falsified"):
        check_judges(["coverage"], rubric, benchmark="indian_cultural_nuance", split="dev", limit=2, out=str(tmp_path))
