"""Control groups: a run's memory, process and CPU budget holds for all its processes together, whatever they
spawn (see the package docstring, "Budget").

Layout: one parent group, `PARENT`, at the top of each hierarchy used (cgroup v2 where its memory and pids
controllers are enabled at the top; else the v1 memory and pids hierarchies, and v1 cpu where it is mounted),
capped at what all sandboxes on the machine may use together; in it one group per run with that run's limits,
``<harness pid>-<tag>-<n>`` (the random tag tells apart harnesses that got the same pid). The harness makes the
run group before it starts the supervisor; the sandbox writes itself into it before anything else (so every
process of the run is in it, and none can leave: that needs root); once the supervisor has exited, the harness
reads the group's OOM kills and removes it, first killing whatever is still in it. Groups left behind by a
harness that died are removed by the next one that sets up.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import itertools
import logging
import os
import re
import secrets
import signal
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from benchmark.execution.limits import ExecutionLimits

PARENT = "userlm-bench-sandbox"
"""The executor's parent group, under the top of each hierarchy: shared by every harness on the machine."""
MOUNTINFO = "/proc/self/mountinfo"
OWN_CGROUP = "/proc/self/cgroup"

_CPU_PERIOD_US = 100_000  # the kernel's default CFS period: a new group has it
_REMOVE_SECONDS = 5.0
_run_names = itertools.count()
_TAG = secrets.token_hex(3)
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Group:
    """A control group: its directory in each hierarchy, by controller ("memory", "pids", maybe "cpu")."""

    version: int
    dirs: dict[str, str]

    def directories(self) -> list[str]:
        """Its distinct directories (v2 has one for all controllers)."""
        return sorted(set(self.dirs.values()))

    def join_files(self) -> list[str]:
        """The files a single-threaded process writes "0" to in order to join the group.

        On v1 that is ``tasks``, which moves the calling thread alone: that skips the kernel's global
        threadgroup lock, whose write side waits for an RCU grace period (5-9 ms a run on a quiet machine).
        """
        members = "cgroup.procs" if self.version == 2 else "tasks"
        return [os.path.join(directory, members) for directory in self.directories()]

    def oom_kills(self) -> int:
        """How many of its processes the kernel's OOM killer has killed."""
        events = "memory.events" if self.version == 2 else "memory.oom_control"
        for line in _read(os.path.join(self.dirs["memory"], events)).splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def peak_bytes(self) -> int | None:
        """The most memory charged to it at once, as the kernel tracks it (None where the kernel has no peak)."""
        peak = "memory.peak" if self.version == 2 else "memory.max_usage_in_bytes"
        with contextlib.suppress(FileNotFoundError):
            return int(_read(os.path.join(self.dirs["memory"], peak)))
        return None

    def describe(self) -> str:
        """The mechanism in words, for reports."""
        capped = "memory without swap, processes and CPU"
        if "cpu" not in self.dirs:
            capped = "memory without swap and processes (CPU share not capped: no cpu controller)"
        return f"a cgroup v{self.version} group per run: {capped}"


def setup(memory_bytes: int, processes: int) -> Group | str:
    """Make the parent group, capped at `memory_bytes` (no swap) and `processes` for all runs together, and
    remove run groups left by dead harnesses; the parent, or why control groups cannot be used here."""
    if os.geteuid() != 0:
        return "the harness is not root"
    try:
        found = _hierarchies()
        if isinstance(found, str):
            return found
        version, tops = found
        parent = Group(version, {controller: os.path.join(top, PARENT) for controller, top in tops.items()})
        for directory in parent.directories():
            os.makedirs(directory, exist_ok=True)
        if version == 2:
            _write(os.path.join(parent.dirs["memory"], "cgroup.subtree_control"), " ".join(f"+{c}" for c in tops))
        try:
            _set_limits(parent, memory_bytes, processes, cpus=None)
        except OSError as error:
            if error.errno != errno.EBUSY:  # EBUSY: other harnesses' runs use more than this cap; keep theirs
                raise
        _sweep(parent)
    except OSError as error:
        return f"cannot set up control groups: {error}"
    return parent


@contextlib.asynccontextmanager
async def run_group(parent: Group, limits: ExecutionLimits) -> AsyncIterator[Group]:
    """A fresh group under `parent` with the run's limits; removed afterwards, once nothing is left in it."""
    name = f"{os.getpid()}-{_TAG}-{next(_run_names)}"
    group = Group(parent.version, {c: os.path.join(d, name) for c, d in parent.dirs.items()})
    made: list[str] = []
    try:
        for directory in group.directories():
            os.mkdir(directory)
            made.append(directory)
        _set_limits(group, limits.memory_bytes, limits.max_processes, limits.cpus)
        yield group
    finally:
        for directory in made:
            await _remove(directory)


def harness_memory_limit() -> int | None:
    """The lowest memory limit on the harness's own control group and its ancestors, if it has one."""
    mounts = _mounts()
    v1 = next((m for m in mounts if m.fstype == "cgroup" and "memory" in m.options), None)
    mount = v1 or next((m for m in mounts if m.fstype == "cgroup2"), None)
    if mount is None:
        return None
    limit_file = "memory.limit_in_bytes" if v1 else "memory.max"
    relative = os.path.relpath(_own_cgroup("memory" if v1 else ""), mount.root)
    directory = os.path.normpath(os.path.join(mount.point, "." if relative.startswith("..") else relative))
    limits = []
    while True:
        with contextlib.suppress(OSError, ValueError):  # no such file, or "max"
            limits.append(int(_read(os.path.join(directory, limit_file))))
        if directory == mount.point:
            return min(limits, default=None)
        directory = os.path.dirname(directory)


