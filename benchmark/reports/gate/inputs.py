"""The gate's inputs: per-intent values of each metric, each side's description, and the comparability checks."""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from benchmark.constants import LEXICAL_DIVERSITY, MIN_INTENTS_WARNING, SIMULATOR_FAILURES, TURN_VARIANCE, USER_TURNS
from benchmark.figures import lexical_diversity, turn_spread
from benchmark.reports.gate.results import GateSettings, Side, UnusableInput
from benchmark.reports.logs import CONVERSATION_VALUES, USER_UNIGRAMS, Logs
from benchmark.reports.runs import KEY_COLUMNS, Run, assemble, key_differences

PER_CONVERSATION = tuple(CONVERSATION_VALUES)
"""Metrics with one value per conversation: averaged over an intent's epochs."""
PER_INTENT = (TURN_VARIANCE, LEXICAL_DIVERSITY)
"""Metrics that compare an intent's epochs: one value per intent (NaN with one epoch)."""
METRICS = (*PER_CONVERSATION, *PER_INTENT)
KEY = ["task", "intent"]
"""An intent is identified by its task and sample id."""


# --- per-intent values ---------------------------------------------------------------------


def _turn_variance(turns: pd.Series) -> float:
    values = turns.dropna().to_numpy(float)
    return turn_spread(values)[TURN_VARIANCE] if len(values) >= 2 else math.nan


def _lexical_diversity(words: pd.Series) -> float:
    sets = [frozenset(str(w).split()) for w in words if isinstance(w, str)]
    return lexical_diversity(sets)[LEXICAL_DIVERSITY] if len(sets) >= 2 else math.nan


def intent_values(conversations: pd.DataFrame, metric: str) -> pd.Series:
    """One value of `metric` per intent, indexed by (task, intent): the mean over its epochs
    (NaN values left out) for per-conversation metrics, the across-epoch figure otherwise."""
    grouped = conversations.groupby(KEY, sort=True)
    if metric == TURN_VARIANCE:
        return grouped[USER_TURNS].apply(_turn_variance).rename(metric)
    if metric == LEXICAL_DIVERSITY:
        return grouped[USER_UNIGRAMS].apply(_lexical_diversity).rename(metric)
    return grouped[metric].mean().rename(metric)


def has_metric(conversations: pd.DataFrame, metric: str) -> bool:
    """Whether the conversations hold any value of `metric` (or of what it is computed from)."""
    if metric == TURN_VARIANCE:
        metric = USER_TURNS
    elif metric == LEXICAL_DIVERSITY:
        return USER_UNIGRAMS in conversations and conversations[USER_UNIGRAMS].notna().any()
    return metric in conversations and bool(conversations[metric].notna().any())


# --- checks ----------------------------------------------------------------------------


def log_names(frame: pd.DataFrame) -> str:
    """The frame's log files, for messages."""
    logs = sorted(set(frame["log"])) if "log" in frame and len(frame) else []
    return ", ".join(logs) if logs else "(no log)"


def _values(frame: pd.DataFrame, column: str) -> list[str]:
    if column not in frame:
        return []
    return sorted(v for v in frame[column].dropna().astype(str).unique() if v)


def describe(label: str, frame: pd.DataFrame) -> Side:
    """What the side's conversations ran: models, simulator, task versions, counts."""
    per_intent = frame.groupby(KEY).size() if len(frame) else pd.Series(dtype=int)
    versions = frame.groupby("task")["task_version"].first() if "task_version" in frame else pd.Series(dtype=str)
    return Side(
        label=label,
        logs=sorted(set(frame["log"])) if "log" in frame else [],
        assistant=", ".join(_values(frame, "assistant")),
        simulator=", ".join(_values(frame, "simulator")),
        user_model=", ".join(_values(frame, "user_model")),
        tasks={str(task): str(version) for task, version in versions.items()}
        if len(versions)
        else {str(t): "" for t in _values(frame, "task")},
        conversations=len(frame),
        intents=len(per_intent),
        epochs=int(per_intent.max()) if len(per_intent) else 0,
        simulator_failures=simulator_failure_share(frame),
    )


