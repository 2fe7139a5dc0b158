"""What the gate decides on and returns: its settings, each side's description, the deltas and flips, the result."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from benchmark.constants import (
    EXIT_REGRESSION,
    GATE_ALPHA,
    GATE_MAX_DROP,
    GATE_MAX_MISSING,
    GATE_MAX_SIMULATOR_FAILURES,
    GATE_METRIC,
    GATE_RESAMPLES,
    GATE_SEED,
)


class UnusableInput(ValueError):
    """The logs cannot be compared; the message says what to fix."""


@dataclass(frozen=True)
class GateSettings:
    metric: str = GATE_METRIC
    max_drop: float = GATE_MAX_DROP
    alpha: float = GATE_ALPHA
    resamples: int = GATE_RESAMPLES
    seed: int = GATE_SEED
    max_simulator_failures: float = GATE_MAX_SIMULATOR_FAILURES
    max_missing: float = GATE_MAX_MISSING


DEFAULT_SETTINGS = GateSettings()
"""The settings `userlm-bench compare` uses unless told otherwise."""


@dataclass
class Side:
    """What one side of the comparison ran."""

    label: str
    logs: list[str]
    assistant: str
    simulator: str
    user_model: str
    tasks: dict[str, str]
    """task name -> task version"""
    conversations: int
    intents: int
    epochs: int
    """Most conversations of any intent."""
    simulator_failures: float = 0.0
    """Share of the conversations whose simulator failed (scored missing)."""


@dataclass
class MetricDelta:
    metric: str
    baseline: float
    candidate: float
    change: float
    """candidate - baseline, mean over the intents scored on both sides."""
    ci_low: float
    ci_high: float
    intents: int
    task: str = ""
    """Empty for all tasks together."""


@dataclass
class Flip:
    task: str
    intent: str
    baseline: float
    candidate: float


@dataclass
class GateResult:
    settings: GateSettings
    exit_code: int
    drop: float
    """baseline - candidate of the gated metric (positive: the candidate is worse)."""
    p_value: float
    intents: int
    baseline: Side
    candidate: Side
    deltas: list[MetricDelta]
    by_task: list[MetricDelta]
    regressed: list[Flip]
    improved: list[Flip]
    flips_computed: bool
    warnings: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> Literal["pass", "regression"]:
        return "regression" if self.exit_code == EXIT_REGRESSION else "pass"
