"""A run's figures, recomputed from its conversations with the scorers' own definitions (benchmark.figures).

The leaderboard shows these rather than one log's metrics, so a run cut into shards and merged gives the
same figures, to the last digit, as the same run in one log. Conversations whose simulator failed are left
out, as the scorers leave them out; what they and the other stop reasons were is reported beside the figures.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from benchmark.constants import (
    CI_HIGH_SUFFIX,
    CI_LOW_SUFFIX,
    INTENT_COVERAGE,
    LEXICAL_DIVERSITY,
    SIMULATOR_FAILURES,
    SIMULATOR_FAILURES_METRIC,
    STOP_REASONS,
    TASK_SCORE,
    TURN_RANGE_MAX,
    TURN_RANGE_MIN,
    TURN_VARIANCE,
    USER_TURNS,
    USER_UNIGRAMS,
)
from benchmark.figures import Estimate, across_simulations, lexical_diversity, per_conversation, turn_spread

SPREAD = (TURN_VARIANCE, TURN_RANGE_MIN, TURN_RANGE_MAX)


def _groups(conversations: pd.DataFrame, column: str) -> list[list[object]]:
    """Each intent's values of `column`, intents in id order and epochs in order (the scorers' order)."""
    ordered = conversations.sort_values(["intent", "epoch"], key=lambda s: s.astype(str) if s.name == "intent" else s)
    return [list(group[column]) for _, group in ordered.groupby(ordered["intent"].astype(str), sort=True)]


def _sets(values: list[object]) -> list[frozenset[str]]:
    return [frozenset(str(v).split()) if isinstance(v, str) else frozenset() for v in values]


def run_figures(conversations: pd.DataFrame) -> dict[str, float]:
    """Every leaderboard figure with its interval, the counts, and the shares of the stop reasons."""
    held = conversations[~conversations["stop_reason"].isin(SIMULATOR_FAILURES)]
    estimates: dict[str, Estimate] = {
        TASK_SCORE: per_conversation([[float(v) for v in g] for g in _groups(held, TASK_SCORE)]),
        INTENT_COVERAGE: per_conversation([[float(v) for v in g] for g in _groups(held, INTENT_COVERAGE)]),
    }
    turns = [[float(v) for v in g] for g in _groups(held, USER_TURNS)]
    spread, _ = across_simulations(turns, SPREAD, turn_spread)
    words = [_sets(g) for g in _groups(held, USER_UNIGRAMS)]
    diversity, _ = across_simulations(words, [LEXICAL_DIVERSITY], lexical_diversity)
    estimates.update(spread)
    estimates.update(diversity)
    figures: dict[str, float] = {}
    for name, (estimate, (low, high)) in estimates.items():
        figures.update({name: estimate, name + CI_LOW_SUFFIX: low, name + CI_HIGH_SUFFIX: high})
    total = len(conversations)
    figures[SIMULATOR_FAILURES_METRIC] = (
        float(conversations["stop_reason"].isin(SIMULATOR_FAILURES).mean()) if total else 0.0
    )
    figures["conversations"] = float(held[TASK_SCORE].notna().sum())
    return figures


def stop_reason_shares(conversations: pd.DataFrame) -> str:
    """`end_token 80%, max_turns 20%`: each stop reason's share of the conversations, most common first."""
    counts = Counter(str(reason) for reason in conversations["stop_reason"] if str(reason))
    total = sum(counts.values())
    order = {reason: i for i, reason in enumerate(STOP_REASONS)}
    ranked = sorted(counts.items(), key=lambda item: (-item[1], order.get(item[0], len(order))))
    return ", ".join(f"{reason} {count / total:.0%}" for reason, count in ranked) if total else ""


def coverage_method(conversations: pd.DataFrame) -> str:
    """Where intent coverage came from: `matcher`, `judge`, or both with their counts."""
    if "coverage_method" not in conversations:
        return ""
    counts = Counter(str(m) for m in conversations["coverage_method"] if str(m))
    if len(counts) <= 1:
        return next(iter(counts), "")
    return ", ".join(f"{method} {count}" for method, count in counts.most_common())
