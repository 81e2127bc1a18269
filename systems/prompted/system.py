"""``prompted``: the prompt-engineering baseline, a culturally aware system prompt plus few-shot turns."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import Field

from harness.errors import UserError
from harness.generation import Prompt
from harness.hashing import hash_text
from harness.records import Item
from harness.registry import register_system
from harness.system import System, SystemConfig
from systems.base.system import user_message

HERE = Path(__file__).resolve().parent


class PromptedConfig(SystemConfig):
    system_prompt_file: str = str(HERE / "system_prompt.md")
    fewshot_file: str | None = str(HERE / "fewshot.jsonl")
    n_shots: int = Field(default=2, ge=0)


def load_fewshot(path: str, n_shots: int) -> list[dict[str, str]]:
    """Few-shot turns from a JSONL of {"question", "answer"}; errors name the file and line."""
    turns: list[dict[str, str]] = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if len(turns) >= 2 * n_shots or not line.strip():
                continue
            try:
                row = json.loads(line)
                turns += [{"role": "user", "content": row["question"]}, {"role": "assistant", "content": row["answer"]}]
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise UserError(f"bad few-shot example ({type(exc).__name__}: {exc}); "
                                "expected {\"question\": ..., \"answer\": ...}", where=f"{path}:{number}") from None
    return turns


@register_system("prompted")
class PromptedSystem(System):
    family = "prompted"
    Config = PromptedConfig

    def __init__(self, config: PromptedConfig, backend):
        super().__init__(config, backend)
        try:
            self.system_prompt = Path(config.system_prompt_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UserError(f"cannot read system prompt {config.system_prompt_file}: {exc.strerror}") from None
        self.shots = load_fewshot(config.fewshot_file, config.n_shots) if config.fewshot_file and config.n_shots else []

    def fingerprint_parts(self):
        return {"system_prompt": hash_text(self.system_prompt), "shots": hash_text(json.dumps(self.shots))}

    def prepare(self, items: list[Item]) -> list[Prompt]:
        head = [{"role": "system", "content": self.system_prompt}, *self.shots]
        return [Prompt(item_id=i.id, messages=[*head, user_message(self.question_template, i)]) for i in items]
