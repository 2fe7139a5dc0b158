"""`task_score`: did the assistant's final answer solve the user's task?

GSM8k: the final number of the assistant's last answer attempt equals the gold number.
"""

from __future__ import annotations

from inspect_ai.scorer import Score, Scorer, Target, mean, scorer, stderr
from inspect_ai.solver import TaskState

from benchmark.constants import TASK_SCORE
from benchmark.gsm8k_grading import extract_final_number, grade_gsm8k, last_answer_attempt
from benchmark.intents.record import Intent
from benchmark.loop import intent_of


def _score_gsm8k(state: TaskState, intent: Intent) -> Score:
    attempt = last_answer_attempt(state.messages)
    if attempt is None:
        return Score(
            value=0, answer=None, explanation="the assistant never stated a number", metadata={"reason": "no_answer"}
        )
    gold = intent.grading.answer or ""
    passed = grade_gsm8k(attempt, gold)
    return Score(
        value=1 if passed else 0,
        answer=str(extract_final_number(attempt)),
        explanation=attempt,
        metadata={"reason": "correct" if passed else "wrong_answer", "gold": gold},
    )


@scorer(metrics=[mean(), stderr()], name=TASK_SCORE)
def task_score() -> Scorer:
    """1 when the assistant's final answer solves the intent's problem, else 0."""

    async def score(state: TaskState, target: Target) -> Score:
        intent = intent_of(state)
        if intent.source == "gsm8k":
            return _score_gsm8k(state, intent)
        raise ValueError(f"task_score cannot grade {intent.source} intents")

    return score
