"""`end_prediction`: does the simulator leave where the human left?

At every decision point of a human conversation (each assistant turn, the history up to it) the simulator
predicts "end" when its turn holds the end token; the truth is "end" after the conversation's last
assistant turn only. Figures (pooled over every decision point of every conversation, each with an
interval that resamples conversations and recomputes the pooled figure):

- `end_precision`: TP / (TP + FP), missing (NaN) when the simulator never predicted "end";
- `end_recall`: TP / (TP + FN);
- `end_f1`: 2 TP / (2 TP + FP + FN), the harmonic mean of the two, 0 for a simulator that never ends;
- `decision_points`: the decision points counted (a call with an error output predicts nothing).
"""

from __future__ import annotations

import numpy as np
from inspect_ai.scorer import Metric, SampleScore, Score, Scorer, Target, metric, scorer
from inspect_ai.solver import TaskState

from benchmark.constants import DECISION_POINTS, END_F1, END_PRECISION, END_PREDICTION, END_RECALL
from benchmark.fidelity.record import Decision
from benchmark.stats import NAN, bootstrap_interval
from scorers.fidelity.common import conversation_sums, left_out_score, recorded
from scorers.metrics import Figures, figure

TRUE_POSITIVES = "end_true_positives"
FALSE_POSITIVES = "end_false_positives"
FALSE_NEGATIVES = "end_false_negatives"
TRUE_NEGATIVES = "end_true_negatives"
COUNTS = (TRUE_POSITIVES, FALSE_POSITIVES, FALSE_NEGATIVES, TRUE_NEGATIVES)
"""The per-conversation score value: its decision points by outcome."""


def end_counts(decisions: list[Decision]) -> dict[str, float]:
    """The conversation's decision points by outcome (points without a prediction left out)."""
    counts = dict.fromkeys(COUNTS, 0.0)
    for decision in decisions:
        predicted = decision.predicted_end
        if predicted is None:
            continue
        if predicted:
            counts[TRUE_POSITIVES if decision.human_ended else FALSE_POSITIVES] += 1
        else:
            counts[FALSE_NEGATIVES if decision.human_ended else TRUE_NEGATIVES] += 1
    return counts


def end_scores(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall and F1 of the "end" class from pooled counts (NaN where a denominator is 0)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return tp / (tp + fp), tp / (tp + fn), 2 * tp / (2 * tp + fp + fn)


@metric(name="end_class_f1", scores="unreduced")
def end_class_f1() -> Metric:
    """end_precision, end_recall and end_f1 over all decision points, with intervals over conversations."""

    def compute(scores: list[SampleScore]) -> Figures:
        counts = np.asarray(conversation_sums(scores, COUNTS), float).reshape(-1, len(COUNTS))
        totals = counts.sum(axis=0)
        estimates = [float(v) for v in end_scores(*totals[:3])]
        figures: Figures = {}
        for index, name in ((2, END_F1), (0, END_PRECISION), (1, END_RECALL)):  # end_f1 first: the headline
            interval = bootstrap_interval(len(counts), lambda w, i=index: end_scores(*(w @ counts[:, :3]).T)[i])
            figures.update(figure(name, estimates[index], interval))
        return {**figures, DECISION_POINTS: float(totals.sum())}

    return compute


def _explain(decisions: list[Decision]) -> str:
    said = {True: "end", False: "continue", None: "no prediction (error output)"}
    points = "; ".join(
        f"after assistant turn {d.after_assistant_turn}: {said[d.predicted_end]}"
        f" (human: {'end' if d.human_ended else 'continue'})"
        for d in decisions
    )
    return f"decision points: {points}"


@scorer(metrics=[end_class_f1()], name=END_PREDICTION)
def end_prediction() -> Scorer:
    """The conversation's decision points by outcome; the metric pools them over conversations."""

    async def score(state: TaskState, target: Target) -> Score:
        record = recorded(state)
        if record is None:
            return left_out_score(state, dict.fromkeys(COUNTS, NAN), "the conversation has no intent")
        return Score(
            value=end_counts(record.decisions),
            explanation=_explain(record.decisions),
            metadata={"epoch": state.epoch},
        )

    return score
