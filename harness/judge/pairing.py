"""Which pairwise games a judge plays: an explicit plan whose cost grows with the variants, not their square.

``anchor`` (default, as arena-hard plays every model against one baseline): every variant against
the anchor system, plus every SFT-family variant against every RAG-family variant, since that is
the question the leaderboard answers. ``all``: every pair. Each pair is played in both orders.
Bradley-Terry fits either set, as long as the games connect every variant.
"""

from __future__ import annotations

from itertools import combinations

HEAD_TO_HEAD = ({"sft"}, {"rag"})  # the families the verdict compares


def choose_anchor(systems: list[str], families: dict[str, str], anchor: str | None = None) -> str:
    if anchor:
        if anchor not in systems:
            from harness.errors import UserError, did_you_mean

            raise UserError(f"anchor system '{anchor}' is not in this run", hint=did_you_mean(anchor, systems))
        return anchor
    for name in systems:
        if families.get(name) == "base":
            return name
    return systems[0]


def plan_pairs(systems: list[str], families: dict[str, str], pairing: str = "anchor",
               anchor: str | None = None) -> list[tuple[str, str]]:
    """The unordered pairs to play, in a stable order; ``families`` maps variant -> family."""
    if len(systems) < 2:
        return []
    if pairing == "all":
        return list(combinations(systems, 2))
    center = choose_anchor(systems, families, anchor)
    pairs = [(center, s) for s in systems if s != center]
    sft = [s for s in systems if families.get(s) in HEAD_TO_HEAD[0]]
    rag = [s for s in systems if families.get(s) in HEAD_TO_HEAD[1]]
    for a in sft:
        for b in rag:
            if center not in (a, b) and (a, b) not in pairs and (b, a) not in pairs:
                pairs.append((a, b))
    return pairs
