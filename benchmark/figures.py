"""The headline figures from per-conversation values grouped by intent: one definition for the scorers (which
compute them in the log) and the reports (which recompute them from merged shards and check them).

Input is always "intent -> its conversations' values", intents in id order (the bootstrap's draws are
assigned to intents in that order, so the order is part of the definition). Conversations whose simulator
failed are not in the input: they were scored missing and count for nothing.

- `behaviour_figures`: one conversation's intent coverage, repeats, skips and added demands from per-turn labels;
- `per_conversation`: the mean over conversations of a value (NaN values left out), bootstrapped over intents;
- `turn_spread`: one intent's population variance, fewest and most user turns across its simulations;
- `across_simulations`: a per-intent figure averaged over the intents with two or more simulations.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np

from benchmark.constants import (
    ADD_DEMANDS,
    INTENT_COVERAGE,
    LEXICAL_DIVERSITY,
    REPEAT_REQUIRED,
    SKIP_NONREQUIRED,
    TURN_RANGE_MAX,
    TURN_RANGE_MIN,
    TURN_VARIANCE,
)
from benchmark.intents.record import Intent
from benchmark.stats import NAN, Interval, mean_of_intents, pooled_mean
from benchmark.text import mean_pairwise_difference

Estimate = tuple[float, Interval]
T = TypeVar("T")


def per_conversation(values_by_intent: Sequence[Sequence[float]]) -> Estimate:
    """Mean over conversations of a value (NaN left out) and its interval over intents."""
    finite = [[v for v in values if not math.isnan(v)] for values in values_by_intent]
    return pooled_mean([sum(values) for values in finite], [len(values) for values in finite])


def turn_spread(counts: Sequence[float]) -> dict[str, float]:
    """Population variance, minimum and maximum of one intent's user-turn counts."""
    values = np.asarray(counts, float)
    return {
        TURN_VARIANCE: float(values.var()),
        TURN_RANGE_MIN: float(values.min()),
        TURN_RANGE_MAX: float(values.max()),
    }


def lexical_diversity(user_sides: Sequence[frozenset[str]]) -> dict[str, float]:
    """One intent's Unigram Difference: mean pairwise 1 - Jaccard of its simulations' user-side unigrams."""
    return {LEXICAL_DIVERSITY: mean_pairwise_difference(user_sides)}


def across_simulations(
    groups: Sequence[Sequence[T]], names: Sequence[str], per_intent: Callable[[Sequence[T]], dict[str, float]]
) -> tuple[dict[str, Estimate], int]:
    """Each figure `names` of `per_intent`, averaged over the intents with two or more simulations, with its
    interval; and how many intents that is. With none (one epoch) every figure is missing (NaN)."""
    compared = [group for group in groups if len(group) >= 2]
    per = [per_intent(group) for group in compared]
    figures = {name: mean_of_intents([item[name] for item in per]) for name in names}
    return figures, len(compared)


def turns_revealing(intent: Intent, revealed: list[list[int]]) -> dict[int, int]:
    """For each shard of the intent, in how many user turns it was revealed."""
    counts = Counter(shard for turn in revealed for shard in set(turn))
    return {shard.id: counts[shard.id] for shard in intent.shards}


def behaviour_figures(intent: Intent, revealed: list[list[int]] | None, demands: list[bool] | None) -> dict[str, float]:
    """The per-conversation figures from per-turn shard ids (None: unjudged) and demand flags (None: unknown)."""
    if revealed is None:
        return {INTENT_COVERAGE: NAN, REPEAT_REQUIRED: NAN, SKIP_NONREQUIRED: NAN, ADD_DEMANDS: NAN}
    counts = turns_revealing(intent, revealed)
    required = [shard.id for shard in intent.shards if shard.required]
    optional = [shard.id for shard in intent.shards if not shard.required]
    return {
        INTENT_COVERAGE: sum(counts[i] > 0 for i in required) / len(required),
        REPEAT_REQUIRED: float(any(counts[i] >= 2 for i in required)),
        SKIP_NONREQUIRED: float(any(counts[i] == 0 for i in optional)) if optional else NAN,
        ADD_DEMANDS: float(any(demands)) if demands is not None else NAN,
    }
