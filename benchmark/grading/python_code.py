"""Python code in an assistant message, and the top-level statements of it that a grader keeps.

Code is the message's fenced Python blocks (```` ```python ````, ```` ```py ````, ```` ```python3 ```` or
untagged; ```` ```bash ````, ```` ```text ```` and other languages are not Python), else its bare code: from the
first line from which the text parses up to the first definition, to the last line up to which it still
parses (prose before and after is left out). A block that does not parse to its end keeps its longest
prefix that does.

Kept, in order: imports, function and class definitions (with their decorators), `try:` blocks that catch
ImportError (an import with a fallback), and module constants: assignments to plain names whose value is
pure. Pure means built from literals, names bound before it (builtins, imports, earlier constants and
definitions), lambdas and comprehensions, and calls of harmless builtins (`set`, `sorted`, ...), of names
and attributes of side-effect-free standard modules (`re.compile`, `Counter`, `math.sqrt`) or of methods
of literals and earlier constants (`'a b'.split()`): `VOWELS = set('aeiou')` is kept, `n = int(input())`
and `result = solve(5)` (a call of the reply's own function) are not. Everything else goes: calls and
prints, loops, asserts, `if` blocks (so `if __name__ == '__main__':` with all it holds), other assignments.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Iterator, Sequence

_FENCE = re.compile(r"```[ \t]*([\w+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.S)
_PYTHON_TAGS = ("", "python", "py", "python3")
_DEFINITION_START = re.compile(r"^(?:@|async\s+def\s|def\s|class\s)", re.M)
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_IMPORTS = (ast.Import, ast.ImportFrom)
_BUILTIN_NAMES = frozenset(dir(builtins))
_PURE_BUILTINS = frozenset(
    [
        "abs",
        "all",
        "any",
        "bin",
        "bool",
        "bytes",
        "chr",
        "complex",
        "dict",
        "divmod",
        "enumerate",
        "filter",
        "float",
        "frozenset",
        "hex",
        "int",
        "isinstance",
        "len",
        "list",
        "map",
        "max",
        "min",
        "oct",
        "ord",
        "pow",
        "range",
        "reversed",
        "round",
        "set",
        "slice",
        "sorted",
        "str",
        "sum",
        "tuple",
        "zip",
    ]
)
_PURE_MODULES = frozenset(
    [
        "bisect",
        "calendar",
        "cmath",
        "collections",
        "dataclasses",
        "datetime",
        "decimal",
        "enum",
        "fractions",
        "functools",
        "hashlib",
        "heapq",
        "itertools",
        "json",
        "math",
        "operator",
        "re",
        "statistics",
        "string",
        "typing",
    ]
)
_LITERALS = (ast.Constant, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.JoinedStr)


def python_blocks(text: str) -> list[ast.Module]:
    """The Python code of a message, parsed: its fenced Python blocks, else its bare code."""
    fenced = [body for tag, body in _FENCE.findall(text) if tag.lower() in _PYTHON_TAGS]
    if fenced:
        return [module for body in fenced if (module := _longest_parsing_prefix(body.splitlines()))]
    bare = _bare_code(text)
    return [bare] if bare else []


def kept_statements(modules: Sequence[ast.Module]) -> list[ast.stmt]:
    """The top-level statements of `modules` (one message's blocks, in order) that the program keeps."""
    statements = [statement for module in modules for statement in module.body]
    scope = _Scope(own={statement.name for statement in statements if isinstance(statement, _DEFINITIONS)})
    kept = []
    for statement in statements:
        if isinstance(statement, _DEFINITIONS):
            scope.known.add(statement.name)
            kept.append(statement)
        elif isinstance(statement, _IMPORTS) or _is_import_fallback(statement):
            scope.bind_imports(statement)
            kept.append(statement)
        elif (constant := _constant(statement)) and scope.is_pure(constant[1]):
            scope.bind_constants(constant[0])
            kept.append(statement)
    return kept


def _longest_parsing_prefix(lines: list[str]) -> ast.Module | None:
    for end in range(len(lines), 0, -1):
        module = _parse("\n".join(lines[:end]))
        if module is not None:
            return module
    return None


def _bare_code(text: str) -> ast.Module | None:
    """Unfenced code: from the first line that parses up to the first definition, to the last line that parses."""
    first = _DEFINITION_START.search(text)
    if not first:
        return None
    lines = text.splitlines()
    definition = len(text[: first.start()].splitlines())
    start = next(
        (
            index
            for index in range(definition)
            if lines[index].strip() and not lines[index][0].isspace() and _parse("\n".join(lines[index:definition]))
        ),
        definition,
    )
    module = _longest_parsing_prefix(lines[start:])
    return module if module and any(isinstance(node, _DEFINITIONS) for node in module.body) else None


def _parse(code: str) -> ast.Module | None:
    try:
        return ast.parse(code)
    except (SyntaxError, ValueError):
        return None


def _is_import_fallback(statement: ast.stmt) -> bool:
    """A `try:` with an import in its body and an `except ImportError` (or ModuleNotFoundError) handler."""
    if not isinstance(statement, ast.Try) or not any(isinstance(node, _IMPORTS) for node in statement.body):
        return False
    caught = [node for handler in statement.handlers if handler.type for node in ast.walk(handler.type)]
    return any(isinstance(node, ast.Name) and node.id in ("ImportError", "ModuleNotFoundError") for node in caught)


def _constant(statement: ast.stmt) -> tuple[list[str], ast.expr] | None:
    """The names and the value of an assignment to plain names (`A = ...`, `a, b = ...`), else None."""
    if isinstance(statement, ast.Assign):
        targets, value = statement.targets, statement.value
    elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
        targets, value = [statement.target], statement.value
    else:
        return None
    nodes = [node for target in targets for node in ast.walk(target)]
    if not all(isinstance(node, (ast.Name, ast.Tuple, ast.List, ast.Store)) for node in nodes):
        return None
    return [node.id for node in nodes if isinstance(node, ast.Name)], value


class _Scope:
    """What the kept module binds so far, to tell a pure constant from one that runs the reply's code."""

    def __init__(self, own: set[str]) -> None:
        self.own = own  # the reply's top-level functions and classes: naming them is fine, calling them is not
        self.known: set[str] = set()  # names bound so far
        self.pure_names: set[str] = set()  # bound to a pure module or imported from one
        self.constants: set[str] = set()

    def bind_imports(self, statement: ast.stmt) -> None:
        for node in ast.walk(statement):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    self._bind(alias.asname or alias.name.split(".")[0], alias.name)
            elif isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    self._bind(alias.asname or alias.name, node.module or "")
            elif isinstance(node, _DEFINITIONS):  # the fallback definition in an `except ImportError:`
                self.known.add(node.name)

    def bind_constants(self, names: list[str]) -> None:
        self.known.update(names)
        self.constants.update(names)

    def _bind(self, name: str, module: str) -> None:
        self.known.add(name)
        if module.split(".")[0] in _PURE_MODULES:
            self.pure_names.add(name)

    def is_pure(self, value: ast.expr) -> bool:
        bound = {
            node.id
            for comprehension in ast.walk(value)
            if isinstance(comprehension, ast.comprehension)
            for node in ast.walk(comprehension.target)
            if isinstance(node, ast.Name)
        }
        for node in _evaluated(value):
            if isinstance(node, ast.Name) and node.id not in self.known | bound | _BUILTIN_NAMES:
                return False
            if isinstance(node, (ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)):
                return False
            if isinstance(node, ast.Call) and not self._pure_call(node.func):
                return False
        return True

    def _pure_call(self, function: ast.expr) -> bool:
        if isinstance(function, ast.Name):
            name = function.id
            return name not in self.own and (
                name in self.pure_names or name in _PURE_BUILTINS and name not in self.known
            )
        root = function
        while isinstance(root, (ast.Attribute, ast.Subscript, ast.Call)):  # its calls are checked on their own
            root = root.func if isinstance(root, ast.Call) else root.value
        if isinstance(root, _LITERALS):
            return True
        return isinstance(root, ast.Name) and root.id in self.pure_names | self.constants


def _evaluated(value: ast.expr) -> Iterator[ast.AST]:
    """The nodes of `value` that run when it is evaluated (not the bodies of its lambdas)."""
    pending: list[ast.AST] = [value]
    while pending:
        node = pending.pop()
        yield node
        if isinstance(node, ast.Lambda):
            pending.extend(node.args.defaults + [default for default in node.args.kw_defaults if default])
        else:
            pending.extend(ast.iter_child_nodes(node))
