"""Programs that try to take the machine's memory by spreading it over processes, threads, a detached process
or tmpfs writes: each is held to its run's budget, the verdict is recorded, and the harness is unaffected.

The figure each test asserts on and reports is the kernel's own high-water mark of all memory charged to the
test's runs: the peak of a parent control group of the test's own, which no sandboxed process can leave (that
takes root), with nothing else in it. Unlike sampling RSS it misses no short peak and counts what RSS leaves
out (tmpfs pages, kernel memory); unlike MemAvailable it does not move with whatever else the machine is doing.
The drop in MemAvailable is printed too, as a cross-check from outside the groups, but not asserted on.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmark.execution import ExecutionLimits, ExecutionResult, cgroups, run_tests, set_max_concurrency
from benchmark.execution.runner import default_max_concurrency
from tests.execution.conftest import sandbox_processes

MiB = 2**20
BUDGET = 256 * MiB
LIMITS = ExecutionLimits(memory_bytes=BUDGET, cpu_seconds=10, wall_seconds=60)  # memory, not time, ends them
MARGIN = 8 * MiB  # kernel accounting slack: per-CPU charge batches, objects reparented from removed groups
TEST = "def check(candidate):\n    assert candidate(2, 3) == 5\n"
GOOD = "def add(a, b):\n    return a + b\n"

SPREAD = GOOD + (
    "import os\n"
    "go_read, go_write = os.pipe()\n"
    "children = []\n"
    "for _ in range(12):\n"
    "    pid = os.fork()\n"
    "    if pid == 0:\n"
    "        os.close(go_write)\n"
    "        os.read(go_read, 1)  # all twelve start together\n"
    "        held = []\n"
    "        try:\n"
    "            while True:\n"
    "                held.append(bytearray(8 * 2**20))\n"
    "        except MemoryError:\n"
    "            os._exit(3)\n"
    "    children.append(pid)\n"
    "os.close(go_write)\n"
    "ends = [os.waitpid(pid, 0)[1] for pid in children]\n"
    "raise RuntimeError(f'the children ended with {ends}')\n"
)
"""Twelve children that each grow until stopped: each alone would stay under its address-space rlimit."""

THREADS = GOOD + (
    "import threading\n"
    "ran_out, go = [], threading.Event()\n"
    "def grow():\n"
    "    go.wait()  # all 32 exist before any allocates\n"
    "    held = []\n"
    "    try:\n"
    "        while True:\n"
    "            held.append(bytearray(4 * 2**20))\n"
    "    except MemoryError:\n"
    "        ran_out.append(len(held))\n"
    "threading.stack_size(2**18)\n"
    "threads = [threading.Thread(target=grow) for _ in range(32)]\n"
    "for thread in threads:\n"
    "    thread.start()\n"
    "go.set()\n"
    "for thread in threads:\n"
    "    thread.join()\n"
    "raise MemoryError(f'{len(ran_out)} of 32 threads ran out of memory')\n"
)
"""Thirty-two threads that all grow at once until the process has no memory left."""

DETACHED = GOOD + (
    "import os\n"
    "ready_read, ready_write = os.pipe()\n"
    "end_read, end_write = os.pipe()\n"
    "if os.fork() == 0:\n"
    "    os.setsid()\n"
    "    if os.fork() == 0:  # a grandchild in a session of its own, orphaned by its parent\n"
    "        os.close(ready_read)\n"
    "        os.close(end_write)\n"
    "        held = [bytearray(64 * 2**20)]\n"
    "        os.write(ready_write, b'x')\n"
    "        os.read(end_read, 1)  # returns when the program ends, so after check has returned\n"
    "        while True:\n"
    "            held.append(bytearray(8 * 2**20))\n"
    "    os._exit(0)\n"
    "os.close(ready_write)\n"
    "os.close(end_read)\n"
    "assert os.read(ready_read, 1) == b'x'\n"
)
"""Passes its tests, while a detached grandchild holds 64 MiB and grows without end once they have passed."""

FILL = GOOD + (
    "import os\n"
    "def fill(path):\n"
    "    written = 0\n"
    "    try:\n"
    "        with open(path, 'wb', buffering=0) as file:\n"
    "            while True:\n"
    "                written += file.write(bytes(2**20))\n"
    "    except OSError:\n"
    "        return written\n"
    "total = 0\n"
    "for directory in ('/tmp', '/var/tmp', '/dev/shm', '.'):\n"
    "    for n in range(20):  # full after the first file: the other 19 keep writing into it\n"
    "        total += fill(os.path.join(directory, f'fill-{n}'))\n"
    f"assert 0 < total <= 4 * {LIMITS.file_size_bytes}, total\n"
)
"""Fills each private tmpfs (the scratch directory's included) and keeps writing; passes if the caps held."""


def grade(programs: list[str]) -> list[ExecutionResult]:
    async def all_at_once() -> list[ExecutionResult]:
        return await asyncio.gather(*(run_tests(program, TEST, "add", LIMITS) for program in programs))

    return asyncio.run(all_at_once())


def vmstat_oom_kills() -> int:
    """OOM kills on the whole machine since boot."""
    line = next(line for line in Path("/proc/vmstat").read_text().splitlines() if line.startswith("oom_kill "))
    return int(line.split()[1])


@contextlib.contextmanager
def host_memory_drop() -> Iterator[list[int]]:
    """Sample MemAvailable every 5 ms; the list yielded gets its largest drop below the start, in bytes."""

    def available() -> int:
        line = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemAvailable"))
        return int(line.split()[1]) * 1024

    start, lowest, done = available(), [available()], threading.Event()

    def sample() -> None:
        while not done.wait(0.005):
            lowest[0] = min(lowest[0], available())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    drop: list[int] = []
    try:
        yield drop
    finally:
        done.set()
        sampler.join()
        drop.append(max(0, start - lowest[0]))


@pytest.fixture
def oom_kills_in_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The OOM kills the executor reads from each run's group, as it reads them."""
    seen: list[int] = []
    read = cgroups.Group.oom_kills

    def recording(group: cgroups.Group) -> int:
        seen.append(read(group))
        return seen[-1]

    monkeypatch.setattr(cgroups.Group, "oom_kills", recording)
    return seen


def check_contained(parent: cgroups.Group, runs: int, before: int, oom_kills: list[int], report, drop: int) -> int:
    """Assert the runs' memory stayed within their budgets and that nothing outside them was touched; the peak."""
    peak = parent.peak_bytes()
    assert peak is not None
    report(
        f"peak {peak / MiB:.1f} MiB charged to the runs (budget {runs} x {BUDGET / MiB:.0f} MiB); "
        f"{sum(oom_kills)} OOM kills, all inside the runs; host MemAvailable fell by {drop / MiB:.0f} MiB "
        "(machine-wide, all else included)"
    )
    assert peak <= runs * BUDGET + MARGIN
    assert vmstat_oom_kills() - before == sum(oom_kills), "the kernel OOM-killed a process outside the sandboxes"
    for directory in parent.directories():
        assert not [child for child in Path(directory).iterdir() if child.is_dir()], "a run group was left behind"
    assert not sandbox_processes(), "a process of a run outlived it"
    assert asyncio.run(run_tests(GOOD, TEST, "add", LIMITS)).passed
    assert subprocess.run([sys.executable, "-c", "pass"], timeout=30).returncode == 0
    return peak


@pytest.mark.parametrize(
    ("program", "outcome", "detail", "at_least"),
    [
        (SPREAD, "memory", "the kernel killed", BUDGET // 2),
        (THREADS, "memory", "", BUDGET // 2),  # the address-space rlimit or the group, whichever binds first
        (DETACHED, "passed", "all tests passed", 64 * MiB),
    ],
    ids=["forked-processes", "threads", "detached-process"],
)
def test_memory_spread_is_held_to_the_run_budget(
    own_parent, oom_kills_in_runs, report_memory, program, outcome, detail, at_least
):
    before = vmstat_oom_kills()
    with host_memory_drop() as drop:
        (result,) = grade([program])
    assert (result.outcome, result.isolation) == (outcome, "cgroup"), result
    assert detail in result.detail
    peak = check_contained(own_parent, 1, before, oom_kills_in_runs, report_memory, drop[0])
    assert peak >= at_least, "the memory was not charged to the run's group"


def test_filling_the_tmpfs_and_writing_on_is_capped(own_parent, oom_kills_in_runs, report_memory):
    before = vmstat_oom_kills()
    with host_memory_drop() as drop:
        (result,) = grade([FILL])
    assert result.outcome == "passed", result  # the program checks that no write went past the caps
    peak = check_contained(own_parent, 1, before, oom_kills_in_runs, report_memory, drop[0])
    assert peak >= 3 * LIMITS.file_size_bytes, "tmpfs pages were not charged to the run's group"


def test_attacks_graded_concurrently_are_each_held(own_parent, oom_kills_in_runs, report_memory):
    programs = [SPREAD, THREADS, SPREAD, DETACHED, GOOD]
    bound = default_max_concurrency()
    set_max_concurrency(len(programs))
    before = vmstat_oom_kills()
    try:
        with host_memory_drop() as drop:
            results = grade(programs)
    finally:
        set_max_concurrency(bound)
    assert [r.outcome for r in results] == ["memory", "memory", "memory", "passed", "passed"], results
    peak = check_contained(own_parent, len(programs), before, oom_kills_in_runs, report_memory, drop[0])
    assert peak >= BUDGET // 2
