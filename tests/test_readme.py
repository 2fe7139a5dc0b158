"""The README's commands work as written.

Every command line in the README's indented code blocks is checked without a GPU, keys or network:
`userlm-bench ...` parses with the real CLI parser; `inspect eval ...` names task files or registered
tasks that exist, `-T` parameters those tasks take and options Inspect's CLI has; `python -m ...`
names modules whose `--help` lists its options; `make X` names a Makefile target; the `vllm serve`
line serves the pinned template revision. The offline smoke test and the leaderboard after it are run.
"""

from __future__ import annotations

import importlib
import inspect
import itertools
import os
import re
import shlex
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from benchmark.cli.app import build_parser
from benchmark.constants import USERLM_TEMPLATE_REVISION
from tests.conftest import ROOT

README = ROOT / "README.md"
CHECKED = ("inspect", "userlm-bench", "python", "make", ".venv/bin/pytest", "pip", "vllm", "export")
"""First words of the command lines this test reads; other indented lines (the layout tree) are not commands."""
_ASSIGNMENT = re.compile(r"^([A-Z_]+)=(.*)$")


def readme_commands() -> list[tuple[int, list[str]]]:
    """(line, argv) of each command in the README's indented code blocks, continuations joined, comments
    dropped, shell variables set earlier substituted (one shell session); a synopsis's `[--x Y]` and `a|b` read as
    `--x Y` and `a`."""
    commands: list[tuple[int, list[str]]] = []
    lines = README.read_text(encoding="utf-8").splitlines()
    fenced, variables, pending, start = False, {}, "", 0
    for number, line in enumerate(lines, 1):
        if line.startswith("```"):
            fenced = not fenced
            continue
        if fenced or not line.startswith("    "):
            continue
        text = line[4:]
        if not pending:
            start = number
        pending += text.rstrip("\\").rstrip() + " "
        if text.endswith("\\"):
            continue
        command, pending = pending.strip(), ""
        if (assignment := _ASSIGNMENT.match(command)) is not None:
            variables[assignment.group(1)] = " ".join(shlex.split(assignment.group(2)))
            continue
        if command.split()[0] not in CHECKED:
            continue
        for name, value in variables.items():
            command = command.replace(f"${name}", value)
        argv = shlex.split(command, comments=True)
        commands.append((start, argv))
    return commands


def commands_of(program: str) -> list[tuple[int, list[str]]]:
    return [(line, argv) for line, argv in readme_commands() if argv[0] == program]


def ids(commands: list[tuple[int, list[str]]]) -> list[str]:
    return [f"README.md:{line}" for line, _ in commands]


def test_the_readme_has_the_commands_this_test_checks():
    programs = {argv[0] for _, argv in readme_commands()}
    assert {"inspect", "userlm-bench", "python", "make", "vllm"} <= programs


def _synopsis(argv: list[str]) -> list[str]:
    """A synopsis as one concrete command: `[--metric task_score]` as `--metric task_score`, `md|json` as `md`."""
    return [word if " " in word else word.strip("[]").split("|")[0] for word in argv]


@pytest.mark.parametrize(("line", "argv"), commands_of("userlm-bench"), ids=ids(commands_of("userlm-bench")))
def test_userlm_bench_commands_parse(line, argv):
    try:
        build_parser().parse_args(_synopsis(argv)[1:])
    except SystemExit as exit:
        pytest.fail(f"README.md:{line}: `{shlex.join(argv)}` does not parse (exit {exit.code})")


@cache
def inspect_eval_help() -> str:
    return subprocess.run(
        [str(Path(sys.executable).with_name("inspect")), "eval", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "200"},
    ).stdout


def _task_parameters(target: str) -> set[str]:
    """The parameters of the @task function in a task file or registered task (`userlm_bench/NAME`)."""
    name = Path(target).stem if target.endswith(".py") else target.split("/", 1)[1]
    path = ROOT / "tasks" / f"{name}.py"
    assert path.is_file(), f"no task file {path.relative_to(ROOT)} for {target}"
    function = getattr(importlib.import_module(f"userlm_bench.{name}"), name)
    return set(inspect.signature(function).parameters)


@pytest.mark.parametrize(("line", "argv"), commands_of("inspect"), ids=ids(commands_of("inspect")))
def test_inspect_eval_commands_name_real_tasks_parameters_and_options(line, argv):
    assert argv[1] == "eval", f"README.md:{line}: only `inspect eval` is checked"
    targets = [word for word in argv[2:] if word.endswith(".py") or word.startswith("userlm_bench/")]
    assert targets, f"README.md:{line}: no task"
    parameters = set.intersection(*(_task_parameters(target) for target in targets))
    for flag, value in itertools.pairwise(argv):
        if flag == "-T":
            assert value.split("=")[0] in parameters, f"README.md:{line}: no task parameter {value.split('=')[0]}"
    for option in (word for word in argv if word.startswith("--")):
        assert re.search(rf"(^|\s){re.escape(option)}[\s=]", inspect_eval_help()), (
            f"README.md:{line}: inspect eval has no {option}"
        )


@pytest.mark.parametrize(("line", "argv"), commands_of("python"), ids=ids(commands_of("python")))
def test_python_modules_exist_and_take_their_options(line, argv):
    assert argv[1] == "-m", f"README.md:{line}: run modules with python -m"
    shown = subprocess.run(
        [sys.executable, "-m", argv[2], "--help"], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    for option in (word for word in argv[3:] if word.startswith("--")):
        assert option in shown, f"README.md:{line}: python -m {argv[2]} has no {option}"


@pytest.mark.parametrize(("line", "argv"), commands_of("make"), ids=ids(commands_of("make")))
def test_make_targets_exist(line, argv):
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(rf"^{re.escape(argv[1])}:", makefile, re.M), f"README.md:{line}: no make target {argv[1]}"


def test_the_vllm_serve_command_serves_the_pinned_template():
    ((line, argv),) = commands_of("vllm")
    assert argv[argv.index("--revision") + 1] == USERLM_TEMPLATE_REVISION, f"README.md:{line}"
    template = argv[argv.index("--chat-template") + 1]
    snippet = re.fullmatch(r"\$\(python -c '(.*)'\)", template)
    assert snippet is not None, f"README.md:{line}: unexpected --chat-template {template}"
    path = subprocess.run(
        [sys.executable, "-c", snippet.group(1)], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.strip()
    assert Path(path).is_file() and "<|start_header_id|>" in Path(path).read_text(encoding="utf-8")


def test_the_pytest_commands_select_declared_markers():
    declared = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for line, argv in commands_of(".venv/bin/pytest"):
        marker = argv[argv.index("-m") + 1].removeprefix("not ").strip()
        assert f'"{marker}:' in declared, f"README.md:{line}: marker {marker} is not declared"


def test_the_offline_smoke_test_runs_as_written(tmp_path):
    """The README's five-second check: the eval, then the leaderboard on its logs."""
    smoke = next(argv for _, argv in commands_of("inspect") if "scripted/assistant" in argv and "tasks/" in argv[2])
    inspect_bin = str(Path(sys.executable).with_name("inspect"))
    subprocess.run(
        [inspect_bin, *smoke[1:], "--log-dir", str(tmp_path / "logs"), "--display", "none"],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    board = subprocess.run(
        [str(Path(sys.executable).with_name("userlm-bench")), "leaderboard", str(tmp_path / "logs")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert board.returncode == 0, board.stderr
    assert "| gsm8k_multiturn |" in (tmp_path / "logs" / "leaderboard" / "leaderboard.md").read_text(encoding="utf-8")
