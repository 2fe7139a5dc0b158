"""Where human conversations come from: WildChat and PRISM, from the Hub or from local files in their schema.

Each loader turns the source's rows into `HumanConversation`s and says how many rows it dropped and why
(`Loaded.dropped`); this module holds what they share: the result, reading rows from JSON Lines, JSON
or Parquet files with located errors, and loading a pinned Hub revision.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from benchmark.fidelity.conversations import ConversationError, HumanConversation, Message, turn_problems

Row = Mapping[str, Any]
Located = tuple[str, Row]
"""A source row and where it is, e.g. ("wildchat.jsonl:3", {...}) or ("train-0.parquet row 17", {...})."""

DROP_ROLES = "roles"
"""Dropped: the turns do not start with the user, alternate, and end with an assistant reply."""
DROP_NO_REPLY = "no_assistant_reply"
DROP_EMPTY_TURN = "empty_turn"
DROP_DUPLICATE = "duplicate"


@dataclass
class Loaded:
    """The conversations a source gave, and how many rows were dropped for which reason."""

    source: str
    conversations: list[HumanConversation] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)
    rows: int = 0

    def summary(self) -> str:
        dropped = ", ".join(f"{reason} {n}" for reason, n in sorted(self.dropped.items())) or "none"
        return f"{self.source}: {self.rows} rows read, {len(self.conversations)} kept; dropped: {dropped}"


def collect(
    source: str, rows: Iterable[Located], convert: Callable[[str, Row], HumanConversation | str], limit: int | None
) -> Loaded:
    """Convert rows until `limit` conversations are kept; `convert` gives a conversation or a drop reason,
    and a conversation whose id was seen before is dropped as a duplicate."""
    loaded = Loaded(source)
    seen: set[str] = set()
    for where, row in rows:
        if limit is not None and len(loaded.conversations) >= limit:
            break
        loaded.rows += 1
        kept = convert(where, row)
        if isinstance(kept, str):
            loaded.dropped[kept] += 1
        elif kept.id in seen:
            loaded.dropped[DROP_DUPLICATE] += 1
        else:
            seen.add(kept.id)
            loaded.conversations.append(kept)
    return loaded


def order_drop_reason(roles: list[str]) -> str | None:
    """The drop reason for a conversation whose roles are out of order, or None when they are fine."""
    kinds = {problem.kind for problem in turn_problems(roles)}
    if not kinds:
        return None
    return DROP_NO_REPLY if kinds & {"empty", "no_reply"} else DROP_ROLES


def conversation_or_drop(source: str, key: str, messages: list[tuple[str, str]]) -> HumanConversation | str:
    """The conversation `source-key` of (role, text) turns, or why it is dropped: an empty turn, roles out of
    order (the checks every source shares, after its own)."""
    if any(not content.strip() for _, content in messages):
        return DROP_EMPTY_TURN
    reason = order_drop_reason([role for role, _ in messages])
    if reason is not None:
        return reason
    return HumanConversation(
        id=f"{source}-{key}",
        source=source,
        messages=[Message(role=role, content=content) for role, content in messages],
    )


def field_value(row: Row, name: str, kind: type, where: str, expected: str) -> Any:
    """`row[name]`, checked to be a `kind`; a ConversationError naming the file, row and field otherwise."""
    if name not in row:
        raise ConversationError(f"{where}: field '{name}' missing; expected {expected}")
    value = row[name]
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        shown = "null" if value is None else type(value).__name__
        raise ConversationError(f"{where}: field '{name}' is {shown}, not {kind.__name__}; expected {expected}")
    return value


def source_files(path: str | Path, patterns: tuple[str, ...], what: str) -> list[Path]:
    """`path` itself, or the files under a directory whose names match `patterns` (sorted); an error naming
    what to pass."""
    path = Path(path)
    if path.is_file():
        return [path]
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and any(fnmatch(p.name, g) for g in patterns))
        if files:
            return files
        raise ConversationError(f"{path}: no {' or '.join(patterns)} files in this directory; pass {what}")
    raise ConversationError(f"{path}: not found; pass {what}")


def json_rows(path: Path) -> Iterator[Located]:
    """The objects of a JSON Lines file, or of a file holding one JSON array, with their line numbers."""
    with path.open(encoding="utf-8") as handle:
        head = handle.read(1024).lstrip()
        handle.seek(0)
        if head.startswith("["):
            try:
                rows = json.load(handle)
            except json.JSONDecodeError as err:
                raise ConversationError(f"{path}:{err.lineno}: not valid JSON ({err.msg})") from None
            for index, row in enumerate(rows):
                yield _object(row, f"{path} item {index}")
            return
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise ConversationError(
                    f"{path}:{number}: not valid JSON ({err.msg}); expected a row per line"
                ) from None
            yield _object(row, f"{path}:{number}")


def _object(row: Any, where: str) -> Located:
    if not isinstance(row, dict):
        raise ConversationError(f"{where}: expected a JSON object (one source row), got {type(row).__name__}")
    return where, row


def parquet_rows(path: Path, columns: Iterable[str], what: str) -> Iterator[Located]:
    """The rows of a Parquet file, reading only `columns` (an error naming any that are missing)."""
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as err:  # pyarrow raises several types for a file that is not Parquet
        raise ConversationError(f"{path}: not a readable Parquet file ({err}); pass {what}") from None
    wanted = list(columns)
    missing = [name for name in wanted if name not in parquet.schema_arrow.names]
    if missing:
        raise ConversationError(f"{path}: no column {', '.join(repr(m) for m in missing)}; expected {what}")
    index = 0
    for batch in parquet.iter_batches(columns=wanted, batch_size=1024):
        for row in batch.to_pylist():
            yield f"{path} row {index}", row
            index += 1


def hub_rows(dataset: str, revision: str, *, config: str | None = None, offline_hint: str) -> Iterator[Located]:
    """The train split of `dataset` at the pinned `revision`, streamed from the Hugging Face Hub (needs network)."""
    from datasets import load_dataset

    try:
        rows = load_dataset(dataset, config, split="train", revision=revision, streaming=True)
        for index, row in enumerate(rows):
            yield f"{dataset}@{revision[:8]} row {index}", row
    except Exception as err:
        raise ConversationError(
            f"could not load {dataset}@{revision[:8]} from the Hugging Face Hub ({type(err).__name__}: {err}); "
            f"offline, {offline_hint}"
        ) from err
