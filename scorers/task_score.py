"""`task_score`: did the assistant's final answer solve the user's task?

GSM8k: the final number of the assistant's last answer attempt equals the gold number.
HumanEval: the last function the assistant wrote passes the problem's unit tests, run in
isolation (the built-in sandboxed subprocess, or an Inspect sandbox such as docker).

Which answer is graded, `answer_extraction`: `rules` finds it with the graders' own rules; `llm` has
the `judge` role sort the assistant turns and read the last answer attempt (benchmark.judging.answers),
as Lost in Conversation grades, and grades it with the same graders. When the judge gives no usable
reply within its retries, or its call fails, the conversation is graded by `rules`. Score metadata:

- `extraction`: `rules`, `llm`, or `rules_fallback`; with answer_extraction=llm also
- `turn_categories`: the judge's category of each assistant turn (None on fallback),
- `answer_turn`: the assistant turn (1-based) whose answer the judge took (None: no attempt, or fallback),
- `llm_answer`: the judge-read answer (GSM8k: the final answer as the judge copied it; HumanEval: the
  program from the messages up to that turn), and `rules_answer`: the rule-based one (GSM8k: its number;
  HumanEval: its program),
- `extractions_agree`: whether both give the same answer (GSM8k: the same value; HumanEval: the same
  program; neither finding one counts as agreeing); None on fallback,
- `judge_model`, `judge_attempts`, `judge_errors`.

Metrics `extraction_agreement` and `extraction_fallbacks` summarise them. To measure them on a log graded
with `rules`, score it again beside its own scores (the new scorer is named `task_score1`):

    inspect score LOG --scorer scorers/task_score.py@task_score -S answer_extraction=llm \
        --model-role judge=PROVIDER/MODEL --action append --output-file RESCORED.eval

and read its metrics, or `extraction_figures(s.scores["task_score1"].metadata for s in log.samples)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from inspect_ai.model import Model
from inspect_ai.scorer import Metric, SampleScore, Score, Scorer, Target, mean, metric, scorer, stderr
from inspect_ai.solver import TaskState

from benchmark.constants import DEFAULT_ANSWER_EXTRACTION, EXTRACTION_AGREEMENT, EXTRACTION_FALLBACKS, TASK_SCORE
from benchmark.conversation.loop import intent_of
from benchmark.execution import ExecutionResult, run_tests
from benchmark.grading.final_answer import final_answer
from benchmark.grading.gsm8k import extract_final_number, grade_gsm8k, last_answer_attempt
from benchmark.grading.humaneval import extract_program, humaneval_problem
from benchmark.intents.record import Intent
from benchmark.judging.answers import (
    AnswerReading,
    answer_judge,
    check_answer_extraction,
    conversation_through,
    read_answers,
)
from benchmark.stats import NAN
from scorers.metrics import intent_bootstrap_ci, missing_score

Answer = TypeVar("Answer")
Metadata = dict[str, object]


def _extract(
    reading: AnswerReading | None,
    rules: Answer | None,
    rules_shown: object,
    from_turn: Callable[[int], Answer | None],
    same: Callable[[Answer | None, Answer | None], bool],
) -> tuple[Answer | None, Metadata]:
    """The answer to grade and its extraction metadata: the rule-based answer `rules` (recorded as
    `rules_shown`) without a reading (answer_extraction=rules) or with an unusable one (the fallback), else
    the answer `from_turn` gives for the judge's last answer attempt; `same` compares the two."""
    if reading is None:
        return rules, {"extraction": "rules"}
    judged: Metadata = {"judge_attempts": reading.attempts, "judge_errors": reading.errors}
    if reading.categories is None:
        return rules, {
            "extraction": "rules_fallback",
            "turn_categories": None,
            "answer_turn": None,
            "llm_answer": None,
            "rules_answer": rules_shown,
            "extractions_agree": None,
            **judged,
        }
    turn = reading.last_attempt
    answer = None if turn is None else from_turn(turn)
    return answer, {
        "extraction": "llm",
        "turn_categories": reading.categories,
        "answer_turn": None if turn is None else turn + 1,
        "llm_answer": answer,
        "rules_answer": rules_shown,
        "extractions_agree": same(answer, rules),
        **judged,
    }


def _number(text: str | None) -> str | None:
    return None if text is None else str(extract_final_number(text))


def _same_value(first: str | None, second: str | None) -> bool:
    return (None if first is None else final_answer(first)) == (None if second is None else final_answer(second))


