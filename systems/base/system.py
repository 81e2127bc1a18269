"""``base``: the model as it is, with the benchmark question as the only user message."""

from __future__ import annotations

from harness.generation import Prompt
from harness.records import Item
from harness.registry import register_system
from harness.system import System


def user_message(template: str, item: Item) -> dict[str, str]:
    return {"role": "user", "content": template.format(question=item.question)}


@register_system("base")
class BaseSystem(System):
    family = "base"
    def prepare(self, items: list[Item]) -> list[Prompt]:
        return [Prompt(item_id=i.id, messages=[user_message(self.question_template, i)]) for i in items]
