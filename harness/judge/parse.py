"""Parse judge replies. A reply that does not hold a complete verdict is ``None``, never a score.

Only the judge's own closing lines count: echoed answer blocks are removed first, and for each
criterion the last ``SCORE <criterion>: <n>`` line wins, so text such as "Score: 5" inside an
answer cannot fool the parser.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

ECHO = re.compile(r"<<<ANSWER.*?ANSWER(?: [AB])?>>>", re.DOTALL)
VERDICT = re.compile(r"^\s*\**\s*VERDICT\s*:\s*\**\s*(A|B|TIE)\b", re.IGNORECASE | re.MULTILINE)


@dataclass
class SingleVerdict:
    scores: dict[str, float]
    flags: dict[str, bool] = field(default_factory=dict)
    weighted: bool = False  # scores are G-Eval probability-weighted means


def strip_echo(text: str) -> str:
    return ECHO.sub(" ", text)


def score_line(criterion: str) -> re.Pattern:
    return re.compile(rf"^\s*\**\s*SCORE\s+{re.escape(criterion)}\s*\**\s*:\s*\**\s*([0-9]+(?:\.[0-9]+)?)\s*(?:/\s*5)?\s*\**\s*$",
                      re.IGNORECASE | re.MULTILINE)


def parse_single(text: str, criteria: list[str], flags: list[str], low: int = 1, high: int = 5) -> SingleVerdict | None:
    body = strip_echo(text)
    scores = {}
    for criterion in criteria:
        matches = list(score_line(criterion).finditer(body))
        if not matches:
            return None
        value = float(matches[-1].group(1))
        if not low <= value <= high or value != int(value):
            return None
        scores[criterion] = value
    parsed_flags = {}
    for flag in flags:
        found = re.findall(rf"^\s*\**\s*FLAG\s+{re.escape(flag)}\s*\**\s*:\s*\**\s*(yes|no)\b", body,
                           re.IGNORECASE | re.MULTILINE)
        if found:
            parsed_flags[flag] = found[-1].lower() == "yes"
    return SingleVerdict(scores, parsed_flags)


def parse_pairwise(text: str) -> str | None:
    """'a', 'b' or 'tie' from the last VERDICT line, or None."""
    matches = VERDICT.findall(strip_echo(text))
    return matches[-1].lower() if matches else None


def weighted_scores(logprobs: list[dict] | None, text: str, verdict: SingleVerdict, criteria: list[str],
                    low: int = 1, high: int = 5) -> SingleVerdict:
    """G-Eval: replace each parsed score by the probability-weighted mean over the score tokens.

    ``logprobs`` is the OpenAI chat format: one entry per generated token with ``token`` and
    ``top_logprobs``. The digit token of each criterion's last SCORE line is located by character
    offset in the tokens' text; when its alternatives hold no score digits, the parsed value is kept.
    """
    if not logprobs:
        return verdict
    offsets, position = [], 0
    for entry in logprobs:
        offsets.append(position)
        position += len(entry.get("token", ""))
    rebuilt = "".join(e.get("token", "") for e in logprobs)  # offsets are positions in this text
    body_start = 0
    echoes = list(ECHO.finditer(rebuilt))
    if echoes:
        body_start = echoes[-1].end()
    weighted, used = dict(verdict.scores), False
    for criterion in criteria:
        matches = [m for m in score_line(criterion).finditer(rebuilt) if m.start() >= body_start]
        if not matches:
            continue
        digit_at = matches[-1].start(1)
        index = max(i for i, start in enumerate(offsets) if start <= digit_at)
        mass = {}
        for alt in logprobs[index].get("top_logprobs") or []:
            token = alt.get("token", "").strip()
            if token.isdigit() and low <= int(token) <= high:
                mass[int(token)] = mass.get(int(token), 0.0) + math.exp(alt["logprob"])
        if mass:
            total = sum(mass.values())
            weighted[criterion] = sum(score * p for score, p in mass.items()) / total
            used = True
    return SingleVerdict(weighted, verdict.flags, weighted=used)
