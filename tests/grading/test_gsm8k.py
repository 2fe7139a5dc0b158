import json
import subprocess
import sys
from decimal import Decimal

import pytest
from inspect_ai.model import ChatMessageAssistant, ChatMessageUser

from benchmark.grading.gsm8k import extract_final_number, grade_gsm8k, last_answer_attempt, parse_gold
from tests.conftest import GSM8K_TEST, needs_shared_data


@needs_shared_data
def test_every_gold_solution_grades_against_its_own_answer():
    records = [json.loads(line) for line in GSM8K_TEST.read_text().splitlines()]
    assert len(records) == 1319
    for index, record in enumerate(records):
        solution = record["answer"]
        gold = solution.split("####")[-1].strip()
        assert grade_gsm8k(solution, gold), index
        assert not grade_gsm8k(solution, str(parse_gold(gold) + 1)), index


@pytest.mark.parametrize(
    ("response", "number"),
    [
        ("So the answer is \\boxed{18}.", "18"),
        ("\\boxed{\\$1,234}", "1234"),
        ("She makes 9 * 2 = $18 every day.", "18"),
        ("The answer is: **-3.5** degrees", "-3.5"),
        ("Total: 18.00 dollars", "18"),
        ("#### 72", "72"),
        ("First 16 - 3 = 13, then the final answer is 13 eggs, not 20.", "13"),
        ("It costs $1,000,000.", "1000000"),
        ("16-3", "3"),
        ("It is 70% of the class.", "70"),
        ("The temperature drops to −4.", "-4"),
    ],
)
def test_extract_final_number(response, number):
    assert extract_final_number(response) == Decimal(number)


def test_no_number():
    assert extract_final_number("You're welcome, happy to help!") is None
    assert not grade_gsm8k("No idea, sorry.", "3")


def test_last_answer_attempt_skips_closing_pleasantry():
    messages = [
        ChatMessageUser(content="how many eggs? 16 eggs, eats 3"),
        ChatMessageAssistant(content="She has 13 eggs left."),
        ChatMessageUser(content="thanks!"),
        ChatMessageAssistant(content="You're welcome! Let me know if you need anything else."),
    ]
    assert last_answer_attempt(messages) == "She has 13 eggs left."
    assert last_answer_attempt(messages[:1]) is None


@pytest.mark.parametrize(("gold", "expected", "code"), [("18", "1", 0), ("19", "0", 1)])
def test_grade_cli(gold, expected, code):
    result = subprocess.run(
        [sys.executable, "-m", "benchmark.cli", "grade", "gsm8k", "--gold", gold],
        input="so she makes $18.00 a day",
        capture_output=True,
        text=True,
    )
    assert (result.stdout.strip(), result.returncode) == (expected, code)
