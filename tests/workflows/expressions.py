"""The part of the GitHub Actions expression language the workflows use, evaluated for the dry run.

Known: literals ('string', numbers, true, false, null), context paths (`steps.compare.outputs.exit_code`),
`!`, `==`, `!=`, `&&`, `||`, parentheses, and the functions the caller passes in. Anything else (another
operator, an index, a function or a context property the dry run did not provide) raises UnknownExpression,
so a workflow that starts using something new fails the test instead of being read wrongly. Semantics follow
GitHub's documentation: loose equality (mismatched types compared as numbers, strings without case),
`&&`/`||` return an operand, and null, false, 0, '' and NaN are falsy.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

STATUS_FUNCTIONS = frozenset({"success", "always", "failure", "cancelled"})
"""Functions that make an `if:` decide for itself; without one, GitHub adds `success() &&`."""

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>\d+(?:\.\d+)?)|(?P<op>==|!=|&&|\|\||[!().,\[<>])"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))"
)
_EMBEDDED = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
_LITERALS = {"true": True, "false": False, "null": None}


class UnknownExpression(ValueError):
    """The expression uses something this evaluator does not know or the context lacks."""


class OpenMap(dict):
    """A context object whose missing properties are null, as GitHub gives for absent step outputs.
    Plain dicts in a context are closed: a missing property is an UnknownExpression."""


@dataclass(frozen=True)
class Node:
    kind: str  # literal, path, not, eq, ne, and, or, call
    value: Any = None
    children: tuple[Node, ...] = ()


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if not match:
            raise UnknownExpression(f"cannot read {text[position:]!r} in {text!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.at = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, op: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (op is not None and token != ("op", op)):
            raise UnknownExpression(f"expected {op or 'more'} in {self.text!r}")
        self.at += 1
        return token

    def parse(self) -> Node:
        node = self.binary(0)
        if self.peek() is not None:
            raise UnknownExpression(f"unexpected {self.peek()[1]!r} in {self.text!r}")  # type: ignore[index]
        return node

    _LEVELS = (("||", "or"), ("&&", "and"))
    """Binary operators from the loosest; equality binds tighter than both."""

    def binary(self, level: int) -> Node:
        if level == len(self._LEVELS):
            return self.equality()
        op, kind = self._LEVELS[level]
        node = self.binary(level + 1)
        while self.peek() == ("op", op):
            self.take()
            node = Node(kind, children=(node, self.binary(level + 1)))
        return node

    def equality(self) -> Node:
        node = self.unary()
        while self.peek() in (("op", "=="), ("op", "!=")):
            _, op = self.take()
            node = Node("eq" if op == "==" else "ne", children=(node, self.unary()))
        return node

    def unary(self) -> Node:
        if self.peek() == ("op", "!"):
            self.take()
            return Node("not", children=(self.unary(),))
        return self.primary()

    def primary(self) -> Node:
        kind, text = self.take()
        if kind == "string":
            return Node("literal", text[1:-1].replace("''", "'"))
        if kind == "number":
            return Node("literal", float(text))
        if (kind, text) == ("op", "("):
            node = self.binary(0)
            self.take(")")
            return node
        if kind != "name":
            raise UnknownExpression(f"unexpected {text!r} in {self.text!r}")
        if text in _LITERALS:
            return Node("literal", _LITERALS[text])
        if self.peek() == ("op", "("):
            self.take()
            args: list[Node] = []
            while self.peek() != ("op", ")"):
                if args:
                    self.take(",")
                args.append(self.binary(0))
            self.take(")")
            return Node("call", text, tuple(args))
        path = [text]
        while self.peek() == ("op", "."):
            self.take()
            kind, name = self.take()
            if kind != "name":
                raise UnknownExpression(f"expected a property name after '.' in {self.text!r}")
            path.append(name)
        return Node("path", tuple(path))


def parse(text: str) -> Node:
    """The syntax tree of one expression (without its `${{ }}`)."""
    return _Parser(text).parse()


def calls(node: Node) -> set[str]:
    """The names of the functions the expression calls."""
    found = {node.value} if node.kind == "call" else set()
    for child in node.children:
        found |= calls(child)
    return found


def _number(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, float | int):
        return float(value)
    if isinstance(value, str):
        if value.strip() == "":
            return 0.0
        try:
            return float(value)
        except ValueError:
            return math.nan
    return math.nan


def equal(left: Any, right: Any) -> bool:
    """GitHub's loose equality."""
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold() == right.casefold()
    if type(left) is type(right) and isinstance(left, dict | list):
        return left is right
    return _number(left) == _number(right)  # NaN is equal to nothing


