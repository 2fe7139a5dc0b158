"""The control group per run: it has the run's limits, it goes away whatever the run's end, and where no
controllers can be used the runs fall back to rlimits, recorded and warned about."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import resource
import subprocess
from pathlib import Path

import pytest

from benchmark.execution import ExecutionLimits, cgroups, run_tests, runner
from benchmark.execution.limits import rlimits

TEST = "def check(candidate):\n    assert candidate(2, 3) == 5\n"
GOOD = "def add(a, b):\n    return a + b\n"
LIMITS = ExecutionLimits(cpu_seconds=3, wall_seconds=5)

REPORT_GROUP = (
    "import json\n"
    "def add(a, b):\n"
    "    groups = dict(line.split(':', 2)[1:] for line in open('/proc/self/cgroup').read().splitlines())\n"
    "    def read(controller, name):\n"
    "        try:\n"
    "            return open(f'/sys/fs/cgroup/{controller}{groups[controller]}/{name}').read().strip()\n"
    "        except (OSError, KeyError):\n"
    "            return None\n"
    "    raise Exception('group ' + json.dumps({\n"
    "        'path': groups.get('memory'),\n"
    "        'memory': read('memory', 'memory.limit_in_bytes'),\n"
    "        'memsw': read('memory', 'memory.memsw.limit_in_bytes'),\n"
    "        'pids': read('pids', 'pids.max'),\n"
    "        'cpu': read('cpu', 'cpu.cfs_quota_us'),\n"
    "    }))\n"
)
"""Reports the v1 control group it runs in, and its limits, in its error."""

REPORT_RLIMITS = (
    "import resource\n"
    "def add(a, b):\n"
    "    kinds = ('RLIMIT_AS', 'RLIMIT_NPROC', 'RLIMIT_CPU', 'RLIMIT_FSIZE')\n"
    "    limits = {kind: resource.getrlimit(getattr(resource, kind))[0] for kind in kinds}\n"
    "    memory = [line for line in open('/proc/self/cgroup').read().splitlines() if ':memory:' in line]\n"
    "    raise Exception('rlimits ' + str(limits) + ' ' + str(memory))\n"
)

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="control groups need the harness to run as root")


def run(program: str, limits: ExecutionLimits = LIMITS):
    return asyncio.run(run_tests(program, TEST, "add", limits))


def reported(result, word: str) -> str:
    return re.search(rf"{word} (.*)", result.detail).group(1)


@pytest.fixture
def groups_made(monkeypatch) -> list[cgroups.Group]:
    """Every run group the executor makes, recorded as it makes it."""
    made: list[cgroups.Group] = []
    run_group = cgroups.run_group

    @contextlib.asynccontextmanager
    async def recording(parent, limits):
        async with run_group(parent, limits) as group:
            made.append(group)
            yield group

    monkeypatch.setattr(cgroups, "run_group", recording)
    return made


def fake_mounts(tmp_path: Path, monkeypatch, *lines: str) -> None:
    """Make this process's mount table read as `lines` (mountinfo's format after the first four fields)."""
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text("".join(f"{30 + i} 1 0:{30 + i} {line}\n" for i, line in enumerate(lines)))
    monkeypatch.setattr(cgroups, "MOUNTINFO", str(mountinfo))


@as_root
def test_a_run_is_in_a_group_of_its_own_with_the_default_budget():
    parent = runner.control_groups()
    if parent is None or parent.version != 1:
        pytest.skip(f"the program reads cgroup v1 files; here: {runner.describe_isolation()}")
    result = run(REPORT_GROUP, ExecutionLimits())
    assert result.isolation == "cgroup"
    group = json.loads(reported(result, "group"))
    assert group["path"].startswith(f"/{cgroups.PARENT}/{os.getpid()}-"), group
    default = ExecutionLimits()
    assert int(group["memory"]) == default.memory_bytes == 2**30
    assert group["memsw"] in (None, str(default.memory_bytes))  # memory + swap = memory: no swap
    assert int(group["pids"]) == default.max_processes == 64
    if "cpu" in parent.dirs:
        assert int(group["cpu"]) == round(default.cpus * 100_000)


@as_root
@pytest.mark.parametrize(
    ("program", "outcome"),
    [
        (GOOD, "passed"),
        ("import ctypes\nctypes.string_at(0)\n", "crashed"),  # a fault: pid 1 ignores a sent SIGSEGV
        (GOOD + "import time\ntime.sleep(60)\n", "timeout"),
    ],
    ids=["pass", "crash", "timeout"],
)
def test_the_group_is_removed_whatever_the_end(groups_made, program, outcome):
    if runner.control_groups() is None:
        pytest.skip(runner.describe_isolation())
    assert run(program, ExecutionLimits(cpu_seconds=3, wall_seconds=2)).outcome == outcome
    (group,) = groups_made
    assert not any(os.path.exists(directory) for directory in group.directories())


@as_root
def test_processes_left_in_a_group_are_killed_before_it_is_removed(own_parent):
    async def leave_a_process() -> tuple[cgroups.Group, subprocess.Popen]:
        async with cgroups.run_group(own_parent, LIMITS) as group:
            straggler = subprocess.Popen(["sleep", "60"])
            for path in group.join_files():
                Path(path).write_text(str(straggler.pid))
        return group, straggler

    group, straggler = asyncio.run(leave_a_process())
    assert straggler.wait(timeout=10) == -9
    assert not any(os.path.exists(directory) for directory in group.directories())


@as_root
def test_groups_of_dead_harnesses_are_swept(own_parent):
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale, live = f"{dead.pid}-0", f"{os.getpid()}-999999"
    for directory in own_parent.directories():
        for name in (stale, live):
            os.mkdir(os.path.join(directory, name))
    try:
        assert cgroups.setup(2**30, 1000) == own_parent
        for directory in own_parent.directories():
            assert not os.path.exists(os.path.join(directory, stale))
            assert os.path.exists(os.path.join(directory, live))
    finally:
        for directory in own_parent.directories():
            for name in (stale, live):
                with contextlib.suppress(FileNotFoundError):
                    os.rmdir(os.path.join(directory, name))


def test_without_controllers_the_runs_fall_back_to_rlimits_recorded_and_warned_once(tmp_path, monkeypatch, caplog):
    unified = tmp_path / "unified"  # cgroup2 as on these machines: mounted, without memory or pids
    unified.mkdir()
    (unified / "cgroup.controllers").write_text("hugetlb\n")
    (unified / "cgroup.subtree_control").write_text("hugetlb\n")
    fake_mounts(tmp_path, monkeypatch, f"/ {unified} rw,relatime - cgroup2 cgroup2 rw")
    monkeypatch.setattr(runner, "_groups", None)
    with caplog.at_level(logging.WARNING, logger=runner.__name__):
        first, second = run(REPORT_RLIMITS), run(GOOD)
    assert (first.isolation, second.isolation) == ("rlimits", "rlimits")
    assert second.passed
    warnings = [record.getMessage() for record in caplog.records if "isolation: rlimits" in record.getMessage()]
    assert len(warnings) == 1 and "no cgroup v2 with the memory and pids controllers" in warnings[0], warnings
    assert "rlimits only" in runner.describe_isolation()
    seen = reported(first, "rlimits")
    names = {getattr(resource, name): name for name in ("RLIMIT_AS", "RLIMIT_NPROC", "RLIMIT_CPU", "RLIMIT_FSIZE")}
    expected = {names[kind]: soft for kind, soft, _ in rlimits(LIMITS) if kind in names}
    assert expected["RLIMIT_AS"] == LIMITS.memory_bytes
    assert all(f"'{name}': {soft}" in seen for name, soft in expected.items()), seen
    assert cgroups.PARENT not in seen  # the program stayed in the harness's group


def test_setup_says_why_groups_cannot_be_used(tmp_path, monkeypatch):
    with_controllers = tmp_path / "v2"  # reads as if cgroup2 had them, but is an ordinary directory
    with_controllers.mkdir()
    (with_controllers / "cgroup.subtree_control").write_text("cpu memory pids\n")
    fake_mounts(tmp_path, monkeypatch, f"/ {with_controllers} rw - cgroup2 cgroup2 rw")
    if os.geteuid() == 0:
        assert cgroups.setup(2**30, 1000).startswith("cannot set up control groups")  # no control files
    fake_mounts(tmp_path, monkeypatch, "/ /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory")
    if os.geteuid() == 0:
        assert "nor cgroup v1 memory and pids" in cgroups.setup(2**30, 1000)  # memory alone is not enough
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert cgroups.setup(2**30, 1000) == "the harness is not root"


def test_mount_table_escapes_and_hierarchies(tmp_path, monkeypatch):
    fake_mounts(
        tmp_path,
        monkeypatch,
        "/ /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct",
        "/ /sys/fs/cgroup/my\\040memory rw - cgroup cgroup rw,memory",
        "/ /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids",
        "/ /proc rw - proc proc rw",
    )
    assert cgroups._hierarchies() == (
        1,
        {"cpu": "/sys/fs/cgroup/cpu,cpuacct", "memory": "/sys/fs/cgroup/my memory", "pids": "/sys/fs/cgroup/pids"},
    )


def test_the_harness_memory_limit_is_the_lowest_on_its_path(tmp_path, monkeypatch):
    top = tmp_path / "memory"
    leaf = top / "machine" / "harness"
    leaf.mkdir(parents=True)
    (top / "memory.limit_in_bytes").write_text("9223372036854771712\n")
    (top / "machine" / "memory.limit_in_bytes").write_text(f"{8 * 2**30}\n")
    (leaf / "memory.limit_in_bytes").write_text(f"{16 * 2**30}\n")
    fake_mounts(tmp_path, monkeypatch, f"/ {top} rw - cgroup cgroup rw,memory")
    own = tmp_path / "cgroup"
    own.write_text("5:pids:/\n4:memory:/machine/harness\n0::/\n")
    monkeypatch.setattr(cgroups, "OWN_CGROUP", str(own))
    assert cgroups.harness_memory_limit() == 8 * 2**30
