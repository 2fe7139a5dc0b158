"""WildChat-1M conversations (`allenai/WildChat-1M`), from the Hub at a pinned revision or from local rows.

A WildChat-1M row (Hub dataset card; https://huggingface.co/datasets/allenai/WildChat-1M) holds
`conversation_hash`, `model`, `timestamp`, `conversation` (the turns, each with `role` "user" or
"assistant", `content`, `language`, `toxic`, `redacted`, `turn_identifier`, `timestamp`, ...), `turn`
(user turns), `language`, `openai_moderation`, `detoxify_moderation`, `toxic`, `redacted`, `state`,
`country`, `hashed_ip` and `header`. Local copies are the dataset's Parquet shards
(`data/train-*.parquet`) or its rows as JSON Lines (or one JSON array), a file or a directory of them.

The UserLM paper trained on WildChat deduplicated (about 384K conversations) and evaluated on held-out
WildChat conversations; its exact filters are not restated here. Ours, applied in this order, each count
what they drop:

- `not_english`: the row's `language` is not "English";
- `toxic`: the row or any turn is flagged `toxic` (the 1M release already removed most);
- `redacted`: the row or any turn is flagged `redacted` (PII was replaced, so the text is not the human's);
- `empty_turn`: a turn has no text (WildChat's interface let users send empty messages);
- `roles` / `no_assistant_reply`: the turns do not start with the user, alternate and end with a reply;
- `duplicate`: a `conversation_hash` seen before (the hash is of the content: the same conversation).

Ids are `wildchat-<conversation_hash>`. WildChat publishes no held-out split, and UserLM-8b was trained on
WildChat, so any row may be in its training data: the paper's held-out set cannot be rebuilt from here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from benchmark.fidelity.conversations import ConversationError, HumanConversation
from benchmark.fidelity.sources import (
    Loaded,
    Located,
    Row,
    collect,
    conversation_or_drop,
    field_value,
    hub_rows,
    json_rows,
    parquet_rows,
    source_files,
)

WILDCHAT_DATASET = "allenai/WildChat-1M"
WILDCHAT_REVISION = "7d6490e462285cf85d91eabea0f9a954fbddcd1f"
"""Pinned Hub revision of allenai/WildChat-1M (837,989 rows, 14 Parquet shards; the revision other public
projects pin for this release)."""
WILDCHAT_LANGUAGE = "English"

DROP_NOT_ENGLISH = "not_english"
DROP_TOXIC = "toxic"
DROP_REDACTED = "redacted"

_COLUMNS = ("conversation_hash", "conversation", "language", "toxic", "redacted")
_EXPECTED = "WildChat-1M rows with conversation_hash, conversation, language, toxic and redacted"
_TURN_EXPECTED = "WildChat turns with role, content, toxic and redacted"
_WHAT = "WildChat-1M data: its Parquet shards (data/train-*.parquet) or its rows as JSON Lines"
_HASH = re.compile(r"^[0-9A-Za-z]+$")


def load_wildchat(path: str | Path | None = None, *, limit: int | None = None) -> Loaded:
    """WildChat conversations from local files at `path` (file or directory), else from the pinned Hub
    revision; stops once `limit` conversations are kept."""
    if path is not None:
        return wildchat_conversations(_local_rows(path), limit=limit)
    rows = hub_rows(WILDCHAT_DATASET, WILDCHAT_REVISION, offline_hint=f"pass the path of local {_WHAT}")
    return wildchat_conversations(rows, limit=limit)


def _local_rows(path: str | Path) -> Iterator[Located]:
    for file in source_files(path, ("*.parquet", "*.jsonl", "*.json"), _WHAT):
        yield from parquet_rows(file, _COLUMNS, _EXPECTED) if file.suffix == ".parquet" else json_rows(file)


def wildchat_conversations(rows: Iterable[Located], *, limit: int | None = None) -> Loaded:
    """Filter WildChat rows into conversations (see the module docstring for what is dropped and why)."""
    return collect("wildchat", rows, _conversation, limit)


def _conversation(where: str, row: Row) -> HumanConversation | str:
    """The row's conversation, or the reason it is dropped; a ConversationError if it is not a WildChat row."""
    digest = field_value(row, "conversation_hash", str, where, _EXPECTED)
    if not _HASH.match(digest):
        raise ConversationError(f"{where}: field 'conversation_hash' is {digest!r}; expected a hex digest")
    turns = field_value(row, "conversation", list, where, _EXPECTED)
    language = field_value(row, "language", str, where, _EXPECTED)
    flagged = {name: field_value(row, name, bool, where, _EXPECTED) for name in ("toxic", "redacted")}
    messages = []
    for index, turn in enumerate(turns):
        at = f"{where}: conversation[{index}]"
        if not isinstance(turn, dict):
            raise ConversationError(f"{at}: expected a turn object with role and content, got {type(turn).__name__}")
        role = field_value(turn, "role", str, at, _TURN_EXPECTED)
        if role not in ("user", "assistant"):
            raise ConversationError(f"{at}: field 'role' is {role!r}; WildChat turns are 'user' or 'assistant'")
        content = field_value(turn, "content", str, at, _TURN_EXPECTED)
        for name in flagged:
            flagged[name] |= field_value(turn, name, bool, at, _TURN_EXPECTED)
        messages.append((role, content))
    if language != WILDCHAT_LANGUAGE:
        return DROP_NOT_ENGLISH
    if flagged["toxic"]:
        return DROP_TOXIC
    if flagged["redacted"]:
        return DROP_REDACTED
    return conversation_or_drop("wildchat", str(digest), messages)
