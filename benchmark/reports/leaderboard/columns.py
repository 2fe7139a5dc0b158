"""The leaderboard's columns: the frames' schemas, the displayed tables' columns and their notes."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from benchmark.constants import (
    CI_HIGH_SUFFIX,
    CI_LOW_SUFFIX,
    INTENT_COVERAGE,
    LEXICAL_DIVERSITY,
    SIMULATOR_FAILURES_METRIC,
    TASK_SCORE,
    TURN_RANGE_MAX,
    TURN_RANGE_MIN,
    TURN_VARIANCE,
)

PROMPTED, USERLM = "prompted", "userlm"
INFLATION_GAP = "inflation_gap"

FIGURES = (TASK_SCORE, INTENT_COVERAGE, TURN_VARIANCE, TURN_RANGE_MIN, TURN_RANGE_MAX, LEXICAL_DIVERSITY)
"""The logs' own metrics a row shows, each with its interval."""
CSV_COLUMNS = [
    "task",
    "task_version",
    "assistant",
    "simulator",
    "user_model",
    *[name + suffix for name in FIGURES for suffix in ("", CI_LOW_SUFFIX, CI_HIGH_SUFFIX)],
    "conversations",
    "intents",
    "epochs",
    SIMULATOR_FAILURES_METRIC,
    "stop_reasons",
    "coverage_method",
    "settings",
    "intent_set",
    "coverage",
    "shards",
    "stand_in",
    INFLATION_GAP,
    INFLATION_GAP + CI_LOW_SUFFIX,
    INFLATION_GAP + CI_HIGH_SUFFIX,
    "log",
    "created",
]
"""The rows frame's columns, in the CSV's order."""
GAP_COLUMNS = [
    "task",
    "task_version",
    "assistant",
    "prompted_user_model",
    "userlm_user_model",
    "prompted_task_score",
    "userlm_task_score",
    INFLATION_GAP,
    INFLATION_GAP + CI_LOW_SUFFIX,
    INFLATION_GAP + CI_HIGH_SUFFIX,
    "paired",
    "intents",
]
"""The gaps frame's columns."""

COLUMN_NOTES = [
    ("task / version", "the Inspect task and its `version` (scores of different versions are never compared)"),
    ("assistant", "the model under test (`--model`)"),
    ("simulator", "`-T simulator=`: `userlm` (UserLM-8b protocol), `prompted` (an assistant LM told to play the user)"),
    ("user model", "the model that played the user (model role `user`)"),
    (
        "task score",
        "share of conversations whose final answer solved the task, with its 95% CI (bootstrap over intents)",
    ),
    ("intent coverage", "share of the intent's required shards the user revealed (mean over conversations)"),
    ("turn variance", "variance of user-turn counts across an intent's simulations, averaged over intents"),
    ("turn range", "fewest-most user turns across an intent's simulations, averaged over intents"),
    (
        "lexical diversity",
        "Unigram Difference: mean pairwise 1 - Jaccard of an intent's user sides, averaged over intents",
    ),
    ("conversations / intents / epochs", "scored conversations, distinct intents, simulations per intent"),
    (
        "simulator failures",
        "share of conversations the simulator could not hold (no acceptable opening, stalled, a user-model error) "
        "after every restart: scored missing, left out of every figure; the tooltip lists every stop reason's share",
    ),
    ("coverage by", "who labelled the shards each user turn revealed: the offline `matcher` or the `judge` role"),
    ("settings", "the task parameters that differ from their defaults (rows with different settings never merge)"),
    (
        "intents run",
        "`complete`, or `partial: K of N intents` for a `--limit`/`--sample-id` run or missing shards; shards of "
        "one run (`-T shard=K/N`) are merged into one row",
    ),
    (
        "inflation gap",
        "prompted task score minus userlm task score for the same assistant and task, with its 95% CI "
        "(bootstrap over intents, paired by intent when both runs hold the same intents); shown on the prompted row",
    ),
]
"""What each displayed column means: (name, note with `code` in backticks)."""


def _fmt(value: float, digits: int = 3, sign: bool = False) -> str:
    if value is None or not isinstance(value, int | float) or not math.isfinite(value):
        return ""
    value = round(float(value), digits) + 0.0
    return f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"


def _with_ci(value: float, low: float, high: float, sign: bool = False) -> str:
    text = _fmt(value, sign=sign)
    if text and math.isfinite(low) and math.isfinite(high):
        text += f" [{_fmt(low, sign=sign)}, {_fmt(high, sign=sign)}]"
    return text


def _range(low: float, high: float) -> str:
    return f"{_fmt(low, 1)}-{_fmt(high, 1)}" if math.isfinite(low) and math.isfinite(high) else ""


