"""Human conversations to replay against a user simulator: the record, and its strict JSONL reader.

A conversation file is JSON Lines, one conversation per line::

    {"id": "wildchat-3f2a...", "source": "wildchat",
     "messages": [{"role": "user", "content": "..."}, {"role": "assistant", "content": "..."}, ...],
     "intent": "You are a user chatting with an assistant language model to ..."}

`intent` is optional (`benchmark.fidelity.intents` writes the missing ones), `source` too. The
messages are the human's turns and the assistant's replies, alternating, user first, and ending with
an assistant reply: the human's last decision, to write again or to leave, is what a simulator is
compared with, so a final user turn that got no reply is not a usable record.

Reading is strict and reports every problem of a file at once, each as `FILE:LINE: field 'F': problem;
fix`, because a silently skipped or misread conversation skews every figure computed from the rest.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from benchmark.errors import UserError
from benchmark.intents.record import INTENT_PREFIX

Role = Literal["user", "assistant"]

MAX_REPORTED_PROBLEMS = 20
"""A file's error lists at most this many problems, then says how many more there are."""

_STRUCTURE_ERROR = "conversation_structure"


class ConversationError(UserError, ValueError):
    """A malformed conversation file or source file; `problems` holds one located line per problem."""

    def __init__(self, problems: str | Sequence[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        shown = self.problems[:MAX_REPORTED_PROBLEMS]
        hidden = len(self.problems) - len(shown)
        super().__init__("\n".join(shown + ([f"... and {hidden} more problems"] if hidden else [])))


@dataclass(frozen=True)
class TurnProblem:
    """Why a sequence of roles is not a usable conversation."""

    kind: Literal["empty", "first_turn", "same_role", "no_reply", "unanswered"]
    field: str
    problem: str


def turn_problems(roles: Sequence[str]) -> list[TurnProblem]:
    """What is wrong with the order of `roles` (user first, alternating, ending with an assistant reply)."""
    if not roles:
        return [TurnProblem("empty", "messages", "is empty; write the user's turns and the assistant's replies")]
    problems = []
    if roles[0] != "user":
        problems.append(
            TurnProblem("first_turn", "messages[0].role", f"is {roles[0]!r}; a conversation starts with the user")
        )
    for index in range(1, len(roles)):
        if roles[index] == roles[index - 1]:
            problems.append(
                TurnProblem(
                    "same_role",
                    f"messages[{index}].role",
                    f"{roles[index]!r} twice in a row (messages {index - 1} and {index}); user and assistant "
                    "must alternate: merge the two messages or drop one",
                )
            )
    if "assistant" not in roles:
        problems.append(TurnProblem("no_reply", "messages", "has no assistant reply; add the assistant's reply"))
    elif roles[-1] == "user":
        problems.append(
            TurnProblem(
                "unanswered",
                f"messages[{len(roles) - 1}]",
                "is a user turn with no assistant reply after it; end with the assistant's reply "
                "(drop the unanswered turn)",
            )
        )
    return problems


class Message(BaseModel):
    """One turn: the human's (`user`) or the assistant's."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    role: Role
    content: str = Field(description="the text, never blank")

    @field_validator("content")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank; write the message text or drop the turn with its reply")
        return value


class HumanConversation(BaseModel):
    """A conversation a human had with an assistant, and optionally the intent behind it."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$", description="unique within a file, no spaces")
    messages: list[Message]
    intent: str | None = Field(default=None, description=f"starts with '{INTENT_PREFIX} ...'")
    source: str | None = Field(default=None, description="where it came from, e.g. 'wildchat'")

    @field_validator("intent")
    @classmethod
    def _intent_prefix(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(INTENT_PREFIX):
            raise ValueError(
                f"must start with '{INTENT_PREFIX}'; write the goal after it, or leave the intent out "
                "to have one written"
            )
        return value

    @field_validator("source")
    @classmethod
    def _source_not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError('must not be blank; name the source, e.g. "wildchat", or leave it out')
        return value

    @model_validator(mode="after")
    def _turn_order(self) -> HumanConversation:
        problems = turn_problems([message.role for message in self.messages])
        if problems:
            raise PydanticCustomError(
                _STRUCTURE_ERROR,
                "the turns are out of order",
                {"problems": [(p.field, p.problem) for p in problems]},
            )
        return self

    @property
    def user_turns(self) -> list[str]:
        return [message.content for message in self.messages if message.role == "user"]


# --- reading ------------------------------------------------------------------------------

_HINTS = {
    "id": 'a unique id such as "conv-1"',
    "messages": 'a list of {"role": ..., "content": ...} objects, user first',
    "message": '{"role": "user" or "assistant", "content": "..."}',
    "role": '"user" or "assistant"',
    "content": "the message text as a string",
    "intent": f"a string starting '{INTENT_PREFIX} ...'",
    "source": 'a string such as "wildchat"',
}
_EXPECTED = {"string_type": "a string", "list_type": "a list", "model_type": "an object", "dict_type": "an object"}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    return {str: "a string", list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


def _field_path(loc: tuple[str | int, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _problems(error: ValidationError) -> list[tuple[str, str]]:
    """(field, problem and fix) for every error pydantic found, in our words."""
    found = []
    for item in error.errors():
        kind, loc = item["type"], item["loc"]
        if kind == _STRUCTURE_ERROR:
            found.extend(item["ctx"]["problems"])
            continue
        name = loc[-1] if loc and isinstance(loc[-1], str) else "message"
        hint = _HINTS.get(name, "see benchmark/fidelity/conversations.py")
        if kind == "missing":
            problem = f"missing; add {hint}"
        elif kind == "extra_forbidden":
            inside = any(isinstance(part, int) for part in loc)
            allowed = "a message has only role and content" if inside else "fields are id, messages, intent, source"
            problem = f"unknown field; {allowed}"
        elif kind == "literal_error":
            problem = f'{item["input"]!r} is not allowed; use "user" or "assistant"'
        elif kind in _EXPECTED:
            problem = f"expected {_EXPECTED[kind]}, got {_json_type(item['input'])}; use {hint}"
        elif kind == "string_pattern_mismatch":
            problem = f"{item['input']!r} is not a usable id; use letters, digits and . _ : - only, no spaces"
        else:
            problem = item["msg"].removeprefix("Value error, ")
        found.append((_field_path(loc) or "record", problem))
    return found


def parse_conversation_line(line: str, *, file: str, line_number: int) -> HumanConversation | list[str]:
    """The conversation on one JSONL line, or every problem with it as `FILE:LINE: ...` lines."""
    where = f"{file}:{line_number}"
    try:
        data = json.loads(line)
    except json.JSONDecodeError as err:
        return [f"{where}: not valid JSON ({err.msg}); each line must be one JSON object"]
    if not isinstance(data, dict):
        return [f"{where}: expected a JSON object with id and messages, got {_json_type(data)}"]
    try:
        return HumanConversation.model_validate(data)
    except ValidationError as err:
        return [f"{where}: field '{field}': {problem}" for field, problem in _problems(err)]


def read_conversations(path: str | Path) -> list[HumanConversation]:
    """Read and validate a conversation JSONL file; raises ConversationError listing every problem."""
    path = Path(path)
    if not path.is_file():
        raise ConversationError(f"{path}: conversation file not found; pass an existing JSONL file")
    conversations: list[HumanConversation] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            parsed = parse_conversation_line(line, file=str(path), line_number=number)
            if isinstance(parsed, list):
                problems.extend(parsed)
                continue
            if parsed.id in seen:
                problems.append(
                    f"{path}:{number}: field 'id': {parsed.id!r} already used on line {seen[parsed.id]}; "
                    "ids must be unique"
                )
                continue
            seen[parsed.id] = number
            conversations.append(parsed)
    if problems:
        raise ConversationError(problems)
    if not conversations:
        raise ConversationError(f"{path}: no conversations in file; expected one JSON object per line")
    return conversations


def write_conversations(path: str | Path, conversations: Iterable[HumanConversation]) -> None:
    """Write conversations as JSONL, one compact record per line (absent intent and source left out)."""
    with Path(path).open("w", encoding="utf-8") as handle:
        for conversation in conversations:
            handle.write(conversation.model_dump_json(exclude_none=True) + "\n")
