"""The answer judge: what kind of turn each assistant message is, and the final answer of each answer attempt.

`-T answer_extraction=llm` grades the way Lost in Conversation does: a model (role `judge`) reads the
conversation, sorts every assistant message into one of TURN_CATEGORIES and, for GSM8k, copies out the final
answer of each answer attempt; `task_score` then grades the last attempt with the same graders as `rules`.

- The judge sees the conversation only: the person's messages as context and the assistant's messages
  numbered, a long one cut in the middle (its end, where a final answer usually is, is kept). It never
  sees the task or the gold answer, so it reads the assistant's answer instead of solving the problem.
- GSM8k: each answer attempt carries `answer`, its final number as written ("$18", "3/4"); it must be a
  number its message states (a weak judge copies the prompt's example or makes one up: that reply is
  rejected and retried). Other turns carry `answer: null`.
- HumanEval: the judge gives the categories only, and the program comes from the rule-based extraction
  over the messages up to the last answer attempt (`conversation_through`). So an attempt that refers
  back ("the function above is final") takes the code it refers to, later code after the attempt is
  ignored, and the judge never retypes code (a slip there would fail tests the assistant passed).

One structured call per conversation, strict parsing and bounded retries (`replies`); a reading without
categories (no usable reply, or a failed call) tells the scorer to fall back to `rules`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from inspect_ai.model import ChatMessage, ChatMessageSystem, ChatMessageUser, Model, ResponseSchema
from inspect_ai.util import json_schema
from pydantic import BaseModel, ConfigDict

from benchmark.constants import ANSWER_EXTRACTIONS, ANSWER_JUDGE_CHARS, JUDGE_ROLE
from benchmark.errors import UserError
from benchmark.grading.final_answer import final_answer
from benchmark.grading.latex import render_math
from benchmark.grading.numbers import find_numbers
from benchmark.intents.record import Source
from benchmark.judging.judge import judge_model
from benchmark.judging.replies import JudgeReplyError, ask_judge, judge_config, load_reply

TurnCategory = Literal["answer_attempt", "clarification", "discussion", "refusal", "other"]
TURN_CATEGORIES: tuple[TurnCategory, ...] = ("answer_attempt", "clarification", "discussion", "refusal", "other")
"""What an assistant turn does: commits to a complete solution (`answer_attempt`), asks the person for
information (`clarification`), explains or works through steps without committing (`discussion`), declines
or calls the problem unsolvable (`refusal`), or anything else (`other`: greetings, thanks, small talk)."""
ANSWER_ATTEMPT: TurnCategory = "answer_attempt"


@dataclass(frozen=True)
class _Brief:
    """What the judge is told for one source."""

    subject: str
    solution: str
    task: str
    answer_rule: str
    form: str


_BRIEFS: dict[Source, _Brief] = {
    "gsm8k": _Brief(
        subject="a maths word problem",
        solution="a final numerical answer",
        task="say for each one what kind of turn it is and, for an answer attempt, what its final answer is",
        answer_rule=(
            "For an answer_attempt, `answer` is the number the message gives as its final answer, copied as "
            'written, with its currency sign, unit, fraction or percent if it has one ("$18", "3/4", '
            '"2.5 hours"): the last one it commits to when it corrects itself, never an intermediate result. '
            "Do not work anything out yourself. For every other kind of turn, `answer` is null."
        ),
        form='{"turns": [{"turn": 1, "category": "clarification", "answer": null}, '
        '{"turn": 2, "category": "answer_attempt", "answer": "$7.50"}]}',
    ),
    "humaneval": _Brief(
        subject="writing a Python function",
        solution="the code of a whole function",
        task="say for each one what kind of turn it is",
        answer_rule="The code is taken from the messages themselves: give only the kind of each message.",
        form='{"turns": [{"turn": 1, "category": "clarification"}, {"turn": 2, "category": "answer_attempt"}]}',
    ),
}

ANSWER_JUDGE_SYSTEM = """\
You read a conversation in which a person asks an AI assistant for help with {subject}. The person's \
messages are there for context. Your job concerns the assistant's messages, which are numbered: {task}.

Kinds of turn (use these names):
- answer_attempt: the message commits to a complete solution of the problem as the assistant understands \
it at that point ({solution}), even when it is hedged, wrong, or revised later.
- clarification: the message asks the person for information, without committing to a complete solution.
- discussion: the message explains, restates, plans or works through steps, without committing to a \
complete solution.
- refusal: the message declines to help, or says the problem cannot be solved.
- other: anything else, such as a greeting, thanks or small talk.
A message that commits to a complete solution and also asks a question is an answer_attempt.

{answer_rule}

Answer with one JSON object and nothing else, in this form:
{form}
with exactly one entry for each assistant message, numbered as shown, in order."""


class _CodeTurn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    turn: int
    category: TurnCategory


class _MathTurn(_CodeTurn):
    answer: str | None


class _CodeReply(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    turns: list[_CodeTurn]


class _MathReply(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    turns: list[_MathTurn]


_SHAPES: dict[Source, type[_CodeReply] | type[_MathReply]] = {"gsm8k": _MathReply, "humaneval": _CodeReply}
_SCHEMAS = {
    source: ResponseSchema(
        name="assistant_turns",
        json_schema=json_schema(shape),
        description="the kind of each assistant turn, and the final answer of each answer attempt",
        strict=True,
    )
    for source, shape in _SHAPES.items()
}


class AnswerExtractionError(UserError, ValueError):
    """An unknown `answer_extraction`, or answer_extraction=llm without a model bound to the `judge` role."""


@dataclass
class AnswerReading:
    """What the answer judge said about one conversation."""

    categories: list[TurnCategory] | None
    """The category of each assistant turn, in order; None when no reply was usable (fall back to rules)."""
    answers: list[str | None] | None
    """For each assistant turn, the final answer the judge read (GSM8k answer attempts; None elsewhere)."""
    attempts: int = 0
    errors: list[str] = field(default_factory=list)
    """Why each rejected reply was rejected, and a failed call's error."""

    @property
    def last_attempt(self) -> int | None:
        """The index (0-based, among assistant turns) of the last answer attempt; None when there is none."""
        found = [i for i, category in enumerate(self.categories or []) if category == ANSWER_ATTEMPT]
        return found[-1] if found else None


