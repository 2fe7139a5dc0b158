"""The answer judge's prompt and reply format, and the retry loop it shares with the coverage judge."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from inspect_ai.model import ChatMessageAssistant, ChatMessageUser, ModelOutput, get_model
from pydantic import BaseModel

from benchmark.constants import ANSWER_JUDGE_CHARS, JUDGE_MAX_RETRIES
from benchmark.judging.answers import (
    TURN_CATEGORIES,
    AnswerExtractionError,
    AnswerReading,
    answer_judge,
    answer_judge_messages,
    check_answer_extraction,
    conversation_through,
    parse_answer_reply,
    read_answers,
)
from benchmark.judging.replies import JUDGE_RETRY, JudgeReplyError, ask_judge, load_reply
from benchmark.serving.scripted import scripted_output

CONVERSATION = [
    ChatMessageUser(content="how far does dana get"),
    ChatMessageAssistant(content="How fast does she run?"),
    ChatMessageUser(content="4 times her walking speed, she skips at 3 mph"),
    ChatMessageAssistant(content="So she covers 18 miles."),
]


def reply(*turns: dict) -> str:
    return json.dumps({"turns": list(turns)})


def test_prompt_numbers_the_assistant_turns_and_shows_the_person_as_context():
    system, user = answer_judge_messages("gsm8k", CONVERSATION)
    assert "maths word problem" in system.text and '"answer": "$7.50"' in system.text
    assert all(category in system.text for category in TURN_CATEGORIES)
    assert user.text.splitlines() == [
        "CONVERSATION",
        "[person] how far does dana get",
        "[assistant, message 1] How fast does she run?",
        "[person] 4 times her walking speed, she skips at 3 mph",
        "[assistant, message 2] So she covers 18 miles.",
    ]
    code_system, _ = answer_judge_messages("humaneval", CONVERSATION)
    assert "Python function" in code_system.text and '"answer"' not in code_system.text


def test_a_long_reply_is_cut_in_the_middle_keeping_its_end():
    long = "start " + "x" * (2 * ANSWER_JUDGE_CHARS) + " so the answer is 42."
    _, user = answer_judge_messages("gsm8k", [ChatMessageUser(content="hi"), ChatMessageAssistant(content=long)])
    assert "[assistant, message 1] start " in user.text and user.text.endswith("so the answer is 42.")
    assert " [...] " in user.text and len(user.text) < ANSWER_JUDGE_CHARS + 100


def test_parse_a_gsm8k_reply():
    text = reply(
        {"turn": 1, "category": "clarification", "answer": None},
        {"turn": 2, "category": "answer_attempt", "answer": "$18"},
    )
    replies = ["How fast does she run?", "So she covers eighteen miles."]
    assert parse_answer_reply(text, "gsm8k", replies) == (["clarification", "answer_attempt"], [None, "$18"])
    assert parse_answer_reply(f"```json\n{text}\n```", "gsm8k", replies)[1] == [None, "$18"]


def test_parse_a_humaneval_reply_has_categories_only():
    text = reply({"turn": 1, "category": "discussion"}, {"turn": 2, "category": "answer_attempt"})
    assert parse_answer_reply(text, "humaneval", ["a", "b"]) == (["discussion", "answer_attempt"], [None, None])


@pytest.mark.parametrize(
    ("source", "text", "problem"),
    [
        ("gsm8k", "Message 2 answers 18.", "not valid JSON"),
        ("gsm8k", reply({"turn": 1, "category": "answer", "answer": "18"}), "category"),
        ("gsm8k", reply({"turn": 1, "category": "answer_attempt"}), "answer"),
        ("gsm8k", reply({"turn": 1, "category": "answer_attempt", "answer": 18}), "answer"),
        ("gsm8k", reply({"turn": 1, "category": "other", "answer": None, "why": "x"}), "why"),
        ("gsm8k", reply({"turn": 2, "category": "other", "answer": None}), "expected turns 1..1"),
        ("gsm8k", reply({"turn": 1, "category": "discussion", "answer": "6"}), "turn 1 is discussion"),
        ("gsm8k", reply({"turn": 1, "category": "answer_attempt", "answer": None}), "must be a number that"),
        ("gsm8k", reply({"turn": 1, "category": "answer_attempt", "answer": "she runs"}), "must be a number that"),
        ("gsm8k", reply({"turn": 1, "category": "answer_attempt", "answer": "$7.50"}), "got '$7.50'"),
        ("humaneval", reply({"turn": 1, "category": "answer_attempt", "answer": "def f(): ..."}), "answer"),
        ("humaneval", '{"turns": [{"turn": "1", "category": "other"}]}', "turn"),
    ],
)
def test_malformed_replies_are_rejected_saying_why(source, text, problem):
    with pytest.raises(JudgeReplyError, match=re.escape(problem)):
        parse_answer_reply(text, source, ["She walks 6 miles and runs 12, so 18 miles in all."])


def test_last_attempt_and_conversation_through():
    reading = AnswerReading(["answer_attempt", "discussion", "answer_attempt", "other"], [None] * 4)
    assert reading.last_attempt == 2
    assert AnswerReading(["clarification"], [None]).last_attempt is None
    assert AnswerReading(None, None).last_attempt is None
    assert conversation_through(CONVERSATION, 0) == CONVERSATION[:2]
    assert conversation_through(CONVERSATION, 1) == CONVERSATION
    with pytest.raises(IndexError):
        conversation_through(CONVERSATION, 2)


def test_answer_extraction_values_and_the_judge_role():
    check_answer_extraction("rules")
    check_answer_extraction("llm")
    with pytest.raises(AnswerExtractionError, match=re.escape("use -T answer_extraction=rules|llm")):
        check_answer_extraction("model")
    with pytest.raises(AnswerExtractionError, match=re.escape("--model-role judge=PROVIDER/MODEL")):
        answer_judge()


class Replies:
    """A judge model that returns `texts` in order (the last one again when they run out)."""

    def __init__(self, *texts: str) -> None:
        self.texts = list(texts)
        self.calls: list[list] = []

    def __call__(self, input, tools, tool_choice, config) -> ModelOutput:
        self.calls.append(list(input))
        return scripted_output("mockllm/model", self.texts[min(len(self.calls), len(self.texts)) - 1])


def read(judge: Replies) -> AnswerReading:
    model = get_model("mockllm/model", custom_outputs=judge, memoize=False)
    return asyncio.run(read_answers(model, "gsm8k", CONVERSATION))


GOOD = reply(
    {"turn": 1, "category": "clarification", "answer": None},
    {"turn": 2, "category": "answer_attempt", "answer": "18 miles"},
)


def test_read_answers_retries_a_malformed_reply_showing_the_problem():
    judge = Replies("Turn 2 is the answer: 18.", GOOD)
    reading = read(judge)
    assert reading.categories == ["clarification", "answer_attempt"] and reading.answers == [None, "18 miles"]
    assert reading.attempts == 2 and "not valid JSON" in reading.errors[0]
    retry = judge.calls[1]
    assert retry[-2].role == "assistant" and retry[-2].text == "Turn 2 is the answer: 18."
    assert retry[-1].text.startswith(JUDGE_RETRY.split("{")[0]) and "not valid JSON" in retry[-1].text


def test_read_answers_gives_up_after_the_retries():
    judge = Replies(reply({"turn": 1, "category": "other", "answer": None}))
    reading = read(judge)
    assert reading.categories is None and reading.answers is None
    assert reading.attempts == len(judge.calls) == JUDGE_MAX_RETRIES + 1
    assert all("expected turns 1..2" in error for error in reading.errors)


def test_no_assistant_turn_needs_no_call():
    judge = Replies(GOOD)
    model = get_model("mockllm/model", custom_outputs=judge, memoize=False)
    reading = asyncio.run(read_answers(model, "gsm8k", [ChatMessageUser(content="hello there")]))
    assert reading.categories == [] and reading.attempts == 0 and judge.calls == []


class Turns(BaseModel):
    turns: list[int]


def test_ask_judge_records_a_failed_call_and_load_reply_names_the_field():
    def broken(input, tools, tool_choice, config):
        raise RuntimeError("judge server down")

    model = get_model("mockllm/model", custom_outputs=broken, memoize=False)
    exchange = asyncio.run(ask_judge(model, CONVERSATION, str, model.config))
    assert exchange.value is None and exchange.attempts == 1
    (error,) = exchange.errors
    assert error.startswith("judge model mockllm/model failed: RuntimeError: judge server down")
    with pytest.raises(JudgeReplyError, match="field 'reply'"):
        load_reply("[1, 2]", Turns)
