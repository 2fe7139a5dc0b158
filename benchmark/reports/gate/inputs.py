"""The gate's inputs: per-intent values of each metric, each side's description, and the comparability checks."""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from benchmark.constants import LEXICAL_DIVERSITY, SIMULATOR_FAILURES, TURN_VARIANCE, USER_TURNS
from benchmark.reports.gate.results import Side, UnusableInput
from benchmark.reports.logs import CONVERSATION_VALUES, USER_UNIGRAMS, Logs
from benchmark.text import mean_pairwise_difference

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
    return float(values.var()) if len(values) >= 2 else math.nan


def _lexical_diversity(words: pd.Series) -> float:
    sets = [frozenset(str(w).split()) for w in words if isinstance(w, str)]
    return mean_pairwise_difference(sets) if len(sets) >= 2 else math.nan


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


def check_comparable(
    base: pd.DataFrame, cand: pd.DataFrame, b: Side, c: Side, metric: str, max_simulator_failures: float
) -> list[str]:
    """Raise UnusableInput unless the sides compare like with like; warnings on lesser differences."""
    warnings: list[str] = []
    for side, frame in ((b, base), (c, cand)):
        if frame.empty:
            raise UnusableInput(f"the {side.label} logs hold no conversations: {log_names(frame)}")
        if side.simulator_failures > max_simulator_failures:
            raise UnusableInput(
                f"the simulator failed in {side.simulator_failures:.1%} of the {side.label}'s conversations "
                f"({log_names(frame)}), more than the {max_simulator_failures:.0%} allowed: what remains is a "
                "selection of intents, not the run. Check the user model's server (userlm-bench check-user), "
                "rerun, or raise --max-simulator-failures"
            )
        if "," in side.simulator:
            raise UnusableInput(
                f"the {side.label} logs mix simulators ({side.simulator}): pass logs of one simulator "
                f"({log_names(frame)})"
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
    for task, version in b.tasks.items():
        if c.tasks[task] != version:
            raise UnusableInput(
                f"{task}: baseline is task version {version}, candidate is {c.tasks[task]}: their scores are not "
                "comparable; rerun the baseline with the current task version and store that log"
            )
    if b.simulator != c.simulator:
        raise UnusableInput(
            f"different simulators: baseline used {b.simulator or '?'} ({log_names(base)}), candidate used "
            f"{c.simulator or '?'} ({log_names(cand)}); run the candidate with -T simulator={b.simulator}"
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
    if b.user_model != c.user_model:
        warnings.append(f"the user model differs: baseline {b.user_model or '?'}, candidate {c.user_model or '?'}")
    if b.epochs != c.epochs:
        warnings.append(f"epochs differ: baseline {b.epochs}, candidate {c.epochs} (each intent's epochs are averaged)")
    for side, frame in ((b, base), (c, cand)):
        errors = int((frame["error"].astype(str) != "").sum()) if "error" in frame else 0
        if errors:
            warnings.append(f"{errors} {side.label} conversations ended in an error and are left out")
    return warnings


def latest_per_task(logs: Logs, label: str) -> tuple[pd.DataFrame, list[str]]:
    """The conversations of the newest log of each task (a directory may hold re-runs)."""
    evals = logs.evals
    warnings = []
    if evals.empty:
        raise UnusableInput(f"no {label} logs")
    incomplete = evals[evals["status"] != "success"]
    for row in incomplete.itertuples():
        warnings.append(f"{label} log {Path(row.log).name} has status '{row.status}': it may be incomplete")
    chosen = evals.sort_values("created", kind="stable").groupby("task").tail(1)
    dropped = evals[~evals["eval_id"].isin(chosen["eval_id"])]
    for row in dropped.itertuples():
        warnings.append(f"{label}: older log {Path(row.log).name} of {row.task} ignored (a newer one is used)")
    frame = logs.conversations[logs.conversations["eval_id"].isin(chosen["eval_id"])].reset_index(drop=True)
    if frame.empty:
        files = ", ".join(chosen["log"])
        raise UnusableInput(f"the {label} logs hold no conversations (no samples were logged): {files}")
    return frame, warnings
