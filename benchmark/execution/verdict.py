"""The verdict on one run: an outcome and a short reason, from the supervisor's status and the output."""

from __future__ import annotations

import signal
from dataclasses import dataclass
from typing import Literal, get_args

from benchmark.execution.limits import ExecutionLimits

Outcome = Literal["passed", "failed", "timeout", "memory", "crashed", "no_code", "sandbox_error"]
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)

_DETAIL_CHARS = 500


@dataclass(frozen=True)
class ExecutionResult:
    """The verdict on one program, with a short human-readable reason."""

    outcome: Outcome
    passed: bool
    detail: str
    duration_seconds: float
    network_isolated: bool


def classify(
    status: str,
    stdout: bytes,
    stderr: bytes,
    nonce: str,
    limits: ExecutionLimits,
) -> tuple[Outcome, str]:
    """Turn the supervisor's status and the sandbox's output into an outcome and a short reason.

    A pass needs exit status 0 *and* the run's nonce as the last line of stdout.
    """
    errors = stderr_tail(stderr)
    kind, _, value = status.partition(" ")
    if kind == "setup-error":
        return "sandbox_error", value[:_DETAIL_CHARS]
    if kind not in ("exit", "signal", "timeout"):
        return "sandbox_error", f"the supervisor died without a report: {errors}"
    if kind == "timeout":
        return "timeout", f"exceeded the {limits.wall_seconds:g} s wall-clock limit"
    if status == "exit 0" and stdout.endswith(f"\n{nonce}\n".encode()):
        return "passed", "all tests passed"
    if kind == "signal" and int(value) in (signal.SIGKILL, signal.SIGXCPU):
        return "timeout", f"exceeded the {limits.cpu_seconds} s CPU limit"
    if b"MemoryError" in stderr:
        return "memory", errors or "MemoryError"
    if kind == "signal":
        return "crashed", f"killed by {signal.Signals(int(value)).name}" + (f": {errors}" if errors else "")
    if value == "0":
        return "failed", "exited with status 0 before the tests finished"
    return "failed", errors or f"exited with status {value}"


def stderr_tail(stderr: bytes) -> str:
    """The last lines of `stderr` (a traceback ends with the error), short enough for a reason."""
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    return "\n".join(lines[-5:])[-_DETAIL_CHARS:]
