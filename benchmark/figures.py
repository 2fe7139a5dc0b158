"""The headline figures from per-conversation values grouped by intent: one definition for the scorers (which
compute them in the log) and the reports (which recompute them from merged shards and check them).

Input is always "intent -> its conversations' values", intents in id order (the bootstrap's draws are
assigned to intents in that order, so the order is part of the definition). Conversations whose simulator
failed are not in the input: they were scored missing and count for nothing.

- `per_conversation`: the mean over conversations of a value (NaN values left out), bootstrapped over intents;
- `turn_spread`: one intent's population variance, fewest and most user turns across its simulations;
- `across_simulations`: a per-intent figure averaged over the intents with two or more simulations.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np

from benchmark.constants import LEXICAL_DIVERSITY, TURN_RANGE_MAX, TURN_RANGE_MIN, TURN_VARIANCE
from benchmark.stats import Interval, mean_of_intents, pooled_mean
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