def _score_gsm8k(state: TaskState, intent: Intent, reading: AnswerReading | None) -> Score:
    replies = [message.text for message in state.messages if message.role == "assistant"]
    answers = reading.answers if reading is not None and reading.answers is not None else []
    attempt = last_answer_attempt(state.messages)
    graded, extraction = _extract(reading, attempt, _number(attempt), lambda turn: answers[turn], _same_value)
    if graded is None:
        return Score(
            value=0,
            answer=None,
            explanation="the judge found no answer attempt"
            if extraction["extraction"] == "llm"
            else "the assistant never stated a number",
            metadata={"reason": "no_answer", **extraction},
        )
    gold = intent.grading.answer or ""
    passed = grade_gsm8k(graded, gold)
    turn = extraction.get("answer_turn")
    return Score(
        value=1 if passed else 0,
        answer=_number(graded),
        explanation=replies[turn - 1] if isinstance(turn, int) else graded,
        metadata={"reason": "correct" if passed else "wrong_answer", "gold": gold, **extraction},
    )


async def _score_humaneval(
    state: TaskState, intent: Intent, sandbox: str | None, reading: AnswerReading | None
) -> Score:
    problem = humaneval_problem(intent.grading.task_id or "")
    rules = extract_program(state.messages, problem)
    program, extraction = _extract(
        reading,
        rules,
        rules,
        lambda turn: extract_program(conversation_through(state.messages, turn), problem),
        lambda first, second: first == second,
    )
    if program is None:
        return Score(
            value=0,
            answer=None,
            explanation="the judge found no answer attempt with code"
            if extraction["extraction"] == "llm"
            else "the assistant wrote no code",
            metadata={"reason": "no_code", **extraction},
        )
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
            **extraction,
        },
    )


def extraction_figures(metadata: Iterable[Mapping[str, object] | None]) -> dict[str, float]:
    """EXTRACTION_AGREEMENT (the share of judge-read conversations whose extractions agree; NaN when none
    was judge-read) and EXTRACTION_FALLBACKS (conversations graded by rules after the judge failed), from
    task_score metadata, one per conversation (e.g. each sample's `scores["task_score"].metadata` in a log)."""
    entries = [entry or {} for entry in metadata]
    judged = [entry.get("extractions_agree") is True for entry in entries if entry.get("extraction") == "llm"]
    return {
        EXTRACTION_AGREEMENT: sum(judged) / len(judged) if judged else NAN,
        EXTRACTION_FALLBACKS: float(sum(entry.get("extraction") == "rules_fallback" for entry in entries)),
    }


@metric(name=EXTRACTION_AGREEMENT, scores="unreduced")
def extraction_agreement() -> Metric:
    """How often the judge-read answer is the rule-based one, and how often the judge failed (each
    conversation counted once, every epoch); nothing with answer_extraction=rules."""

    def compute(scores: list[SampleScore]) -> dict[str, float]:
        metadata = [score.score.metadata for score in scores]
        if not any((entry or {}).get("extraction") in ("llm", "rules_fallback") for entry in metadata):
            return {}
        return extraction_figures(metadata)

    return compute


@scorer(metrics=[mean(), stderr(), intent_bootstrap_ci(), extraction_agreement()], name=TASK_SCORE)
def task_score(sandbox: str | None = None, answer_extraction: str = DEFAULT_ANSWER_EXTRACTION) -> Scorer:
    """1 when the assistant's final answer solves the intent's problem, else 0; missing (NaN, which
    Inspect leaves out of every metric and counts as unscored) when the simulator failed, so the
    assistant is never blamed for it.

    Args:
        sandbox: HumanEval only: None runs tests in the built-in isolated subprocess;
            an Inspect sandbox name (`docker`, `local`) runs them in the task's sandbox.
        answer_extraction: `rules` (default) or `llm`: the `judge` role reads the final answer of the
            last answer attempt; a judge that fails falls back to `rules` (recorded in the metadata).
    """
    check_answer_extraction(answer_extraction)

    async def score(state: TaskState, target: Target) -> Score:
        missing = missing_score(state, NAN)
        if missing is not None:
            return missing
        intent = intent_of(state)
        judge: Model | None = answer_judge() if answer_extraction == "llm" else None
        reading = None if judge is None else await read_answers(judge, intent.source, state.messages)
        if intent.source == "gsm8k":
            result = _score_gsm8k(state, intent, reading)
        else:
            result = await _score_humaneval(state, intent, sandbox, reading)
        if judge is not None and result.metadata is not None:
            result.metadata["judge_model"] = str(judge)
        return result

    return score
