"""PRISM conversations (`HannahRoseKirk/prism-alignment`, its `conversations` file), from the Hub at a
pinned revision or from a local `conversations.jsonl`.

A PRISM conversations row (dataset card and codebook; https://huggingface.co/datasets/HannahRoseKirk/prism-alignment,
https://github.com/HannahKirk/prism-alignment) holds `conversation_id`, `user_id`, `conversation_type`
("unguided", "values guided", "controversy guided"), `opening_prompt`, `conversation_turns` (a count),
`conversation_history`, `performance_attributes`, `choice_attributes`, `open_feedback`,
`generated_datetime`, `timing_duration_s`, `timing_duration_mins` and `included_in_balanced_subset`.
`conversation_history` lists the entries of every turn: `turn` (0-based), `role` "user" or "model",
`content`, and for model entries `model_provider`, `model_name`, `score`, `if_chosen`, `within_turn_id`.
Each user turn got several model responses (four models in the first turn, two samples of the
highest-rated model after that); the participant rated them and the conversation went on from the chosen
one, so we keep the chosen response of each turn: the reply the human actually answered.

Filters, each counting what it drops: `empty_turn` (a user turn or the chosen reply has no text),
`no_chosen_response` (a turn with model responses but not exactly one chosen reply text), `roles` /
`no_assistant_reply` (turns missing, a turn without exactly one user entry, or a last user turn that got
no reply), `duplicate` (a `conversation_id` seen before). PRISM's conversations file carries no language or
moderation flags (they are in its separate `metadata.jsonl`, not read here), so no language or toxicity
filter applies; the participants were asked to write in English and about 99% of the text is. Ids are
`prism-<conversation_id>`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from benchmark.fidelity.conversations import ConversationError, HumanConversation
from benchmark.fidelity.sources import (
    DROP_ROLES,
    Loaded,
    Located,
    Row,
    collect,
    conversation_or_drop,
    field_value,
    hub_rows,
    json_rows,
    source_files,
)

PRISM_DATASET = "HannahRoseKirk/prism-alignment"
PRISM_CONFIG = "conversations"
PRISM_FILE = "conversations.jsonl"
PRISM_REVISION = "18ab5cfb37456f4ec8cbc00212ce54cf7b1239f6"
"""Pinned Hub revision of HannahRoseKirk/prism-alignment (8,011 conversations; the revision other public
projects pin, whose conversations.jsonl is the current one)."""

DROP_NO_CHOSEN = "no_chosen_response"

_EXPECTED = "PRISM conversations rows with conversation_id and conversation_history"
_ENTRY = "PRISM conversation_history entries with turn, role and content (and if_chosen for model entries)"
_WHAT = f"PRISM's {PRISM_FILE} (or a directory holding it)"
_ID = re.compile(r"^[0-9A-Za-z_.-]+$")


def load_prism(path: str | Path | None = None, *, limit: int | None = None) -> Loaded:
    """PRISM conversations from a local conversations JSONL at `path` (or a directory holding it), else from
    the pinned Hub revision; stops once `limit` conversations are kept."""
    if path is None:
        rows = hub_rows(
            PRISM_DATASET, PRISM_REVISION, config=PRISM_CONFIG, offline_hint=f"pass the path of a local {_WHAT}"
        )
        return prism_conversations(rows, limit=limit)
    files = source_files(path, (PRISM_FILE,), _WHAT)
    return prism_conversations((row for file in files for row in json_rows(file)), limit=limit)


def prism_conversations(rows: Iterable[Located], *, limit: int | None = None) -> Loaded:
    """Turn PRISM rows into conversations along the chosen replies (see the module docstring)."""
    return collect("prism", rows, _conversation, limit)


@dataclass
class _Turn:
    """The entries of one PRISM turn: what the user wrote, the chosen reply texts, how many replies."""

    users: list[str] = field(default_factory=list)
    chosen: list[str] = field(default_factory=list)
    replies: int = 0


def _turns(where: str, row: Row) -> dict[int, _Turn]:
    """The row's history by turn, every entry checked against PRISM's schema."""
    history = field_value(row, "conversation_history", list, where, _EXPECTED)
    turns: dict[int, _Turn] = {}
    for index, entry in enumerate(history):
        at = f"{where}: conversation_history[{index}]"
        if not isinstance(entry, dict):
            raise ConversationError(f"{at}: expected an entry object, got {type(entry).__name__}")
        turn = turns.setdefault(field_value(entry, "turn", int, at, _ENTRY), _Turn())
        role = field_value(entry, "role", str, at, _ENTRY)
        content = field_value(entry, "content", str, at, _ENTRY)
        if role == "user":
            turn.users.append(content)
        elif role == "model":
            turn.replies += 1
            if field_value(entry, "if_chosen", bool, at, _ENTRY):
                turn.chosen.append(content)
        else:
            raise ConversationError(f"{at}: field 'role' is {role!r}; PRISM entries are 'user' or 'model'")
    return turns


def _conversation(where: str, row: Row) -> HumanConversation | str:
    """The conversation along the chosen replies, or the reason it is dropped."""
    conversation_id = field_value(row, "conversation_id", str, where, _EXPECTED)
    if not _ID.match(conversation_id):
        raise ConversationError(f"{where}: field 'conversation_id' is {conversation_id!r}; expected an id like 'c529'")
    turns = _turns(where, row)
    if sorted(turns) != list(range(len(turns))):
        return DROP_ROLES
    messages: list[tuple[str, str]] = []
    for number in range(len(turns)):
        turn = turns[number]
        if len(turn.users) != 1:
            return DROP_ROLES
        messages.append(("user", turn.users[0]))
        if turn.replies and len(set(turn.chosen)) != 1:
            return DROP_NO_CHOSEN
        if turn.chosen:
            messages.append(("assistant", turn.chosen[0]))
    return conversation_or_drop("prism", str(conversation_id), messages)