def check_answer_extraction(value: object) -> None:
    """AnswerExtractionError unless `value` is one of ANSWER_EXTRACTIONS."""
    if value not in ANSWER_EXTRACTIONS:
        raise AnswerExtractionError(
            f"unknown answer_extraction '{value}': use -T answer_extraction=" + "|".join(ANSWER_EXTRACTIONS)
        )


def answer_judge() -> Model:
    """The model bound to the `judge` role; AnswerExtractionError, naming the flag, when none is."""
    model = judge_model()
    if model is None:
        raise AnswerExtractionError(
            f"answer_extraction=llm reads the assistant's answers with a judge model: pass --model-role "
            f"{JUDGE_ROLE}=PROVIDER/MODEL (e.g. --model-role {JUDGE_ROLE}=openai/gpt-4o-mini), "
            "or grade with -T answer_extraction=rules"
        )
    return model


def _shown(text: str) -> str:
    if len(text) <= ANSWER_JUDGE_CHARS:
        return text
    half = ANSWER_JUDGE_CHARS // 2
    return f"{text[:half]} [...] {text[-half:]}"


def answer_judge_messages(source: Source, conversation: Sequence[ChatMessage]) -> list[ChatMessage]:
    """The judge's opening messages: the source's instructions, and the conversation with the assistant's
    messages numbered."""
    brief = _BRIEFS[source]
    lines = ["CONVERSATION"]
    turn = 0
    for message in conversation:
        if message.role == "user":
            lines.append(f"[person] {message.text}")
        elif message.role == "assistant":
            turn += 1
            lines.append(f"[assistant, message {turn}] {_shown(message.text)}")
    system = ANSWER_JUDGE_SYSTEM.format(**brief.__dict__)
    return [ChatMessageSystem(content=system), ChatMessageUser(content="\n".join(lines))]


def _states(reply: str, answer: str) -> bool:
    """Whether `answer` reads as a number that `reply` states (or the number the rules read as its answer)."""
    value = final_answer(answer)
    return value is not None and (
        value in {number.value for number in find_numbers(render_math(reply))} or value == final_answer(reply)
    )


def parse_answer_reply(
    text: str, source: Source, replies: Sequence[str]
) -> tuple[list[TurnCategory], list[str | None]]:
    """The category and the judge-read final answer of each assistant turn (`replies`, their texts);
    JudgeReplyError when the reply is malformed: wrong shape or numbering, an answer outside an answer attempt,
    or a GSM8k answer attempt whose answer is no number its message states (copied from the example, made up)."""
    reply = load_reply(text, _SHAPES[source])
    numbers = [entry.turn for entry in reply.turns]
    if numbers != list(range(1, len(replies) + 1)):
        raise JudgeReplyError(f"expected turns 1..{len(replies)} in order, got {numbers}")
    answers: list[str | None] = [None] * len(replies)
    for entry in reply.turns:
        if not isinstance(entry, _MathTurn):
            continue
        if entry.category != ANSWER_ATTEMPT and entry.answer is not None:
            raise JudgeReplyError(f"turn {entry.turn} is {entry.category}: its answer must be null")
        if entry.category == ANSWER_ATTEMPT:
            if entry.answer is None or not _states(replies[entry.turn - 1], entry.answer):
                raise JudgeReplyError(
                    f"turn {entry.turn} is an answer_attempt: its answer must be a number that message states, "
                    f"got {entry.answer!r}"
                )
            answers[entry.turn - 1] = entry.answer
    return [entry.category for entry in reply.turns], answers


async def read_answers(model: Model, source: Source, conversation: Sequence[ChatMessage]) -> AnswerReading:
    """Ask `model` to sort the assistant turns of `conversation` and read their answers, retrying malformed
    replies (bounded); a conversation without assistant turns needs no call."""
    replies = [message.text for message in conversation if message.role == "assistant"]
    if not replies:
        return AnswerReading(categories=[], answers=[])
    exchange = await ask_judge(
        model,
        answer_judge_messages(source, conversation),
        lambda text: parse_answer_reply(text, source, replies),
        judge_config(model, response_schema=_SCHEMAS[source]),
    )
    categories, answers = exchange.value if exchange.value is not None else (None, None)
    return AnswerReading(categories=categories, answers=answers, attempts=exchange.attempts, errors=exchange.errors)


def conversation_through(conversation: Sequence[ChatMessage], turn: int) -> list[ChatMessage]:
    """The messages up to and including assistant turn `turn` (0-based among assistant turns)."""
    seen = -1
    for end, message in enumerate(conversation):
        if message.role == "assistant":
            seen += 1
            if seen == turn:
                return list(conversation[: end + 1])
    raise IndexError(f"the conversation has no assistant turn {turn}")