def truthy(value: Any) -> bool:
    if isinstance(value, float) and math.isnan(value):
        return False
    return value not in (None, False, 0, "")


def _resolve(path: tuple[str, ...], context: Mapping[str, Any]) -> Any:
    if path[0] not in context:
        raise UnknownExpression(f"unknown context '{path[0]}' in {'.'.join(path)}")
    value: Any = context[path[0]]
    for depth, name in enumerate(path[1:], start=1):
        if value is None:
            return None
        if isinstance(value, OpenMap):
            value = value.get(name)
        elif isinstance(value, Mapping):
            if name not in value:
                raise UnknownExpression(f"the dry run has no {'.'.join(path[: depth + 1])}")
            value = value[name]
        else:
            raise UnknownExpression(f"{'.'.join(path[:depth])} has no properties (reading {'.'.join(path)})")
    return value


Functions = Mapping[str, Callable[..., Any]]


def evaluate(node: Node, context: Mapping[str, Any], functions: Functions) -> Any:
    """The value of a parsed expression. Both sides of && and || are evaluated (they have no side effects),
    so an unknown name fails the test even on the branch the run did not take."""
    kind, children = node.kind, node.children
    if kind == "literal":
        return node.value
    if kind == "path":
        return _resolve(node.value, context)
    if kind == "call":
        if node.value not in functions:
            raise UnknownExpression(f"unknown function {node.value}()")
        return functions[node.value](*(evaluate(child, context, functions) for child in children))
    values = [evaluate(child, context, functions) for child in children]
    if kind == "not":
        return not truthy(values[0])
    if kind == "eq":
        return equal(*values)
    if kind == "ne":
        return not equal(*values)
    if kind == "and":
        return values[1] if truthy(values[0]) else values[0]
    if kind == "or":
        return values[0] if truthy(values[0]) else values[1]
    raise UnknownExpression(f"unknown node {kind}")


def to_text(value: Any) -> str:
    """A value as GitHub writes it into a string."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float | int):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, str):
        return value
    raise UnknownExpression(f"cannot write {type(value).__name__} {value!r} into a string")


def substitute(text: str, context: Mapping[str, Any], functions: Functions) -> Any:
    """`text` with each `${{ expr }}` replaced by its value; a string that is one expression keeps its type
    (GitHub passes `with: {epochs: ${{ 10 }}}` as a number)."""
    whole = _EMBEDDED.fullmatch(text.strip())
    if whole:
        return evaluate(parse(whole.group(1)), context, functions)
    return _EMBEDDED.sub(lambda m: to_text(evaluate(parse(m.group(1)), context, functions)), text)


def condition(text: str | bool | None, context: Mapping[str, Any], functions: Functions) -> bool:
    """Whether a step's `if:` holds: written with or without `${{ }}`, and `success() && (...)` unless it
    calls a status function itself (no `if:` at all means `success()`)."""
    if text is None:
        text = "success()"
    if isinstance(text, bool):
        text = "true" if text else "false"
    whole = _EMBEDDED.fullmatch(text.strip())
    node = parse(whole.group(1) if whole else text)
    if not calls(node) & STATUS_FUNCTIONS:
        node = Node("and", children=(Node("call", "success"), node))
    return truthy(evaluate(node, context, functions))
