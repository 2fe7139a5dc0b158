"""The simulator table's displayed columns and their notes (the rows come from `simulators`)."""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd

from benchmark.constants import (
    CI_HIGH_SUFFIX,
    CI_LOW_SUFFIX,
    DECISION_POINTS,
    END_F1,
    END_PRECISION,
    END_RECALL,
    FIRST_TURN_DIVERSITY,
    INTENT_ADHERENCE,
    INTENT_DECOMPOSITION,
    PUBLISHED_FIDELITY_SOURCE,
    ROLE_ADHERENCE,
    UNJUDGED_PROBES,
    USER_PERPLEXITY,
)
from benchmark.reports.leaderboard.columns import Column, _field, _fmt, _with_ci
from benchmark.reports.leaderboard.simulators import HUMAN_TURNS, MEASURED, PUBLISHED

NOT_MEASURED = {
    END_F1: "no decision point was predicted",
    END_PRECISION: "the simulator never predicted the end",
    END_RECALL: "no decision point was predicted",
    ROLE_ADHERENCE: "no judged role probe: no `judge` role bound, or no verdict (see unjudged probes)",
    INTENT_ADHERENCE: "no judged intent probe: no `judge` role bound, or no verdict (see unjudged probes)",
    USER_PERPLEXITY: "the simulator gave no prompt log-probabilities (needs a completions endpoint)",
}
"""Why a measured figure is missing (NaN), shown as its tooltip."""


def _tip(name: str) -> Callable[[pd.Series], str]:
    """A figure's tooltip: its interval, or why there is none."""

    def tip(row: pd.Series) -> str:
        value, low, high = row[name], row[name + CI_LOW_SUFFIX], row[name + CI_HIGH_SUFFIX]
        if row["origin"] == PUBLISHED:
            return "as printed in the paper, divided by 100" if math.isfinite(value) else "not reported in the paper"
        if row["origin"] == HUMAN_TURNS and not math.isfinite(value):
            return "not a figure of the humans' own turns"
        if not math.isfinite(value):
            return "not measured: " + NOT_MEASURED.get(name, "no value").replace("`", "")
        if math.isfinite(low) and math.isfinite(high):
            return f"95% CI [{_fmt(low)}, {_fmt(high)}] (bootstrap over conversations)"
        return "no interval (fewer than 2 conversations)"

    return tip


def _figure(title: str, name: str) -> Column:
    return Column(title, "number", lambda r: _fmt(r[name]), lambda r: r[name], _tip(name), key=name)


def _whole(title: str, name: str, tip: Callable[[pd.Series], str] | None = None) -> Column:
    """A count, empty where the row has none (the published rows)."""

    def text(row: pd.Series) -> str:
        value = row[name]
        return str(int(value)) if isinstance(value, int | float) and math.isfinite(value) else ""

    return Column(title, "number", text, lambda r: r[name], tip, key=name)


def _with_intent(row: pd.Series) -> str:
    return {True: "yes", False: "no"}.get(row["with_intent"], "")


SIMULATOR_TABLE: list[Column] = [
    _field("simulator", "simulator_model", key="simulator_model"),
    _field("figures", "origin", key="origin"),
    _field("protocol", "protocol"),
    _field("conversation set", "conversation_source", key="conversation_source"),
    Column("with intent", "text", _with_intent, _with_intent, key="with_intent"),
    _field("version", "task_version", key="task_version"),
    Column(
        "end F1 [95% CI]",
        "number",
        lambda r: _with_ci(r[END_F1], r[END_F1 + CI_LOW_SUFFIX], r[END_F1 + CI_HIGH_SUFFIX]),
        lambda r: r[END_F1],
        _tip(END_F1),
        key=END_F1,
    ),
    _figure("end precision", END_PRECISION),
    _figure("end recall", END_RECALL),
    _figure("first-turn diversity", FIRST_TURN_DIVERSITY),
    _figure("intent decomposition", INTENT_DECOMPOSITION),
    _figure("role adherence", ROLE_ADHERENCE),
    _figure("intent adherence", INTENT_ADHERENCE),
    _figure("user perplexity", USER_PERPLEXITY),
    _whole("conversations", "conversations", lambda r: r["coverage"]),
    _whole("decision points", DECISION_POINTS),
    _whole("unjudged probes", UNJUDGED_PROBES),
]
"""The simulator table's columns: measured rows, the human reference rows, the published rows."""

SIMULATOR_NOTES = [
    (
        "units",
        "every figure but user perplexity is a share in [0, 1], ours as the logs hold them; the published rows "
        "are the paper's percentages divided by 100, so the table has one unit (the paper's intent decomposition "
        "may be defined differently from ours: compare that column with care)",
    ),
    ("simulator", "the model that played the user: the `user` role of the fidelity log, else `--model`"),
    (
        "figures",
        f"`{MEASURED}`: from a `simulator_fidelity` log; `{HUMAN_TURNS}`: the humans' own first turns in the "
        f"same conversations, the reference row `human (these conversations)`; `{PUBLISHED}`: "
        f"{PUBLISHED_FIDELITY_SOURCE}, no intervals",
    ),
    (
        "protocol",
        "`-T simulator=`: `userlm` (the UserLM-8b prompt), `prompted` (an assistant LM told to play the user), "
        "`scripted` (offline)",
    ),
    ("conversation set", "`-T conversations=`: the conversation file's name, or `wildchat` / `prism`"),
    ("with intent", "`-T with_intent=`: user perplexity given the intent or without it (no other figure changes)"),
    (
        "end F1 / precision / recall",
        "does the simulator end where the human ended: the `end` class at every assistant turn, pooled over "
        "conversations, with its 95% CI (bootstrap over conversations)",
    ),
    ("first-turn diversity", "mean pairwise 1 - unigram Jaccard of the opening turns of all conversations"),
    ("intent decomposition", "share of the opening's content words taken from the intent (lower: less copying)"),
    ("role / intent adherence", "share of judged probes whose reply stays the user's / holds to the intent"),
    ("user perplexity", "per-token perplexity of the humans' user turns under the simulator (lower: closer)"),
    (
        "conversations / decision points / unjudged probes",
        "conversations scored (the tooltip says whether the run covered its whole set), assistant turns with a "
        "prediction, probes without a verdict (left out of adherence)",
    ),
]
"""What each column of the simulator table means: (name, note with `code` in backticks)."""
