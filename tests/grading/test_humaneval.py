import pytest
from inspect_ai.model import ChatMessageAssistant, ChatMessageUser

from benchmark.grading.humaneval import extract_program, humaneval_problem, humaneval_problems
from benchmark.intents import curated_intents, load_intent_set
from benchmark.intents.record import INTENT_PREFIX

CLOSE = humaneval_problem("HumanEval/0")


def program(*assistant_texts: str, problem=CLOSE):
    messages = [ChatMessageUser(content="write has_close_elements")]
    messages += [ChatMessageAssistant(content=text) for text in assistant_texts]
    return extract_program(messages, problem)


def run(code: str, name: str = "has_close_elements"):
    namespace: dict = {}
    exec(compile(code, "<extracted>", "exec"), namespace)  # trusted test strings only
    return namespace[name]


def test_fenced_code_with_prose_and_example_calls():
    text = (
        "Here you go:\n```python\ndef has_close_elements(numbers, threshold):\n"
        "    return any(abs(a - b) < threshold for i, a in enumerate(numbers) for b in numbers[i + 1:])\n\n"
        "print(has_close_elements([1.0, 2.0], 0.5))\n```\nLet me know!"
    )
    code = program(text)
    assert code.startswith("from typing import List")  # the prompt's imports come first
    assert "print(" not in code  # example calls are not part of the program
    assert run(code)([1.0, 1.2], 0.5) is True


def test_last_message_with_code_wins_and_pleasantries_are_skipped():
    first = "```python\ndef has_close_elements(numbers, threshold):\n    return False\n```"
    second = "```python\ndef has_close_elements(numbers, threshold):\n    return True\n```"
    code = program(first, second, "You're welcome!")
    assert run(code)([1.0], 0.1) is True


def test_last_definition_in_a_message_wins():
    text = "```python\ndef has_close_elements(n, t):\n    return 1\n\ndef has_close_elements(n, t):\n    return 2\n```"
    assert run(program(text))([], 0) == 2


def test_bare_code_with_trailing_prose():
    text = "def has_close_elements(numbers, threshold):\n    return 'bare'\nThis compares every pair."
    assert run(program(text))([], 0) == "bare"


def test_differently_named_function_is_bound_to_entry_point():
    text = "```python\ndef helper(x):\n    return x\n\ndef close_pairs(numbers, threshold):\n    return helper(7)\n```"
    code = program(text)
    assert run(code)([], 0) == 7
    assert code.rstrip().endswith("has_close_elements = close_pairs")


def test_prompt_helpers_are_available():
    problem = humaneval_problem("HumanEval/10")  # make_palindrome relies on is_palindrome from the prompt
    code = program(
        "```python\ndef make_palindrome(s):\n    return s if is_palindrome(s) else s + s[::-1][1:]\n```",
        problem=problem,
    )
    assert run(code, "make_palindrome")("aba") == "aba"


@pytest.mark.parametrize("text", ["No code, sorry.", "```\nnot python at all (\n```", "```json\n{}\n```"])
def test_no_code(text):
    assert program(text) is None


def test_curated_humaneval_set():
    intents = curated_intents("humaneval")
    assert len(intents) == 45
    assert len({i.grading.task_id for i in intents}) == 45
    for intent in intents:
        problem = humaneval_problem(intent.grading.task_id)
        assert problem.entry_point in intent.intent, intent.id
        assert 3 <= len(intent.shards) <= 8, intent.id


def test_full_humaneval_set_derives_all_164():
    intents = load_intent_set("humaneval", "full")
    problems = humaneval_problems()
    assert len(intents) == len(problems) == 164
    for intent in intents:
        problem = problems[intent.source_id]
        assert intent.intent.startswith(INTENT_PREFIX)
        assert f"def {problem.entry_point}(" in intent.intent
        assert intent.shards[0].required and problem.entry_point in intent.shards[0].text
