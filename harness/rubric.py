"""Rubrics live in ``rubrics/<name>.yaml``; the LLM judge and the human sheets read the same file."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from harness.errors import UserError, did_you_mean, field_error

RUBRICS_DIR = Path(__file__).resolve().parent.parent / "rubrics"


class Criterion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    name: str
    question: str
    anchors: dict[int, str]
    flag: str | None = None
    flag_question: str | None = None


class JudgeCheckThresholds(BaseModel):
    """Pass marks for ``python -m harness judge check`` (controlled answers whose order is known)."""

    model_config = ConfigDict(extra="forbid")
    min_correct_order: float = Field(0.8, ge=0, le=1)  # every contrast, by single grades and by pairwise games
    min_correct_order_by_contrast: dict[str, float] = Field(default_factory=dict)  # stricter bars, e.g. falsified
    min_position_consistency: float = Field(0.8, ge=0, le=1)
    max_length_preference: float = Field(0.2, ge=0, le=1)  # padded weaker answer beating the reference
    max_unparsed_rate: float = Field(0.05, ge=0, le=1)  # of grades and games; separately, of faithfulness replies
    min_support_accuracy: float = Field(0.8, ge=0, le=1)  # faithfulness: supported, falsified and off-topic sentences


class Rubric(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    version: str
    description: str = ""
    scale: dict[str, int] = Field(default_factory=lambda: {"min": 1, "max": 5})
    criteria: list[Criterion]
    single_prompt: str
    pairwise_prompt: str
    verdict_format: str
    judge_check: JudgeCheckThresholds = Field(default_factory=JudgeCheckThresholds)

    @model_validator(mode="after")
    def anchors_cover_the_scale(self):
        low, high = self.scale["min"], self.scale["max"]
        for criterion in self.criteria:
            if sorted(criterion.anchors) != list(range(low, high + 1)):
                raise ValueError(f"criterion '{criterion.id}' needs one anchor for each score {low}-{high}")
        return self

    @property
    def criterion_ids(self) -> list[str]:
        return [c.id for c in self.criteria]

    @property
    def flags(self) -> list[str]:
        return [c.flag for c in self.criteria if c.flag]

    @property
    def prompt_hash(self) -> str:
        """Hash of everything a judge is shown besides the item and answers: the prompts, the criteria and
        their anchors. Part of the judge's fingerprint, so an edited prompt never reuses old verdicts."""
        from harness.hashing import hash_value

        return hash_value([self.single_prompt, self.pairwise_prompt, self.verdict_format, self.criteria_text(),
                           self.scale])

    def criteria_text(self) -> str:
        lines = []
        for c in self.criteria:
            lines.append(f"- {c.id} ({c.name}): {c.question}")
            lines += [f"    {score}: {text}" for score, text in sorted(c.anchors.items())]
            if c.flag:
                lines.append(f"    flag '{c.flag}': {c.flag_question}")
        return "\n".join(lines)


def known_rubrics() -> list[str]:
    return sorted(p.stem for p in RUBRICS_DIR.glob("*.yaml"))


def load_rubric(name_or_path: str) -> Rubric:
    path = Path(name_or_path)
    if not path.is_file():
        path = RUBRICS_DIR / f"{name_or_path}.yaml"
    if not path.is_file():
        raise UserError(f"no rubric '{name_or_path}'", hint=did_you_mean(name_or_path, known_rubrics()))
    from harness.files import key_line, load_yaml_mapping

    data = load_yaml_mapping(path, "rubric")
    try:
        return Rubric(**data)
    except ValidationError as exc:
        loc = exc.errors()[0]["loc"]
        raise field_error(exc, where=key_line(path, str(loc[0])) if loc else str(path)) from None
