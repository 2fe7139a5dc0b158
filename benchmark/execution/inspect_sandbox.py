"""HumanEval tests in an Inspect sandbox (`-T sandbox=docker` or `local`) instead of the
built-in isolated subprocess.

The same driver and nonce protocol as the built-in sandbox (benchmark.execution.runner) run
inside the task's sandbox: the program and tests arrive on stdin, and only a `check` that
returns makes the driver print the per-run nonce. Isolation is the sandbox's (``isolation: inspect_sandbox``):
for Docker, the container that `COMPOSE_FILE` describes (no network; 1 GiB of memory without swap and 64
processes for the container as a whole, one CPU; a read-only root; a size-capped tmpfs on ``/tmp`` for scratch;
an unprivileged user without capabilities), or none at all for `local`, which is for debugging only.
"""

from __future__ import annotations

import json
import secrets
import time
from importlib.resources import files
from pathlib import Path

from inspect_ai.util import sandbox

from benchmark.execution.driver import DRIVER
from benchmark.execution.limits import ExecutionLimits
from benchmark.execution.verdict import ExecutionResult, classify

_SIGNAL_EXIT_BASE = 128  # shells and `docker exec` report death by signal N as exit 128 + N

COMPOSE_FILE = Path(str(files("benchmark.execution").joinpath("compose.yaml")))
"""The compose file for Inspect's docker sandbox: what the container may use and reach."""


def task_sandbox(name: str | None) -> str | tuple[str, str] | None:
    """The Task's `sandbox` for `-T sandbox=NAME`: docker runs with `COMPOSE_FILE`, others as named."""
    return ("docker", str(COMPOSE_FILE)) if name == "docker" else name


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
        return ExecutionResult("no_code", False, "the program is empty", 0.0, False, "none")
    nonce = secrets.token_hex(16)
    payload = json.dumps({"program": program, "test": test, "entry_point": entry_point, "nonce": nonce})
    start = time.monotonic()
    try:
        result = await sandbox().exec(["python3", "-I", "-c", DRIVER], input=payload, timeout=int(limits.wall_seconds))
        status, stdout, stderr = _status(result.returncode), result.stdout.encode(), result.stderr.encode()
    except TimeoutError:
        status, stdout, stderr = "timeout", b"", b""
    except Exception as error:  # the sandbox itself failed: not the program's verdict
        return ExecutionResult("sandbox_error", False, f"sandbox exec failed: {error}", 0.0, False, "inspect_sandbox")
    outcome, detail = classify(status, stdout, stderr, nonce, limits)
    return ExecutionResult(outcome, outcome == "passed", detail, time.monotonic() - start, False, "inspect_sandbox")
