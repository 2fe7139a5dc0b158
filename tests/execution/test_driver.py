"""The driver on its own, as `inspect_sandbox` runs it: ``python -I -c DRIVER`` with a JSON payload."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys

import pytest

from benchmark.execution.driver import DRIVER

TEST = "def check(candidate):\n    assert candidate(2, 3) == 5\n"
GOOD = "def add(a, b):\n    return a + b\n"
BAD = "def add(a, b):\n    return a - b\n"


@pytest.mark.parametrize(("program", "passes"), [(GOOD, True), (BAD, False)])
def test_the_driver_runs_on_its_own_with_a_json_payload(program, passes):
    nonce = secrets.token_hex(16)
    payload = {"program": program, "test": TEST, "entry_point": "add", "nonce": nonce}
    done = subprocess.run(
        [sys.executable, "-I", "-c", DRIVER], input=json.dumps(payload), capture_output=True, text=True, timeout=30
    )
    assert (done.returncode == 0, done.stdout.endswith(f"\n{nonce}\n")) == (passes, passes)
    assert ("AssertionError" in done.stderr) != passes
