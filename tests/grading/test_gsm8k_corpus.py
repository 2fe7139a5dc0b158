"""The hand-labelled GSM8k chat-answer corpus (data/README.md): every case graded as a careful human would."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from inspect_ai.model import ChatMessageAssistant, ChatMessageUser

from benchmark.grading.gsm8k import extract_final_number, grade_gsm8k, last_answer_attempt

CASES = [json.loads(line) for line in (Path(__file__).parent / "data" / "gsm8k_chat_answers.jsonl").open()]


def conversation(case: dict) -> list:
    messages: list = [ChatMessageUser(content=case["problem"])]
    for index, reply in enumerate(case["messages"]):
        if index:
            messages.append(ChatMessageUser(content="ok"))
        messages.append(ChatMessageAssistant(content=reply))
    return messages


def test_corpus_size():
    assert len(CASES) >= 100
    assert len({case["id"] for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_case(case):
    attempt = last_answer_attempt(conversation(case))
    expected = case["expected_answer"]
    if expected is None:
        assert attempt is None
        return
    assert attempt is not None
    assert extract_final_number(attempt) == Decimal(expected)
    assert grade_gsm8k(attempt, case["gold"]) is (Decimal(expected) == Decimal(case["gold"]))
