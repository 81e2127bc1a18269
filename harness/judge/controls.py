"""Controlled answers for checking a judge, derived from benchmark items without an LLM.

Each item yields seven answers whose order is known in advance: the reference, and six ways of
breaking it (a falsified fact, missing key points, a committed pitfall, another item's answer,
a padded weaker answer, a bare restatement of the question). ``CONTRASTS`` names which answer
must beat which. Everything is seeded per item, so an item's controls do not depend on which
other items were selected:

    controls = build_controls(items, pool=all_items, seed=0)
    controls["fest-001"].answers["falsified"], controls["fest-001"].swap  # ('13', '26')
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from harness.records import Item

CONTROLS_VERSION = "1"
ANSWERS = ("reference", "incomplete", "falsified", "pitfall", "off_topic", "padded", "echo")


@dataclass(frozen=True)
class Contrast:
    name: str
    better: str
    worse: str
    what: str


CONTRASTS = (
    Contrast("falsified", "reference", "falsified", "a number, date, place or name swapped for another item's"),
    Contrast("incomplete", "reference", "incomplete", "the sentences holding half the key points removed"),
    Contrast("pitfall", "reference", "pitfall", "one sentence added that commits a listed pitfall"),
    Contrast("off_topic", "reference", "off_topic", "another item's reference answer"),
    Contrast("echo", "reference", "echo", "an answer that only restates the question"),
    Contrast("length", "reference", "padded", "the incomplete answer padded 2-3x with generic filler"),
)
LENGTH_CONTRAST = "length"

FILLER = (
    "That is a thoughtful question, and it is one that many people ask.",
    "Customs like this can vary from family to family, so it never hurts to ask politely.",
    "Being respectful, curious and open-minded goes a long way in any cultural setting.",
    "Every tradition has a long history, and people hold it in different ways today.",
    "It is always a good idea to observe what others around you are doing and follow their lead.",
    "People generally appreciate it when a visitor shows genuine interest in their traditions.",
    "There is no single right answer for everyone, and personal preferences matter too.",
    "Taking a little time to learn about the background usually makes the experience richer.",
    "When in doubt, a warm smile and a simple question will rarely go wrong.",
    "Many of these practices continue to evolve as families and communities change over time.",
    "Keeping an open mind helps you enjoy the occasion and connect with the people involved.",
    "Small gestures of courtesy are noticed and valued more than you might expect.",
)

_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[A-Za-z\u0900-\u0DFF]+|\d+")
_NUMBER = re.compile(r"(?<![\w.])\d+(?![\w])")
_NAME = re.compile(r"(?<![\w'])[A-Z][a-z]{2,}(?![\w'])")
_NOT_NAMES = {"The", "This", "That", "These", "Those", "They", "There", "Their", "Many", "Most", "Some", "Both",
              "Each", "Every", "Other", "Others", "Such", "When", "Where", "While", "What", "Which", "Who", "How",
              "Its", "His", "Her", "Our", "Your", "You", "Yes", "For", "But", "And", "With", "Without", "From",
              "After", "Before", "During", "Since", "Because", "Although", "Though", "Instead", "Also", "Often",
              "Usually", "Today", "Traditionally", "Historically", "However", "Not", "Never", "Nor", "Only",
              "Few", "All", "Any", "One", "Two", "Three", "Hindu", "Hindus", "Indian", "Indians", "India",
              "English", "Muslim", "Muslims", "Christian", "Christians", "Sikh", "Sikhs", "Jain", "Jains"}
_ASSERTING = re.compile(r"^(Assuming|Claiming|Saying|Stating|Thinking|Implying|Believing|Insisting|Suggesting|"
                        r"Inferring|Accepting)\s+(that\s+)?", re.IGNORECASE)
_RECASTING = re.compile(r"^(Treating|Presenting|Describing|Portraying|Labelling|Labeling|Framing|Reducing|"
                        r"Painting|Casting|Depicting)\s+(.+?)\s+(as|to)\s+(.+)$", re.IGNORECASE)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text.strip()) if s.strip()]


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def _stem(word: str) -> str:
    word = word.lower()
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


def _overlap(point: str, sentence: str) -> float:
    needed = {_stem(w) for w in words(point) if len(w) > 3}
    return len(needed & {_stem(w) for w in words(sentence)}) / len(needed) if needed else 0.0


@dataclass
class Controls:
    item: Item
    answers: dict[str, str]
    swap: tuple[str, str] | None = None  # (original, replacement) in the falsified answer
    removed: list[str] = field(default_factory=list)  # reference sentences missing from the incomplete answer
    pitfall: str | None = None  # the pitfall the pitfall answer commits
    off_topic_from: str | None = None

    @property
    def usable(self) -> list[str]:
        """Contrasts this item supports (no falsifiable fact or no pitfall leaves one out)."""
        return [c.name for c in CONTRASTS if self.answers.get(c.worse)]


def _incomplete(item: Item, parts: list[str]) -> tuple[str, list[str]]:
    """Drop the sentences that best carry the first half of the key points; keep at least one sentence."""
    if len(parts) < 2 or not item.key_points:
        return "", []
    half = item.key_points[: (len(item.key_points) + 1) // 2]
    drop = {max(range(len(parts)), key=lambda k: (_overlap(point, parts[k]), -k)) for point in half}
    if len(drop) == len(parts):  # every sentence carries a dropped point: keep the one carrying the fewest
        keep = min(range(len(parts)), key=lambda k: (max(_overlap(p, parts[k]) for p in half), k))
        drop.discard(keep)
    return " ".join(p for k, p in enumerate(parts) if k not in drop), [parts[k] for k in sorted(drop)]


def _facts(text: str, kind: str) -> list[str]:
    if kind == "number":
        return _NUMBER.findall(text)
    found = []
    for sentence in sentences(text):  # a capital that opens a sentence is no evidence of a name
        first = _WORD.search(sentence)
        found += [m.group() for m in _NAME.finditer(sentence)
                  if m.group() not in _NOT_NAMES and not (first and m.start() == first.start())]
    return found


def _falsify(item: Item, reference: str, pool: list[Item], rng: random.Random,
             common: set[str]) -> tuple[str, tuple[str, str] | None]:
    """Swap one number (else one name or place) for one taken from another item's reference.

    A capitalised word whose lowercase form also occurs in the pool ('North', 'Marriage') is an
    ordinary word, not a name, and is neither swapped out nor brought in.
    """
    own_text = " ".join([item.question, reference, *item.key_points, *item.pitfalls])
    own_words = set(words(own_text))
    question_words = set(words(item.question))
    key_text = " ".join(item.key_points)
    for kind in ("number", "name"):
        found = [f for f in dict.fromkeys(_facts(reference, kind)) if f not in question_words and f.lower() not in common]
        if not found:
            continue
        preferred = [f for f in found if f in words(key_text)] or found
        original = rng.choice(preferred)
        donors = sorted({f for other in pool if other.id != item.id and other.reference_answer
                         for f in _facts(other.reference_answer, kind)
                         if f not in own_words and f != original and f.lower() not in common})
        if kind == "number":
            same_width = [d for d in donors if len(d) == len(original)]
            donors = same_width or donors
        if not donors:
            continue
        replacement = rng.choice(donors)
        pattern = re.compile(rf"(?<![\w.]){re.escape(original)}(?![\w])" if kind == "number"
                             else rf"(?<![\w']){re.escape(original)}(?![\w'])")
        return pattern.sub(replacement, reference), (original, replacement)
    return "", None


def commit_pitfall(pitfall: str) -> str:
    """A sentence that asserts the pitfall, e.g. 'Assuming X' -> 'X.', 'Treating A as B' -> 'A is really B.'."""
    text = pitfall.strip().rstrip(".")
    asserted = _ASSERTING.match(text)
    if asserted:
        rest = text[asserted.end():]
        return rest[:1].upper() + rest[1:] + "."
    recast = _RECASTING.match(text)
    if recast and recast.group(3).lower() == "as":
        subject = recast.group(2)
        return f"Remember that {subject} is really {recast.group(4)}."
    return f"To be clear, {text[:1].lower() + text[1:]} is correct."


def _pad(weak: str, reference: str, rng: random.Random) -> str:
    target = max(2 * len(weak), int(1.3 * len(reference)))
    filler = list(FILLER)
    rng.shuffle(filler)
    lead, body = filler[0], [weak]
    for sentence in filler[1:]:
        if len(" ".join([lead, *body])) >= target:
            break
        body.append(sentence)
    return " ".join([lead, *body])


def echo_of(question: str) -> str:
    """The question's own words as statements: an answer that says nothing the question did not."""
    return question.strip().replace("?", ".")


