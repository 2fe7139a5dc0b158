"""HumanEval rules: what the tests check (signature, checked calls, argument types) and the rules on it."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cache

from benchmark.grading.humaneval import Problem
from benchmark.intents.record import Intent
from benchmark.intents.validate.rules import Complaint, words_in
from benchmark.intents.validate.source import SourceProblem

_TYPE_WORDS: dict[str, tuple[str, ...]] = {
    "list": ("list", "array", "sequence", "lists"),
    "tuple": ("tuple", "pair", "tuples"),
    "dict": ("dict", "dictionary", "mapping"),
    "str": ("string", "str", "text", "word", "sentence", "strings", "character"),
    "int": ("integer", "int", "number", "integers", "numbers", "whole"),
    "float": ("float", "number", "decimal", "floats", "numbers", "real"),
    "bool": ("bool", "boolean", "true", "false"),
    "none": ("none",),
}
_RETURN_VERB = re.compile(
    r"\b(?:returns?|returned|returning|gives?|giving|outputs?|produces?|yields?|comes back|"
    r"should be|is (?:true|false)|evaluates to|results? in)\b|\)\s*(?:==|=>|->|➞)\s*\S",
    re.I,
)
_EMPTY = re.compile(r"\bempty\b|\[\]|''|\"\"|\{\}|\bno (?:elements|items|numbers|values|words|characters)\b", re.I)


@dataclass(frozen=True)
class Signature:
    """The entry point of a HumanEval problem: its name, parameters and return annotation."""

    name: str
    params: tuple[tuple[str, str | None], ...]
    returns: str | None

    @property
    def text(self) -> str:
        params = ", ".join(f"{name}: {note}" if note else name for name, note in self.params)
        return f"{self.name}({params})" + (f" -> {self.returns}" if self.returns else "")


@cache
def signature(problem: Problem) -> Signature:
    """The entry point's signature, parsed from the prompt."""
    module = ast.parse(problem.prompt + "    pass\n")
    function = [n for n in module.body if isinstance(n, ast.FunctionDef) and n.name == problem.entry_point][-1]
    params = tuple(
        (arg.arg, ast.unparse(arg.annotation) if arg.annotation else None)
        for arg in [*function.args.posonlyargs, *function.args.args]
    )
    return Signature(problem.entry_point, params, ast.unparse(function.returns) if function.returns else None)


@dataclass(frozen=True)
class CheckedCall:
    """One checked call of the tests: `candidate(args) == expected` (expected None when not an equality)."""

    args: str
    expected: str | None
    empty: bool


@cache
def checked_calls(problem: Problem) -> tuple[CheckedCall, ...]:
    """The calls of the entry point in the problem's tests, with the expected value where stated."""
    try:
        module = ast.parse(problem.test)
    except SyntaxError:  # pragma: no cover - the package's tests parse
        return ()
    calls: list[CheckedCall] = []
    seen: set[int] = set()
    for node in ast.walk(module):
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq):
            left, right = node.left, node.comparators[0]
            if _is_candidate_call(left):
                seen.add(id(left))
                calls.append(_test_call(left, right))
        elif _is_candidate_call(node) and id(node) not in seen:
            seen.add(id(node))
            calls.append(_test_call(node, None))
    return tuple(calls)


def _is_candidate_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "candidate"


def _test_call(call: ast.Call, expected: ast.expr | None) -> CheckedCall:
    empty = any(
        isinstance(arg, (ast.List, ast.Tuple, ast.Dict, ast.Set))
        and not getattr(arg, "elts", getattr(arg, "keys", []))
        or isinstance(arg, ast.Constant)
        and arg.value == ""
        for arg in call.args
    )
    literal = expected is not None and _is_literal(expected)
    return CheckedCall(
        ", ".join(ast.unparse(arg) for arg in call.args), ast.unparse(expected) if literal else None, empty
    )


def _is_literal(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


_TYPE_ALIASES = {"optional": "none", "sequence": "list", "iterable": "list", "set": "list", "any": ""}


def _type_words(annotation: str) -> set[str]:
    """Words that describe a type: List[int] -> list, array, ..., integer, number, ..."""
    words: set[str] = set()
    for name in re.findall(r"[a-z]+", annotation.lower()):
        name = _TYPE_ALIASES.get(name, name)
        words.update(_TYPE_WORDS.get(name, (name,) if name and name != "typing" else ()))
    return words


_LITERAL_TYPES = {list: "list", tuple: "tuple", dict: "dict", str: "str", bool: "bool", int: "int", float: "float"}


@cache
def argument_types(problem: Problem) -> tuple[frozenset[str], ...]:
    """For each parameter, the types of the literal arguments the tests pass there."""
    count = len(signature(problem).params)
    seen: list[set[str]] = [set() for _ in range(count)]
    try:
        module = ast.parse(problem.test)
    except SyntaxError:  # pragma: no cover - the package's tests parse
        return tuple(frozenset() for _ in range(count))
    for node in ast.walk(module):
        if _is_candidate_call(node):
            for position, arg in enumerate(node.args[:count]):
                if _is_literal(arg):
                    kind = _LITERAL_TYPES.get(type(ast.literal_eval(arg)))
                    if kind:
                        seen[position].add(kind)
    return tuple(frozenset(kinds) for kinds in seen)


def humaneval_entry_point(intent: Intent, source: SourceProblem | None) -> list[Complaint]:
    if source is None or source.problem is None:
        return []
    name = source.problem.entry_point
    if name.lower() in words_in(intent.intent):
        return []
    return [
        Complaint(
            "humaneval_entry_point",
            "intent",
            f"never names the function '{name}' the tests call",
            f"say the function is called {name}",
        )
    ]


def humaneval_inputs(intent: Intent, source: SourceProblem | None) -> list[Complaint]:
    if source is None or source.problem is None:
        return []
    words = words_in(intent.intent)
    complaints = []
    kinds = argument_types(source.problem)
    for (name, note), tested in zip(signature(source.problem).params, kinds, strict=True):
        described = _type_words(note) if note else set().union(*(_type_words(kind) for kind in tested))
        if name.lower() in words or words & described:
            continue
        shown_type = note or "/".join(sorted(tested))
        kind = f" or its type ({shown_type})" if shown_type else ""
        complaints.append(
            Complaint(
                "humaneval_inputs",
                "intent",
                f"never describes the parameter '{name}'",
                f"mention '{name}'{kind}",
            )
        )
    return complaints


def humaneval_output(intent: Intent, source: SourceProblem | None) -> list[Complaint]:
    if source is None or source.problem is None:
        return []
    returns = signature(source.problem).returns
    problems = []
    if not _RETURN_VERB.search(intent.intent):
        problems.append("never says what the function returns")
    elif returns and _type_words(returns) and not words_in(intent.intent) & _type_words(returns):
        problems.append(f"never says the result is a {returns}")
    return [
        Complaint("humaneval_output", "intent", problem, "say what it returns, e.g. with an example call")
        for problem in problems
    ]


def humaneval_empty_input(intent: Intent, source: SourceProblem | None) -> list[Complaint]:
    if source is None or source.problem is None:
        return []
    empty = [call for call in checked_calls(source.problem) if call.empty]
    if not empty or _EMPTY.search(intent.intent):
        return []
    example = empty[0]
    shown = f"{source.problem.entry_point}({example.args})" + (
        f" == {example.expected}" if example.expected is not None else ""
    )
    return [
        Complaint(
            "humaneval_empty_input",
            "intent",
            f"the tests call the function with an empty input ({shown}) but the intent never says what happens",
            "say what an empty input gives",
        )
    ]
