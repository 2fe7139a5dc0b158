"""The hand-labelled HumanEval reply corpus (data/HUMANEVAL_README.md): what is kept, and the sandbox's verdict."""

import ast
import asyncio
import json
from pathlib import Path

import pytest
from inspect_ai.model import ChatMessageAssistant, ChatMessageUser

from benchmark.execution import run_tests
from benchmark.grading.humaneval import extract_program, humaneval_problem

CASES = [json.loads(line) for line in (Path(__file__).parent / "data" / "humaneval_replies.jsonl").open()]


def lines(program: str) -> set[str]:
    """The stripped source lines of the program's statements, as `ast.unparse` writes them."""
    return {line.strip() for node in ast.parse(program).body for line in ast.unparse(node).splitlines()}


def test_corpus_size():
    assert len(CASES) >= 40
    assert len({case["task_id"] for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_case(case):
    problem = humaneval_problem(case["task_id"])
    messages: list = [ChatMessageUser(content=f"write {problem.entry_point}")]
    for index, reply in enumerate(case["messages"]):
        if index:
            messages.append(ChatMessageUser(content="ok"))
        messages.append(ChatMessageAssistant(content=reply))
    program = extract_program(messages, problem)
    if case["expected_verdict"] == "no_code":
        assert program is None
        return
    assert program is not None
    kept = lines(program)
    assert [line for line in case["must_keep"] if line not in kept] == []
    assert [line for line in case["must_drop"] if line in kept] == []
    result = asyncio.run(run_tests(program, problem.test, problem.entry_point))
    assert ("passed" if result.passed else "failed") == case["expected_verdict"], result.detail