def simulator_failure_share(frame: pd.DataFrame) -> float:
    """The share of conversations whose stop reason is a simulator failure."""
    if frame.empty or "stop_reason" not in frame:
        return 0.0
    return float(frame["stop_reason"].isin(SIMULATOR_FAILURES).mean())


def intent_listing(keys: Iterable[tuple[str, str]]) -> str:
    """The first five (task, intent) keys as task:intent, and how many more."""
    keys = sorted(keys)
    shown = ", ".join(f"{task}:{intent}" for task, intent in keys[:5])
    return shown + (f" and {len(keys) - 5} more" if len(keys) > 5 else "")


def _key_of(frame: pd.DataFrame, task: str) -> tuple[str, ...]:
    """The comparability key (but the assistant) of a side's run of `task`, as recorded on its conversations."""
    rows = frame[frame["task"] == task]
    columns = [c for c in KEY_COLUMNS if c != "assistant"]
    return tuple(",".join(sorted({str(v) for v in rows[c].dropna()})) if c in rows else "" for c in columns)


def _missing_values(frame: pd.DataFrame, metric: str) -> tuple[int, int]:
    """How many of the side's conversations have no value of `metric`, and how many of those the simulator failed."""
    if metric not in frame:
        return len(frame), 0
    missing = frame[metric].isna()
    failed = frame["stop_reason"].isin(SIMULATOR_FAILURES) if "stop_reason" in frame else missing & False
    return int(missing.sum()), int((missing & failed).sum())


def check_comparable(
    base: pd.DataFrame, cand: pd.DataFrame, b: Side, c: Side, metric: str, settings: GateSettings
) -> list[str]:
    """Raise UnusableInput unless the sides compare like with like; warnings on lesser differences."""
    warnings: list[str] = []
    for side, frame in ((b, base), (c, cand)):
        if frame.empty:
            raise UnusableInput(f"the {side.label} logs hold no conversations: {log_names(frame)}")
        if side.simulator_failures > settings.max_simulator_failures:
            raise UnusableInput(
                f"the simulator failed in {side.simulator_failures:.1%} of the {side.label}'s conversations "
                f"({log_names(frame)}), more than the {settings.max_simulator_failures:.0%} allowed: what remains is "
                "a selection of intents, not the run. Check the user model's server (userlm-bench check-user), "
                "rerun, or raise --max-simulator-failures"
            )
        if "," in side.assistant:
            raise UnusableInput(
                f"the {side.label} logs hold several assistants ({side.assistant}): pass one assistant's logs "
                f"({log_names(frame)})"
            )
    if set(b.tasks) != set(c.tasks):
        raise UnusableInput(
            f"different tasks: baseline has {sorted(b.tasks)} ({log_names(base)}), candidate has {sorted(c.tasks)} "
            f"({log_names(cand)}); run the candidate on the baseline's tasks"
        )
    for task in sorted(b.tasks):
        ours, theirs = _key_of(base, task), _key_of(cand, task)
        differences = key_differences(ours, theirs, skip=("assistant",))
        if differences:
            listed = "; ".join(f"{name}: baseline {a}, candidate {b}" for name, a, b in differences)
            versions = any(name == "task version" for name, _, _ in differences)
            fix = (
                "rerun the baseline with the current task version and store that log"
                if versions
                else "run both with the same simulator, user model, settings (-T ...) and intents"
            )
            raise UnusableInput(
                f"{task}: the runs are not comparable: {listed}. Their scores mean different things; {fix}. "
                f"Baseline: {log_names(base)}; candidate: {log_names(cand)}"
            )
    base_keys = set(map(tuple, base[KEY].drop_duplicates().to_numpy()))
    cand_keys = set(map(tuple, cand[KEY].drop_duplicates().to_numpy()))
    if base_keys != cand_keys:
        only_b, only_c = base_keys - cand_keys, cand_keys - base_keys
        parts = []
        if only_b:
            parts.append(f"{len(only_b)} intents only in the baseline ({intent_listing(only_b)})")
        if only_c:
            parts.append(f"{len(only_c)} intents only in the candidate ({intent_listing(only_c)})")
        raise UnusableInput(
            "different intent sets: "
            + "; ".join(parts)
            + f". Baseline: {log_names(base)}; candidate: {log_names(cand)}. Run both with the same intents "
            "(-T intents=..., --limit, --sample-id)"
        )
    for side, frame in ((b, base), (c, cand)):
        if not has_metric(frame, metric):
            found = [m for m in METRICS if has_metric(frame, m)]
            raise UnusableInput(
                f"metric '{metric}' is missing from the {side.label} logs ({log_names(frame)}); metrics found: "
                + (", ".join(found) or "none")
            )
        missing, failed = _missing_values(frame, metric) if metric in PER_CONVERSATION else (0, 0)
        share = missing / len(frame)
        if share > settings.max_missing:
            raise UnusableInput(
                f"{missing} of the {side.label}'s {len(frame)} conversations ({share:.1%}) have no {metric} "
                f"({failed} of them simulator failures, the rest errors or unscored), more than the "
                f"{settings.max_missing:.0%} allowed: a missing score is not a pass. Rerun them "
                f"(inspect eval-retry LOG) or raise --max-missing ({log_names(frame)})"
            )
        if missing:
            warnings.append(f"{missing} {side.label} conversations have no {metric} and are left out")
        if side.intents < MIN_INTENTS_WARNING:
            warnings.append(
                f"only {side.intents} intents on the {side.label} side (fewer than {MIN_INTENTS_WARNING}): the test "
                "has little power, and a drop it lets pass may still be real"
            )
    epochs = base.groupby(KEY).size().rename("b").to_frame().join(cand.groupby(KEY).size().rename("c"), how="outer")
    uneven = epochs[epochs["b"] != epochs["c"]]
    if len(uneven):
        listed = intent_listing(map(tuple, uneven.index))
        warnings.append(
            f"{len(uneven)} intents have different numbers of conversations on the two sides ({listed}); "
            "each intent's conversations are averaged"
        )
    if b.user_model != c.user_model:
        warnings.append(f"the user model differs: baseline {b.user_model or '?'}, candidate {c.user_model or '?'}")
    return warnings


