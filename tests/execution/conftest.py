"""Helpers for the sandbox tests: a control group parent of the test's own (so that its peak is the test's runs'
alone), the processes of sandbox uids, and the memory figures that the attack tests report at the end."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from benchmark.execution import cgroups, runner
from benchmark.execution.isolation import SANDBOX_UID_BASE, SANDBOX_UID_COUNT

_MEMORY_FIGURES: list[str] = []


def sandbox_processes() -> list[str]:
    """Processes (zombies included) running as a sandbox uid."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        uid = int(re.search(r"^Uid:\s+(\d+)", status, re.MULTILINE).group(1))
        if SANDBOX_UID_BASE <= uid < SANDBOX_UID_BASE + SANDBOX_UID_COUNT:
            found.append(pid)
    return found


@pytest.fixture
def own_parent(monkeypatch: pytest.MonkeyPatch) -> Iterator[cgroups.Group]:
    """The executor set up with a parent group of the test's own; removed afterwards."""
    monkeypatch.setattr(cgroups, "PARENT", f"userlm-bench-test-{os.getpid()}-{secrets.token_hex(3)}")
    monkeypatch.setattr(runner, "_groups", None)
    parent = runner.control_groups()
    if parent is None:
        pytest.skip(f"no control groups here ({runner._groups})")
    yield parent
    for directory in parent.directories():
        os.rmdir(directory)


@pytest.fixture
def report_memory(request: pytest.FixtureRequest, record_property: Callable[[str, object], None]) -> Callable:
    """Print a test's measured memory figure, and repeat it in the terminal summary (shown even with -q)."""

    def report(figure: str) -> None:
        print(figure)
        record_property("memory", figure)
        _MEMORY_FIGURES.append(f"{request.node.name}: {figure}")

    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _MEMORY_FIGURES:
        terminalreporter.write_sep("-", "sandbox attacks: memory measured during the runs")
        for line in _MEMORY_FIGURES:
            terminalreporter.write_line(line)
