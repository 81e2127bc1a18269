"""Chat-format training pairs: load, validate (file:line errors), and shape them for TRL.

A line is ``{"id": ..., "messages": [{"role": "user", ...}, {"role": "assistant", ...}], ...}``
with optional ``category``, ``region``, ``type`` and ``source_docs`` (corpus ids, used by RAFT).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import UserError
from harness.hashing import hash_file

ROLES = {"system", "user", "assistant"}


@dataclass
class Pair:
    id: str
    messages: list[dict[str, str]]
    source_docs: list[str] = field(default_factory=list)
    category: str | None = None
    region: str | None = None
    type: str | None = None

    @property
    def question(self) -> str:
        return next(m["content"] for m in reversed(self.messages) if m["role"] == "user")

    @property
    def answer(self) -> str:
        return self.messages[-1]["content"]


def check_messages(messages, where: str) -> list[dict[str, str]]:
    if not isinstance(messages, list) or not messages:
        raise UserError("field 'messages': a non-empty list of {role, content} is required", where=where)
    for n, message in enumerate(messages):
        if not isinstance(message, dict) or "role" not in message:
            raise UserError(f"field 'messages[{n}].role': missing", where=where)
        if message["role"] not in ROLES:
            raise UserError(f"field 'messages[{n}].role': '{message['role']}' is not one of "
                            f"{', '.join(sorted(ROLES))}", where=where)
        content = message.get("content")
        if not isinstance(content, str) or not content.strip():
            raise UserError(f"field 'messages[{n}].content': empty", where=where)
    if messages[-1]["role"] != "assistant":
        raise UserError("field 'messages': the last message must be the assistant's answer", where=where)
    if not any(m["role"] == "user" for m in messages):
        raise UserError("field 'messages': no user message", where=where)
    return [{"role": m["role"], "content": m["content"]} for m in messages]


def check_source_docs(value, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UserError(f"field 'source_docs': a list of corpus document ids is required, got {value!r}", where=where)
    return value


def check_text(value, key: str, where: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise UserError(f"field '{key}': a string is required, got {value!r}", where=where)
    return value


def load_pairs(path: str | Path) -> list[Pair]:
    from harness.files import iter_jsonl

    path = Path(path)
    pairs, seen = [], {}
    for number, where, row in iter_jsonl(path, "training data file"):
        if not isinstance(row.get("id", ""), (str, int)) or isinstance(row.get("id"), bool):
            raise UserError(f"field 'id': a string is required, got {row.get('id')!r}", where=where)
        pair_id = str(row.get("id") or f"{path.stem}-{number}")
        if pair_id in seen:
            raise UserError(f"duplicate id '{pair_id}' (first at line {seen[pair_id]})", where=where)
        seen[pair_id] = number
        pairs.append(Pair(id=pair_id, messages=check_messages(row.get("messages"), where),
                          source_docs=check_source_docs(row.get("source_docs"), where),
                          category=check_text(row.get("category"), "category", where),
                          region=check_text(row.get("region"), "region", where),
                          type=check_text(row.get("type"), "type", where)))
    if not pairs:
        raise UserError(f"{path} holds no training pairs")
    return pairs


def to_prompt_completion(pair: Pair, system_prompt: str | None = None) -> dict:
    """TRL's conversational prompt-completion form: the loss falls on the assistant's tokens only."""
    prompt = pair.messages[:-1]
    if system_prompt:
        prompt = [{"role": "system", "content": system_prompt}, *[m for m in prompt if m["role"] != "system"]]
    return {"prompt": prompt, "completion": [pair.messages[-1]]}


def data_hashes(*paths: str | Path) -> dict[str, str]:
    return {str(p): hash_file(Path(p), 64) for p in paths if p and Path(p).is_file()}