def select_side(logs: Logs, label: str) -> tuple[pd.DataFrame, list[str]]:
    """The conversations of each task's run on one side: the newest complete run, else the newest partial one
    (its shards merged); raises UnusableInput for shards of one run whose intents overlap."""
    evals = logs.evals
    warnings = []
    if evals.empty:
        raise UnusableInput(f"no {label} logs")
    for row in evals[evals["status"] != "success"].itertuples():
        warnings.append(f"{label} log {Path(row.log).name} has status '{row.status}': it may be incomplete")
    runs, overlaps = assemble(evals, logs.conversations)
    chosen: dict[str, Run] = {}
    for run in runs:  # newest first
        task, best = run.key[0], chosen.get(run.key[0])
        if best is None or (best.key == run.key and run.complete and not best.complete):
            chosen[task] = run
    for run in runs:
        if chosen[run.key[0]] is not run:
            names = ", ".join(Path(log).name for log in run.logs)
            warnings.append(f"{label}: older log {names} of {run.key[0]} ignored (a newer one is used)")
    for overlap in overlaps:
        if any(overlap.first in run.logs or overlap.second in run.logs for run in chosen.values()):
            raise UnusableInput(f"{label}: {overlap.message()}. Pass the shards of one run, or one complete log")
    for run in chosen.values():
        if not run.complete:
            warnings.append(f"{label}: {run.key[0]} is a partial run ({len(run.intents)} of {run.size} intents)")
    eval_ids = {eval_id for run in chosen.values() for eval_id in run.eval_ids}
    frame = logs.conversations[logs.conversations["eval_id"].isin(eval_ids)].reset_index(drop=True)
    if frame.empty:
        files = ", ".join(Path(log).name for run in chosen.values() for log in run.logs)
        raise UnusableInput(f"the {label} logs hold no conversations (no samples were logged): {files}")
    return frame, warnings