@dataclass(frozen=True)
class Column:
    """A displayed column: its title, how a row shows it, what it sorts by, and its tooltip."""

    title: str
    kind: Literal["text", "number"]
    text: Callable[[pd.Series], object]
    """What a row shows (as str)."""
    value: Callable[[pd.Series], object]
    """The value the HTML page sorts by."""
    tip: Callable[[pd.Series], str] | None = None
    key: str = ""
    """The name `leaderboard.html#sort=KEY` sorts by; the title when empty."""

    @property
    def sort_key(self) -> str:
        return self.key or self.title


def _ci_tip(name: str) -> Callable[[pd.Series], str]:
    return lambda r: (
        f"95% CI [{_fmt(r[name + CI_LOW_SUFFIX])}, {_fmt(r[name + CI_HIGH_SUFFIX])}]"
        if math.isfinite(r[name + CI_LOW_SUFFIX])
        else "no interval (fewer than 2 intents, or one epoch)"
    )


def _gap(r: pd.Series) -> str:
    return _with_ci(r[INFLATION_GAP], r[INFLATION_GAP + CI_LOW_SUFFIX], r[INFLATION_GAP + CI_HIGH_SUFFIX], True)


def _named(r: pd.Series, name: str) -> str:
    """A model name, with what it really is when the log says it is a stand-in."""
    label = json.loads(str(r.get("stand_in") or "") or "{}").get(str(r[name]))
    return f"{r[name]} ({label})" if label else str(r[name])


def _field(title: str, name: str, key: str = "") -> Column:
    """A text column that shows the row's `name` as it is."""
    return Column(title, "text", lambda r: r[name], lambda r: r[name], key=key)


def _count(name: str) -> Column:
    return Column(name, "number", lambda r: str(r[name]), lambda r: r[name])


def _figure(title: str, name: str) -> Column:
    return Column(title, "number", lambda r: _fmt(r[name]), lambda r: r[name], _ci_tip(name), key=name)


TABLE: list[Column] = [
    _field("task", "task"),
    _field("version", "task_version"),
    Column("assistant", "text", lambda r: _named(r, "assistant"), lambda r: r["assistant"]),
    _field("simulator", "simulator"),
    Column("user model", "text", lambda r: _named(r, "user_model"), lambda r: r["user_model"], key="user_model"),
    Column(
        "task score [95% CI]",
        "number",
        lambda r: _with_ci(r[TASK_SCORE], r[TASK_SCORE + CI_LOW_SUFFIX], r[TASK_SCORE + CI_HIGH_SUFFIX]),
        lambda r: r[TASK_SCORE],
        key=TASK_SCORE,
    ),
    _figure("intent coverage", INTENT_COVERAGE),
    _figure("turn variance", TURN_VARIANCE),
    Column(
        "turn range",
        "number",
        lambda r: _range(r[TURN_RANGE_MIN], r[TURN_RANGE_MAX]),
        lambda r: r[TURN_RANGE_MAX] - r[TURN_RANGE_MIN],
        lambda r: "mean per-intent fewest and most user turns; sorts by their difference",
        key="turn_range",
    ),
    _figure("lexical diversity", LEXICAL_DIVERSITY),
    _count("conversations"),
    _count("intents"),
    _count("epochs"),
    Column(
        "simulator failures",
        "number",
        lambda r: f"{r[SIMULATOR_FAILURES_METRIC]:.0%}",
        lambda r: r[SIMULATOR_FAILURES_METRIC],
        lambda r: f"stop reasons: {r['stop_reasons']}",
        key=SIMULATOR_FAILURES_METRIC,
    ),
    _field("coverage by", "coverage_method", key="coverage_method"),
    _field("settings", "settings"),
    Column(
        "intents run",
        "text",
        lambda r: r["coverage"] + (f" ({r['shards']} shards)" if r["shards"] > 1 else ""),
        lambda r: r["coverage"],
        lambda r: f"intent set {r['intent_set']}",
        key="coverage",
    ),
    Column("inflation gap [95% CI]", "number", _gap, lambda r: r[INFLATION_GAP], key=INFLATION_GAP),
]
"""The leaderboard's columns, one row per run."""

GAP_TABLE: list[Column] = [
    _field("task", "task"),
    _field("version", "task_version"),
    _field("assistant", "assistant"),
    _field("prompted user", "prompted_user_model"),
    _field("userlm user", "userlm_user_model"),
    Column("prompted score", "number", lambda g: _fmt(g["prompted_task_score"]), lambda g: g["prompted_task_score"]),
    Column("userlm score", "number", lambda g: _fmt(g["userlm_task_score"]), lambda g: g["userlm_task_score"]),
    Column("inflation gap [95% CI]", "number", _gap, lambda g: g[INFLATION_GAP], key=INFLATION_GAP),
    Column("paired by intent", "text", lambda g: "yes" if g["paired"] else "no", lambda g: str(g["paired"])),
    _count("intents"),
]
"""The inflation-gap table's columns, one row per prompted run with a userlm run to compare."""
