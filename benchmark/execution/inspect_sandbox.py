"""HumanEval tests in an Inspect sandbox (`-T sandbox=docker` or `local`) instead of the
built-in isolated subprocess.

The same driver and nonce protocol as the built-in sandbox (benchmark.execution.runner) run
inside the task's sandbox: the program and tests arrive on stdin, and only a `check` that
returns makes the driver print the per-run nonce. Isolation is the sandbox's: Docker's container (give it no
network in its compose file), or none at all for `local`, which is for debugging only.
"""

from __future__ import annotations

import json
import secrets
import time

from inspect_ai.util import sandbox

from benchmark.execution.driver import DRIVER
from benchmark.execution.limits import ExecutionLimits
from benchmark.execution.verdict import ExecutionResult, classify

_SIGNAL_EXIT_BASE = 128  # shells and `docker exec` report death by signal N as exit 128 + N


def _status(returncode: int) -> str:
    if returncode > _SIGNAL_EXIT_BASE:
        return f"signal {returncode - _SIGNAL_EXIT_BASE}"
    if returncode < 0:
        return f"signal {-returncode}"
    return f"exit {returncode}"


async def run_tests_in_sandbox(
    program: str, test: str, entry_point: str, limits: ExecutionLimits | None = None
) -> ExecutionResult:
    """Run `program`, `test` and `check(entry_point)` with `python3 -I` in the sample's sandbox."""
    limits = limits or ExecutionLimits()
    if not program.strip():
        return ExecutionResult("no_code", False, "the program is empty", 0.0, False)
    nonce = secrets.token_hex(16)
    payload = json.dumps({"program": program, "test": test, "entry_point": entry_point, "nonce": nonce})
    start = time.monotonic()
    try:
        result = await sandbox().exec(["python3", "-I", "-c", DRIVER], input=payload, timeout=int(limits.wall_seconds))
        status, stdout, stderr = _status(result.returncode), result.stdout.encode(), result.stderr.encode()
    except TimeoutError:
        status, stdout, stderr = "timeout", b"", b""
    except Exception as error:  # the sandbox itself failed: not the program's verdict
        return ExecutionResult("sandbox_error", False, f"sandbox exec failed: {error}", 0.0, False)
    outcome, detail = classify(status, stdout, stderr, nonce, limits)
    return ExecutionResult(outcome, outcome == "passed", detail, time.monotonic() - start, False)
