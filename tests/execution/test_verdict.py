"""The verdict: only exit status 0 with the run's nonce as the last line of stdout is a pass."""

from __future__ import annotations

import signal

import pytest

from benchmark.execution.limits import ExecutionLimits
from benchmark.execution.verdict import OUTCOMES, classify

NONCE = "0123456789abcdef0123456789abcdef"
LIMITS = ExecutionLimits(cpu_seconds=3, wall_seconds=5)


def test_outcomes_are_the_literal_values():
    assert OUTCOMES == ("passed", "failed", "timeout", "memory", "crashed", "no_code", "sandbox_error")


@pytest.mark.parametrize(
    ("status", "stdout", "stderr", "outcome", "detail"),
    [
        ("exit 0", f"hi\n{NONCE}\n", "", "passed", "all tests passed"),
        ("exit 0", f"\n{NONCE}\nmore\n", "", "failed", "exited with status 0 before the tests finished"),
        ("exit 1", f"\n{NONCE}\n", "", "failed", "exited with status 1"),
        ("exit 1", "", "Traceback\nAssertionError", "failed", "Traceback\nAssertionError"),
        ("exit 1", "", "MemoryError", "memory", "MemoryError"),
        (f"signal {signal.SIGKILL}", "", "", "timeout", "exceeded the 3 s CPU limit"),
        (f"signal {signal.SIGSEGV}", "", "", "crashed", "killed by SIGSEGV"),
        ("timeout", f"\n{NONCE}\n", "", "timeout", "exceeded the 5 s wall-clock limit"),
        ("setup-error no uid", "", "", "sandbox_error", "no uid"),
        ("", "", "boom", "sandbox_error", "the supervisor died without a report: boom"),
    ],
)
def test_classify(status, stdout, stderr, outcome, detail):
    assert classify(status, stdout.encode(), stderr.encode(), NONCE, LIMITS) == (outcome, detail)


@pytest.mark.parametrize(
    ("status", "stdout", "outcome"),
    [
        (f"signal {signal.SIGKILL}", "", "memory"),  # the OOM killer's SIGKILL is not a CPU timeout
        ("exit 1", "", "memory"),  # a child was killed, and so the program failed
        ("timeout", "", "memory"),
        ("exit 0", f"\n{NONCE}\n", "passed"),  # a proven pass stands: a kill after it must not change it
        ("setup-error no group", "", "sandbox_error"),
    ],
)
def test_an_oom_kill_in_the_run_is_memory(status, stdout, outcome):
    result, detail = classify(status, stdout.encode(), b"", NONCE, LIMITS, oom_kills=2)
    assert result == outcome
    if outcome == "memory":
        assert detail == "exceeded the run's 1024 MiB memory budget: the kernel killed 2 of its processes"
