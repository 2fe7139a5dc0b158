"""The verdict on one run: an outcome and a short reason, from the supervisor's status and the output."""

from __future__ import annotations

import signal
from dataclasses import dataclass
from typing import Literal, get_args

from benchmark.execution.limits import ExecutionLimits

Outcome = Literal["passed", "failed", "timeout", "memory", "crashed", "no_code", "sandbox_error"]
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)

Isolation = Literal["cgroup", "rlimits", "inspect_sandbox", "none"]
"""What held the run's budget: a control group for all its processes together, per-process rlimits only, the
Inspect sandbox's own isolation, or nothing because nothing ran (no code)."""

_DETAIL_CHARS = 500


@dataclass(frozen=True)
class ExecutionResult:
    """The verdict on one program, with a short human-readable reason."""

    outcome: Outcome
    passed: bool
    detail: str
    duration_seconds: float
    network_isolated: bool
    isolation: Isolation


def classify(
    status: str,
    stdout: bytes,
    stderr: bytes,
    nonce: str,
    limits: ExecutionLimits,
    oom_kills: int = 0,
) -> tuple[Outcome, str]:
    """Turn the supervisor's status, the sandbox's output and the kernel's OOM kills in the run's control group
    into an outcome and a short reason.

    A pass needs exit status 0 *and* the run's nonce as the last line of stdout, and it stands even if a process
    of the run was OOM-killed afterwards (the verdict must not depend on when a kill lands). Any other end of a
    run in which the kernel OOM-killed a process is `memory`: its SIGKILL is not a CPU timeout or a crash.
    """
    errors = stderr_tail(stderr)
    kind, _, value = status.partition(" ")
    if kind == "setup-error":
        return "sandbox_error", value[:_DETAIL_CHARS]
    if kind not in ("exit", "signal", "timeout"):
        return "sandbox_error", f"the supervisor died without a report: {errors}"
    if status == "exit 0" and stdout.endswith(f"\n{nonce}\n".encode()):
        return "passed", "all tests passed"
    if oom_kills:
        budget = f"exceeded the run's {limits.memory_bytes / 2**20:g} MiB memory budget"
        return "memory", f"{budget}: the kernel killed {oom_kills} of its processes" + (f"\n{errors}" if errors else "")
    if kind == "timeout":
        return "timeout", f"exceeded the {limits.wall_seconds:g} s wall-clock limit"
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