def lowercase_words(pool: list[Item]) -> set[str]:
    return {w for other in pool for w in words(other.reference_answer or "") if w.islower()}


def controls_for(item: Item, pool: list[Item], seed: int = 0, common: set[str] | None = None) -> Controls | None:
    """The seven answers of one item, or None when it has no reference answer."""
    reference = (item.reference_answer or "").strip()
    if not reference:
        return None
    rng = random.Random(f"{seed}:{item.id}")
    parts = sentences(reference)
    incomplete, removed = _incomplete(item, parts)
    common = lowercase_words(pool) if common is None else common
    falsified, swap = _falsify(item, reference, pool, rng, common)
    pitfall = rng.choice(item.pitfalls) if item.pitfalls else None
    others = [o for o in pool if o.id != item.id and o.reference_answer]
    off_pool = [o for o in others if o.category != item.category] or others
    donor = rng.choice(off_pool) if off_pool else None
    answers = {
        "reference": reference,
        "incomplete": incomplete,
        "falsified": falsified,
        "pitfall": f"{reference} {commit_pitfall(pitfall)}" if pitfall else "",
        "off_topic": donor.reference_answer.strip() if donor else "",
        "padded": _pad(incomplete, reference, rng) if incomplete else "",
        "echo": echo_of(item.question),
    }
    return Controls(item, answers, swap=swap, removed=removed, pitfall=pitfall,
                    off_topic_from=donor.id if donor else None)


def build_controls(items: list[Item], pool: list[Item] | None = None, seed: int = 0) -> dict[str, Controls]:
    pool = pool if pool is not None else items
    common = lowercase_words(pool)
    built = {item.id: controls_for(item, pool, seed, common) for item in items}
    return {k: v for k, v in built.items() if v is not None}
