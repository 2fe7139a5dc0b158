"""The budget across concurrent runs: what all sandboxes on the machine may use together, and how many programs
are graded at once by default.

All sandboxes together get a quarter (`SANDBOX_SHARE`) of the machine's memory and of its task limit
(``kernel.threads-max``); the executor's parent control group holds them to it, however many harnesses run.
The machine's memory is its physical memory (MemTotal), or the memory limit on the harness's own control group
where that is lower (a container); its cores are those the harness may run on. By default as many programs are
graded at once as can each use their whole memory budget at the same time inside that share, at most one per
core:

    max(1, min(cores, (machine memory // 4) // per-run memory))

That is 2 on 2 cores and 24 GiB with the default 1 GiB per run (6 would fit), 16 on 64 cores and 64 GiB. The
environment variable `CONCURRENCY_VARIABLE` (``USERLM_SANDBOX_CONCURRENCY=N``) or `set_max_concurrency` overrides
it; the parent group's cap holds all the same, so past the default the runs share it, and if all of them use
their whole budget at once the kernel OOM-kills inside the sandboxes (those runs end as `memory`), never
outside.
"""

from __future__ import annotations

import os

from benchmark.execution import cgroups

SANDBOX_SHARE = 0.25
"""The share of the machine's memory and tasks that all sandboxes together may use."""
CONCURRENCY_VARIABLE = "USERLM_SANDBOX_CONCURRENCY"
_THREADS_MAX = "/proc/sys/kernel/threads-max"
_UNKNOWN_THREADS_MAX = 2**15  # where the kernel does not say (not Linux): the default pid_max


def machine_memory() -> int:
    """Bytes of memory the harness's machine has: physical memory, or its control group's limit where lower."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    try:
        limit = cgroups.harness_memory_limit()
    except OSError:  # no /proc: not Linux
        limit = None
    return min(total, limit or total)


def sandbox_memory() -> int:
    """Bytes all sandboxes together may use: the parent control group's memory cap."""
    return int(machine_memory() * SANDBOX_SHARE)


def sandbox_processes() -> int:
    """Processes and threads all sandboxes together may have: the parent control group's pids cap."""
    try:
        with open(_THREADS_MAX, encoding="utf-8") as threads_max:
            limit = int(threads_max.read())
    except OSError:
        limit = _UNKNOWN_THREADS_MAX
    return int(limit * SANDBOX_SHARE)


def cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def budget_concurrency(run_memory_bytes: int) -> int:
    """How many runs fit in the sandboxes' memory at once, each using all of `run_memory_bytes`; at most one per
    core, at least one."""
    return max(1, min(cores(), sandbox_memory() // run_memory_bytes))


def default_concurrency(run_memory_bytes: int) -> int:
    """`CONCURRENCY_VARIABLE` if set, else `budget_concurrency`."""
    value = os.environ.get(CONCURRENCY_VARIABLE, "").strip()
    if not value:
        return budget_concurrency(run_memory_bytes)
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{CONCURRENCY_VARIABLE} must be a whole number >= 1, not {value!r}")
    return int(value)
