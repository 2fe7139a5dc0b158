"""The tree's rules: imports run one way (tasks -> scorers -> benchmark), and Inspect-private names are
used in benchmark/inspect_compat.py only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

COMPAT = ROOT / "benchmark" / "inspect_compat.py"
PRIVATE_INSPECT_ATTRIBUTES = ("_resolve_server", "_init_base_url", "_vllm_servers", "_scorer_metrics")


def python_files(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (ROOT / folder).rglob("*.py"))


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in the file, module-level or inside functions."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def top_package(module: str) -> str:
    return module.split(".")[0]


@pytest.mark.parametrize(
    ("folder", "forbidden"), [("benchmark", {"scorers", "tasks"}), ("scorers", {"tasks"})], ids=["benchmark", "scorers"]
)
def test_imports_run_one_way(folder, forbidden):
    wrong = [
        f"{path.relative_to(ROOT)}:{line}: imports {module}"
        for path in python_files(folder)
        for line, module in imported_modules(path)
        if top_package(module) in forbidden
    ]
    assert not wrong, "imports run tasks -> scorers -> benchmark:\n" + "\n".join(wrong)


def test_inspect_private_names_only_in_inspect_compat():
    wrong = []
    for path in python_files("benchmark", "scorers", "tasks", "tests"):
        if path in (COMPAT, Path(__file__).resolve(), ROOT / "tests" / "test_inspect_compat.py"):
            continue
        for line, module in imported_modules(path):
            if module.startswith("inspect_ai") and any(part.startswith("_") for part in module.split(".")):
                wrong.append(f"{path.relative_to(ROOT)}:{line}: imports {module}")
        text = path.read_text(encoding="utf-8")
        wrong += [f"{path.relative_to(ROOT)}: uses {name}" for name in PRIVATE_INSPECT_ATTRIBUTES if name in text]
    assert not wrong, "use benchmark.inspect_compat for Inspect-private names:\n" + "\n".join(wrong)


def test_the_checks_see_function_level_imports(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from scorers.text import x\n    import inspect_ai.model._model\n")
    assert [module for _, module in imported_modules(probe)] == ["scorers.text", "inspect_ai.model._model"]


MAX_MODULE_LINES = 600
"""Above this a module holds more than one concern (the size the layout issue split modules at)."""


def test_modules_are_small_and_say_what_they_hold():
    wrong = []
    for path in python_files("benchmark", "scorers", "tasks"):
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        if lines > MAX_MODULE_LINES:
            wrong.append(f"{path.relative_to(ROOT)}: {lines} lines (split it along its concerns)")
        if text.strip() and ast.get_docstring(ast.parse(text)) is None:
            wrong.append(f"{path.relative_to(ROOT)}: no module docstring (say what it holds and why)")
    assert not wrong, "\n".join(wrong)
