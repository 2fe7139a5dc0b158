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
        # the examples
        ("So each basket holds $\\boxed{\\frac{36}{2}}$ apples.", "18"),
        ("The answer is 5 ... actually it is 7.", "7"),
        ("The answer is 5, actually it is 7.", "7"),
        ("50 * 50 = 2.5e3 seats", "2500"),
        ("It costs 1 000 dollars", "1000"),
        # markers, corrections, checks and asides
        ("Final answer:\n42", "42"),
        ("The answer is \\(\\boxed{-3}\\).", "-3"),
        ("Answer: $\\$1{,}250.00$", "1250"),
        ("The answer is 18 dollars. Check: 18 / 3 = 6 ✓", "18"),
        ("So the total is 60 apples. Each bag holds 10, giving 6 bags.", "6"),
        ("Janet makes $18 per day. Here's how: 16 − 3 − 4 = 9 eggs, sold at $2 each.", "18"),
        ("So she makes $18 a day. Note: this assumes she sells all 9 eggs.", "18"),
        ("She has 27 pencils. Does that make sense?", "27"),
        ("So she makes $18, right?", "18"),
        ("Total: 4 × $18 = $72\nShould I explain the steps in more detail?", "72"),
        ("The temperature is −4 °C, i.e. 4 degrees below zero.", "-4"),
        ("I got 5 + 3 = 8, so she has eight apples.", "8"),
        ("<think>5 + 3 = 9? No, 8.</think>\nShe has **8** apples.", "8"),
    ],
)
def test_extract_final_number(response, number):
    assert extract_final_number(response) == Decimal(number)


@pytest.mark.parametrize(
    "response",
    [
        "You're welcome, happy to help!",
        "She has 36 pencils. How many does she give away?",
        "Could you clarify whether the tip is before or after tax?",
        "There are 7 friends, but I'm not sure I have enough information yet.",
    ],
)
def test_no_answer(response):
    assert extract_final_number(response) is None
    assert not grade_gsm8k(response, "3")


def test_grade_compares_values():
    assert grade_gsm8k("The answer is $\\dfrac{3}{8}$.", "0.375")
    assert grade_gsm8k("She pays $1,250.00.", "1250")
    assert not grade_gsm8k("She pays $1,250.01.", "1250")


def test_gold_that_is_no_number_is_an_error():
    with pytest.raises(ValueError, match="'eighteen'"):
        grade_gsm8k("18", "eighteen")


def test_last_answer_attempt_skips_closing_pleasantry():
    messages = [
        ChatMessageUser(content="how many eggs? 16 eggs, eats 3"),
        ChatMessageAssistant(content="She has 13 eggs left."),
        ChatMessageUser(content="thanks!"),
        ChatMessageAssistant(content="You're welcome! Let me know if you need anything else."),
    ]
    assert last_answer_attempt(messages) == "She has 13 eggs left."
    assert last_answer_attempt(messages[:1]) is None


def test_last_answer_attempt_skips_clarification_question():
    messages = [
        ChatMessageAssistant(content="6 bags × 4 apples = 24 apples."),
        ChatMessageUser(content="hmm"),
        ChatMessageAssistant(content="Did you mean 3 apples per bag or 4 apples per bag?"),
    ]
    assert last_answer_attempt(messages) == "6 bags × 4 apples = 24 apples."


@pytest.mark.parametrize(("gold", "expected", "code"), [("18", "1", 0), ("19", "0", 1)])
def test_grade_cli(gold, expected, code):
    result = subprocess.run(
        [sys.executable, "-m", "benchmark.cli", "grade", "gsm8k", "--gold", gold],
        input="so she makes $18.00 a day",
        capture_output=True,
        text=True,
    )
    assert (result.stdout.strip(), result.returncode) == (expected, code)
