"""Render the rubric's judge prompts for one item and one or two answers."""

from __future__ import annotations

from harness.records import Item
from harness.rubric import Rubric

MISSING = "(not provided)"


def _bullets(values: list[str]) -> str:
    return "\n".join(f"- {v}" for v in values) if values else MISSING


def _fence(text: str) -> str:
    # an answer cannot close our delimiters early: neutralise look-alike markers inside it
    return text.replace("ANSWER>>>", "ANSWER>> >").replace("<<<ANSWER", "< <<ANSWER")


def single_prompt(rubric: Rubric, item: Item, answer: str) -> list[dict[str, str]]:
    text = rubric.single_prompt.format(
        question=item.question, reference_answer=item.reference_answer or MISSING,
        key_points=_bullets(item.key_points), pitfalls=_bullets(item.pitfalls), answer=_fence(answer),
        criteria=rubric.criteria_text(), verdict_format=rubric.verdict_format.strip())
    return [{"role": "user", "content": text}]


def pairwise_prompt(rubric: Rubric, item: Item, answer_a: str, answer_b: str) -> list[dict[str, str]]:
    text = rubric.pairwise_prompt.format(
        question=item.question, reference_answer=item.reference_answer or MISSING,
        key_points=_bullets(item.key_points), pitfalls=_bullets(item.pitfalls),
        answer_a=_fence(answer_a), answer_b=_fence(answer_b))
    return [{"role": "user", "content": text}]
