"""The supervisor stays a minimal program: it runs under ``python -I -S`` and importing it runs nothing."""

from __future__ import annotations

import ast
import inspect

from benchmark.execution import supervisor

ALLOWED_IMPORTS = {"_signal", "ctypes", "os", "resource", "site", "sys", "time"}


def test_imports_only_small_standard_modules():
    tree = ast.parse(inspect.getsource(supervisor))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert not any(isinstance(node, ast.ImportFrom) for node in ast.walk(tree))
    assert imported <= ALLOWED_IMPORTS


def test_top_level_only_defines():
    top_level = ast.parse(inspect.getsource(supervisor)).body
    docstring, *rest = top_level
    assert isinstance(docstring, ast.Expr) and isinstance(docstring.value, ast.Constant)
    assert all(isinstance(node, (ast.Import, ast.Assign, ast.FunctionDef)) for node in rest)
