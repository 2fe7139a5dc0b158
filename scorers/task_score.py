"""`task_score`: did the assistant's final answer solve the user's task?

GSM8k: the final number of the assistant's last answer attempt equals the gold number.
HumanEval: the last function the assistant wrote passes the problem's unit tests, run in
isolation (the built-in sandboxed subprocess, or an Inspect sandbox such as docker).
"""

from __future__ import annotations

from inspect_ai.scorer import Score, Scorer, Target, mean, scorer, stderr
from inspect_ai.solver import TaskState

from benchmark.constants import TASK_SCORE
from benchmark.conversation.loop import intent_of
from benchmark.execution import ExecutionResult, run_tests
from benchmark.grading.gsm8k import extract_final_number, grade_gsm8k, last_answer_attempt
from benchmark.grading.humaneval import extract_program, humaneval_problem
from benchmark.intents.record import Intent
from benchmark.stats import NAN
from scorers.metrics import intent_bootstrap_ci, missing_score


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


async def _score_humaneval(state: TaskState, intent: Intent, sandbox: str | None) -> Score:
    problem = humaneval_problem(intent.grading.task_id or "")
    program = extract_program(state.messages, problem)
    if program is None:
        return Score(value=0, answer=None, explanation="the assistant wrote no code", metadata={"reason": "no_code"})
    result: ExecutionResult
    if sandbox is None:
        result = await run_tests(program, problem.test, problem.entry_point)
    else:
        from benchmark.execution.inspect_sandbox import run_tests_in_sandbox

        result = await run_tests_in_sandbox(program, problem.test, problem.entry_point)
    return Score(
        value=1 if result.passed else 0,
        answer=program,
        explanation=f"{result.outcome}: {result.detail}" if result.detail else result.outcome,
        metadata={
            "reason": result.outcome,
            "network_isolated": result.network_isolated,
            "isolation": result.isolation,
            "duration_seconds": round(result.duration_seconds, 3),
            "sandbox": sandbox or "subprocess",
        },
    )


@scorer(metrics=[mean(), stderr(), intent_bootstrap_ci()], name=TASK_SCORE)
def task_score(sandbox: str | None = None) -> Scorer:
    """1 when the assistant's final answer solves the intent's problem, else 0; missing (NaN, which
    Inspect leaves out of every metric and counts as unscored) when the simulator failed, so the
    assistant is never blamed for it.

    Args:
        sandbox: HumanEval only: None runs tests in the built-in isolated subprocess;
            an Inspect sandbox name (`docker`, `local`) runs them in the task's sandbox.
    """

    async def score(state: TaskState, target: Target) -> Score:
        missing = missing_score(state, NAN)
        if missing is not None:
            return missing
        intent = intent_of(state)
        if intent.source == "gsm8k":
            return _score_gsm8k(state, intent)
        return await _score_humaneval(state, intent, sandbox)

    return score
