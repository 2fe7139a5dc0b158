"""Cutting an intent set into run shards, and naming the set a run was cut from.

A large run is split by intent into N shards (`-T shard=K/N`), run as N processes, CI jobs or machines,
and merged again by the leaderboard and the gate. Every epoch of an intent lands in the same shard,
because the across-simulation figures (turn variance, lexical diversity) compare an intent's epochs.
Intents are dealt round-robin in id order, so the shards differ in size by one at most and a shard's
intents do not depend on the order a source lists them in.

Each log records the intent set's fingerprint (`IntentSet`: its name, size and a hash of every intent's
content) and its shard, so the reports can tell shards of one run from runs of different intents.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from benchmark.errors import UserError, setting
from benchmark.intents.record import Intent

_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class RunShard:
    """Shard `index` (1..count) of a run cut into `count` shards."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


@dataclass(frozen=True)
class IntentSet:
    """What a run's intents were cut from: the whole set, before sharding."""

    name: str
    """`curated`, `full`, `lic`, or the file name of an intent JSONL."""
    count: int
    hash: str
    """sha256 over every intent's content, in id order: equal sets, equal hashes."""


def parse_run_shard(spec: str | None) -> RunShard | None:
    """`K/N` (1 <= K <= N) as a RunShard; None (the whole set) when unset."""
    if spec is None or spec.strip() in ("", "1/1"):
        return None
    match = _SPEC.match(spec)
    index, count = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
    if not match or not 1 <= index <= count:
        raise UserError(f"shard '{spec}' is not K/N with 1 <= K <= N: use e.g. {setting('shard', '2/4')}")
    return RunShard(index, count)


def run_shards(count: int) -> list[RunShard | None]:
    """The shards of a run cut into `count`, in order; one shard (None) is the whole run, without `-T shard`."""
    return [RunShard(k, count) for k in range(1, count + 1)] if count > 1 else [None]


def shard_intents(intents: Sequence[Intent], shard: RunShard | None) -> list[Intent]:
    """The intents of `shard` (all of them when None), dealt round-robin in id order, in their set's order."""
    if shard is None:
        return list(intents)
    if shard.count > len(intents):
        raise UserError(
            f"shard {shard} of {len(intents)} intents: a run cannot have more shards than intents; "
            f"use at most {len(intents)} shards"
        )
    ids = sorted(intent.id for intent in intents)[shard.index - 1 :: shard.count]
    chosen = set(ids)
    return [intent for intent in intents if intent.id in chosen]


def intent_set(name: str, intents: Sequence[Intent]) -> IntentSet:
    """The fingerprint of the whole intent set `intents` (before sharding)."""
    digest = hashlib.sha256()
    for intent in sorted(intents, key=lambda intent: intent.id):
        digest.update(json.dumps(intent.model_dump(mode="json"), sort_keys=True).encode())
        digest.update(b"\n")
    return IntentSet(name=name, count=len(intents), hash=digest.hexdigest())


def as_metadata(whole: IntentSet, shard: RunShard | None) -> dict[str, object]:
    """What a task records about its intents in its metadata (the reports read it back)."""
    return {"intent_set": asdict(whole), "shard": str(shard) if shard else None}
