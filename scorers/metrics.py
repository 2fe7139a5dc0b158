"""Metric plumbing shared by the user-behaviour scorers.

Every metric here is declared `scores="unreduced"`: Inspect hands it one SampleScore per
sample *per epoch* (each epoch is one simulated conversation), with `sample_id` naming
the intent, so across-simulation figures can group conversations by intent. Each metric
returns a dict of figures, `<figure>`, `<figure>_ci_low` and `<figure>_ci_high`; Inspect
shows each key as a metric of the scorer. Missing figures are NaN, which Inspect shows as
missing (`nan` on the console, NaN in `inspect view`, NA in `evals_df`), never 0.

A conversation the simulator could not hold (its stop reason is a simulator failure) is scored missing by
every scorer (`missing_score`) and left out of every figure (`by_intent` drops it); `simulator_failures`
reports their share.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence

from inspect_ai.scorer import Metric, SampleScore, Score, Value, metric
from inspect_ai.solver import TaskState

from benchmark.constants import (
    CI_HIGH_SUFFIX,
    CI_LOW_SUFFIX,
    INTENTS_COMPARED,
    SIMULATOR_FAILED,
    SIMULATOR_FAILURES_METRIC,
)
from benchmark.conversation.loop import CONVERSATION_KEY, simulator_failed
from benchmark.figures import across_simulations as shared_across_simulations
from benchmark.figures import per_conversation
from benchmark.stats import NAN, Interval, pooled_mean
from benchmark.text import counted

Figures = dict[str, float]


def figure(name: str, estimate: float, interval: Interval) -> Figures:
    """The metric values of one figure: its estimate and its confidence interval."""
    return {name: estimate, name + CI_LOW_SUFFIX: interval[0], name + CI_HIGH_SUFFIX: interval[1]}


def missing_score(state: TaskState, value: Value) -> Score | None:
    """The score of a conversation whose simulator failed (`value` holds only NaN), else None."""
    conversation = state.metadata.get(CONVERSATION_KEY) or {}
    if not simulator_failed(conversation):
        return None
    stop, restarts = conversation.get("stop_reason"), conversation.get("restarts", 0)
    return Score(
        value=value,
        explanation=f"missing: the simulator failed ({stop}) after {counted(int(restarts or 0), 'restart')}; this "
        "says nothing about the assistant, so every figure of this conversation is left out.",
        metadata={"reason": SIMULATOR_FAILED, SIMULATOR_FAILED: True, "stop_reason": stop, "epoch": state.epoch},
    )


def is_simulator_failure(score: SampleScore) -> bool:
    """Whether a score belongs to a conversation whose simulator failed."""
    return metadata_of(score, SIMULATOR_FAILED) is True


def by_intent(scores: Sequence[SampleScore]) -> list[list[SampleScore]]:
    """Conversations grouped by intent (sample id), in a fixed order (intent id, then epoch); conversations
    whose simulator failed are left out."""
    groups: dict[str, list[SampleScore]] = defaultdict(list)
    for score in scores:
        if not is_simulator_failure(score):
            groups[str(score.sample_id)].append(score)
    return [sorted(groups[key], key=lambda s: (s.score.metadata or {}).get("epoch", 0)) for key in sorted(groups)]


def value_of(score: SampleScore, key: str) -> float:
    """The number `key` of a dict-valued score, NaN when it is missing."""
    value = score.score.value
    item = value.get(key) if isinstance(value, dict) else None
    return float(item) if isinstance(item, int | float) else NAN


def metadata_of(score: SampleScore, key: str) -> object:
    """An entry of a score's metadata (None when absent)."""
    return (score.score.metadata or {}).get(key)


@metric(name="conversation_mean", scores="unreduced")
def conversation_mean(key: str) -> Metric:
    """Mean of the per-conversation value `key` over conversations (NaN values left out),
    with a bootstrap interval over intents."""

    def compute(scores: list[SampleScore]) -> Figures:
        return figure(key, *per_conversation([[value_of(s, key) for s in group] for group in by_intent(scores)]))

    return compute


def _finite_by_intent(scores: Sequence[SampleScore]) -> list[list[float]]:
    """Each intent's finite numeric scores (simulator failures and NaN left out)."""
    groups = [[float(s.score.as_float()) for s in group] for group in by_intent(scores)]
    return [[v for v in group if not math.isnan(v)] for group in groups]


@metric(name="ci", scores="unreduced")
def intent_bootstrap_ci() -> Metric:
    """95% interval of a numeric per-conversation score's mean, bootstrapped over intents:
    `ci_low` and `ci_high` beside the scorer's mean."""

    def compute(scores: list[SampleScore]) -> Figures:
        groups = _finite_by_intent(scores)
        _, (low, high) = pooled_mean([sum(g) for g in groups], [len(g) for g in groups])
        return {"ci_low": low, "ci_high": high}

    return compute


@metric(name=SIMULATOR_FAILURES_METRIC, scores="unreduced")
def simulator_failures() -> Metric:
    """The share of conversations whose simulator failed (scored missing)."""

    def compute(scores: list[SampleScore]) -> Figures:
        failed = sum(is_simulator_failure(score) for score in scores)
        return {SIMULATOR_FAILURES_METRIC: failed / len(scores) if scores else NAN}

    return compute


def across_simulations(
    scores: Sequence[SampleScore], names: Sequence[str], per_intent: Callable[[Sequence[SampleScore]], Figures]
) -> Figures:
    """Per-intent figures averaged over the intents with two or more simulations, with intervals.

    `per_intent` maps one intent's conversations to its figures `names`. Intents with one
    simulation are left out (nothing to compare); when none has two (one epoch) every
    figure is NaN. INTENTS_COMPARED reports how many intents the figures average over.
    """
    estimates, compared = shared_across_simulations(by_intent(scores), names, per_intent)
    figures: Figures = {}
    for name in names:
        figures.update(figure(name, *estimates[name]))
    figures[INTENTS_COMPARED] = float(compared)
    return figures
