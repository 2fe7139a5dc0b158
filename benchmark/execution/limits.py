"""What one sandboxed run may use: the limits, and the rlimits that enforce them per process (the control group
that enforces them for the whole run is `cgroups`)."""

from __future__ import annotations

import resource
from dataclasses import dataclass


@dataclass(frozen=True)
class ExecutionLimits:
    """Per-run limits; each turns a runaway program into a verdict instead of a harness outage."""

    cpu_seconds: int = 10
    """CPU time per process; the kernel kills the program when it is used up."""
    wall_seconds: float = 15.0
    """Wall-clock time for the whole run, enforced by the supervisor."""
    memory_bytes: int = 2**30
    """Memory of the whole run, all its processes together, without swap (its control group's limit; the kernel
    OOM-kills past it), and address space per process (RLIMIT_AS: big allocations raise MemoryError)."""
    max_processes: int = 64
    """Processes and threads of the whole run (its control group's pids limit), and of the sandbox uid
    (RLIMIT_NPROC; counts the harness user's when not root)."""
    cpus: float = 1.0
    """Cores the whole run may keep busy at once (its control group's CPU quota, where a cpu controller is)."""
    file_size_bytes: int = 10 * 2**20
    """Largest file the program may write (RLIMIT_FSIZE), and the size of each private tmpfs (scratch included)."""


def rlimits(limits: ExecutionLimits) -> list[tuple[int, int, int]]:
    """(resource, soft, hard) triples, capped at the harness's own hard limits so that they can be set.

    CPU soft and hard are equal: SIGXCPU would be ignored by a pid namespace's init, SIGKILL is not.
    """
    wanted = {
        resource.RLIMIT_CPU: limits.cpu_seconds,
        resource.RLIMIT_AS: limits.memory_bytes,
        resource.RLIMIT_NPROC: limits.max_processes,
        resource.RLIMIT_FSIZE: limits.file_size_bytes,
        resource.RLIMIT_CORE: 0,
    }
    triples = []
    for kind, value in wanted.items():
        hard = resource.getrlimit(kind)[1]
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        triples.append((kind, value, value))
    return triples
