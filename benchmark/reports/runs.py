"""Which logs make one run, and which runs may be compared: the comparability key of the leaderboard and the gate.

Two logs are of the same kind of run when their comparability key is equal: the task and its version, the
assistant, the simulator and the user model, every score-changing setting the task recorded (max_turns,
allow_end, the guardrails, max_resamples, max_restarts, blank_turn, answer_extraction, the sandbox), and
the intent set the run was cut from (its name, size and content hash). Within one key:

- a log that covers the whole intent set is a complete run; the newest complete run is the one shown;
- logs that each cover part of it (`-T shard=K/N`, `--limit`, `--sample-id`) and hold disjoint intents
  are one run, merged; together they may cover the whole set, or the run is partial and says which intents
  are missing;
- a partial run never replaces a complete one; logs whose intents overlap are not shards of one run.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

KEY_COLUMNS = ("task", "task_version", "assistant", "simulator", "user_model", "settings", "intent_set_hash")
"""The comparability key: evals-frame columns two logs must share to be one kind of run."""
KEY_NAMES = {
    "task": "task",
    "task_version": "task version",
    "assistant": "assistant",
    "simulator": "simulator",
    "user_model": "user model",
    "intent_set_hash": "intent set",
}


@dataclass
class Run:
    """The logs of one run (one log, or the disjoint shards of one), and what they cover."""

    key: tuple[str, ...]
    eval_ids: list[str]
    logs: list[str]
    intents: set[str]
    size: int
    """Intents in the whole set the run was cut from."""
    created: pd.Timestamp
    settings: dict[str, object] = field(default_factory=dict)
    intent_set: str = ""

    @property
    def complete(self) -> bool:
        return len(self.intents) >= self.size > 0

    @property
    def shards(self) -> int:
        return len(self.logs)


@dataclass
class Overlap:
    """Two logs of one key whose intents overlap: not shards of one run."""

    first: str
    second: str
    shared: list[str]

    def message(self) -> str:
        shown = ", ".join(self.shared[:5]) + (f" and {len(self.shared) - 5} more" if len(self.shared) > 5 else "")
        first, second = sorted((Path(self.first).name, Path(self.second).name))
        return (
            f"{first} and {second} are runs of the same kind whose intents overlap "
            f"({len(self.shared)} shared: {shown}): shards of one run hold disjoint intents"
        )


def run_key(row: pd.Series) -> tuple[str, ...]:
    """The comparability key of one evals-frame row."""
    return tuple(str(row.get(column, "")) for column in KEY_COLUMNS)


def covered_intents(conversations: pd.DataFrame) -> dict[str, set[str]]:
    """Each log's (eval id's) intents."""
    if conversations.empty:
        return {}
    return {str(eval_id): set(map(str, group)) for eval_id, group in conversations.groupby("eval_id")["intent"]}


def assemble(evals: pd.DataFrame, conversations: pd.DataFrame) -> tuple[list[Run], list[Overlap]]:
    """Every run of the logs, newest first within a key, and the overlapping logs that are not shards.

    Logs are taken newest first; a log joins the newest run of its key when its intents are disjoint from that
    run's and the run is still partial, else it starts a new run. A complete log never joins another.
    """
    intents = covered_intents(conversations)
    runs: list[Run] = []
    overlaps: list[Overlap] = []
    newest_first = evals.sort_values("created", ascending=False, kind="stable")
    for _, row in newest_first.iterrows():
        key, held = run_key(row), intents.get(str(row["eval_id"]), set())
        size = int(row["intent_set_size"]) if pd.notna(row.get("intent_set_size")) else len(held)
        open_run = next((run for run in runs if run.key == key and not run.complete), None)
        if open_run is not None and len(held) < size:
            shared = open_run.intents & held
            if not shared:
                open_run.eval_ids.append(str(row["eval_id"]))
                open_run.logs.append(str(row["log"]))
                open_run.intents |= held
                continue
            overlaps.append(Overlap(open_run.logs[-1], str(row["log"]), sorted(shared)))
        runs.append(
            Run(
                key=key,
                eval_ids=[str(row["eval_id"])],
                logs=[str(row["log"])],
                intents=set(held),
                size=size,
                created=row["created"],
                settings=json.loads(str(row.get("settings") or "{}")),
                intent_set=str(row.get("intent_set") or ""),
            )
        )
    return runs, overlaps


def chosen_runs(runs: Sequence[Run]) -> tuple[list[Run], list[str]]:
    """One run per key: the newest complete run, else the newest partial one; and what was set aside."""
    chosen: dict[tuple[str, ...], Run] = {}
    notes: list[str] = []
    for run in runs:  # newest first
        best = chosen.get(run.key)
        if best is None:
            chosen[run.key] = run
        elif run.complete and not best.complete:
            notes.append(f"{_names(best)}: a partial run, set aside for the complete run {_names(run)}")
            chosen[run.key] = run
        else:
            notes.append(f"{_names(run)}: replaced by a later run of the same kind ({_names(best)})")
    return list(chosen.values()), notes


def missing_intents(run: Run, whole: set[str]) -> list[str]:
    """The intents of the whole set (as far as the logs know it) that the run does not hold."""
    return sorted(whole - run.intents)


def key_differences(
    first: tuple[str, ...], second: tuple[str, ...], skip: tuple[str, ...] = ()
) -> list[tuple[str, str, str]]:
    """What differs between two keys (KEY_COLUMNS but `skip`): (name, first's value, second's), settings one
    by one."""
    differences = []
    columns = [column for column in KEY_COLUMNS if column not in skip]
    for column, a, b in zip(columns, first, second, strict=True):
        if a == b:
            continue
        if column == "settings":
            left, right = json.loads(a or "{}"), json.loads(b or "{}")
            for name in sorted(set(left) | set(right)):
                if left.get(name) != right.get(name):
                    differences.append((name, str(left.get(name, "unset")), str(right.get(name, "unset"))))
        else:
            differences.append((KEY_NAMES[column], a or "?", b or "?"))
    return differences


def _names(run: Run) -> str:
    return ", ".join(Path(log).name for log in sorted(run.logs))