@dataclass(frozen=True)
class _Mount:
    fstype: str
    point: str
    root: str
    options: frozenset[str]


def _mounts() -> list[_Mount]:
    """The cgroup mounts of this process's mount namespace."""
    found = []
    with open(MOUNTINFO, encoding="utf-8") as mountinfo:
        for line in mountinfo:
            fields = line.split()
            tail = fields.index("-")
            if fields[tail + 1] in ("cgroup", "cgroup2"):
                options = frozenset(fields[tail + 3].split(","))
                found.append(_Mount(fields[tail + 1], _unescape(fields[4]), _unescape(fields[3]), options))
    return found


def _unescape(field: str) -> str:
    """A mountinfo path: spaces, tabs, newlines and backslashes are octal escapes there."""
    return re.sub(r"\\([0-7]{3})", lambda match: chr(int(match[1], 8)), field)


def _hierarchies() -> tuple[int, dict[str, str]] | str:
    """The version and the top directory for each controller used, or why there is no usable one."""
    mounts = _mounts()
    for mount in mounts:
        if mount.fstype == "cgroup2":
            enabled = _read(os.path.join(mount.point, "cgroup.subtree_control")).split()
            if {"memory", "pids"} <= set(enabled):
                return 2, {c: mount.point for c in ("memory", "pids", "cpu") if c in enabled}
            break
    v1: dict[str, str] = {}
    for mount in mounts:
        for controller in ("memory", "pids", "cpu"):
            if mount.fstype == "cgroup" and controller in mount.options:
                v1.setdefault(controller, mount.point)
    if "memory" in v1 and "pids" in v1:
        return 1, v1
    return "no cgroup v2 with the memory and pids controllers enabled, nor cgroup v1 memory and pids hierarchies"


def _own_cgroup(controller: str) -> str:
    """The harness's group in the v1 hierarchy holding `controller`, or in the v2 hierarchy for ""."""
    with open(OWN_CGROUP, encoding="utf-8") as cgroups:
        for line in cgroups:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            if controller in controllers.split(","):
                return path
    return "/"


def _set_limits(group: Group, memory_bytes: int, processes: int, cpus: float | None) -> None:
    """Cap `group`'s memory (and swap: none), processes and, given `cpus` and a cpu controller, its CPU quota."""
    memory, pids, cpu = group.dirs["memory"], group.dirs["pids"], group.dirs.get("cpu")
    if group.version == 2:
        _write(os.path.join(memory, "memory.max"), memory_bytes)
        _write_if_present(os.path.join(memory, "memory.swap.max"), 0)
        _write(os.path.join(pids, "pids.max"), processes)
        if cpu and cpus:
            _write(os.path.join(cpu, "cpu.max"), f"{round(cpus * _CPU_PERIOD_US)} {_CPU_PERIOD_US}")
        return
    _set_v1_memory(memory, memory_bytes)
    _write(os.path.join(pids, "pids.max"), processes)
    if cpu and cpus:
        _write(os.path.join(cpu, "cpu.cfs_quota_us"), round(cpus * _CPU_PERIOD_US))


def _set_v1_memory(directory: str, memory_bytes: int) -> None:
    """v1: memory and memory+swap both at `memory_bytes` (no swap); where the kernel does not account swap, the
    group never swaps (swappiness 0). memory <= memory+swap must hold after each write, hence the order."""
    limit, with_swap = (
        os.path.join(directory, "memory.limit_in_bytes"),
        os.path.join(directory, "memory.memsw.limit_in_bytes"),
    )
    if not os.path.exists(with_swap):
        _write(limit, memory_bytes)
        _write(os.path.join(directory, "memory.swappiness"), 0)
        return
    try:
        _write(limit, memory_bytes)
    except OSError as error:
        if error.errno != errno.EINVAL:
            raise
        _write(with_swap, memory_bytes)  # raising both: memory+swap first
        _write(limit, memory_bytes)
    _write(with_swap, memory_bytes)


def _sweep(parent: Group) -> None:
    """Remove the empty run groups of harness processes that no longer exist."""
    for directory in parent.directories():
        for name in os.listdir(directory):
            owner = name.partition("-")[0]
            if owner.isdigit() and not _alive(int(owner)):
                with contextlib.suppress(OSError):
                    os.rmdir(os.path.join(directory, name))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


async def _remove(directory: str) -> None:
    """Remove a run group. It is empty once its supervisor has gone (the pid namespace's end takes every process
    with it); if it is not, kill what is left and retry until it is, for a few seconds at most."""
    deadline = time.monotonic() + _REMOVE_SECONDS
    while True:
        try:
            os.rmdir(directory)
            return
        except FileNotFoundError:
            return
        except OSError as error:
            if error.errno != errno.EBUSY or time.monotonic() > deadline:
                _log.warning("sandbox: could not remove the control group %s: %s", directory, error)
                return
        for pid in _read(os.path.join(directory, "cgroup.procs")).split():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)
        await asyncio.sleep(0.01)


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as file:
        return file.read()


def _write(path: str, value: object) -> None:
    """Write a control file; never creates one (a missing file means no such controller: an OSError)."""
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, str(value).encode())
    finally:
        os.close(fd)


def _write_if_present(path: str, value: object) -> None:
    with contextlib.suppress(FileNotFoundError):
        _write(path, value)
