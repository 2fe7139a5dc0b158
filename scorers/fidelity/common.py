"""What the fidelity scorers share: reading the replay's record, and leaving a conversation out."""

from __future__ import annotations

import math

from inspect_ai.scorer import SampleScore, Score, Value
from inspect_ai.solver import TaskState

from benchmark.constants import SIMULATOR_FAILED
from benchmark.fidelity.record import FidelityRecord, fidelity_record
from scorers.metrics import by_intent, value_of


def recorded(state: TaskState) -> FidelityRecord | None:
    """The replay's record of the sample, or None when it is left out of every figure (no intent)."""
    record = fidelity_record(state)
    return None if record.left_out else record


def left_out_score(state: TaskState, value: Value, why: str) -> Score:
    """A score left out of its figures. It is flagged as the loop flags a simulator failure, so `by_intent`
    (which the shared metrics group by) drops it."""
    return Score(
        value=value,
        explanation=f"left out of every figure: {why}",
        metadata={"reason": why, SIMULATOR_FAILED: True, "epoch": state.epoch},
    )


def conversation_sums(scores: list[SampleScore], keys: tuple[str, ...]) -> list[list[float]]:
    """For each conversation (its epochs together), the sum of each value `key` (NaN values left out)."""
    groups = by_intent(scores)
    return [[math.fsum(v for s in g if not math.isnan(v := value_of(s, key))) for key in keys] for g in groups]
