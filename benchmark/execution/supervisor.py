"""The supervisor: a small trusted program that isolates one run, forks the sandbox, enforces the wall-clock
limit and reports how the sandbox ended on the status pipe (see the package docstring for the design).

It runs as ``python -I -S -c BOOTSTRAP`` with an empty environment; the harness compiles this module once and
passes it marshal-encoded on argv with the run's configuration, and the bootstrap calls `main`. So it imports
only built-in and small standard modules, never the project's; importing it runs nothing. Annotations use
built-in types only: ``from __future__ import annotations`` would cost a module import per run.

The configuration (a dict, built by `benchmark.execution.runner`): ``code`` (what the sandbox runs),
``site_packages``, ``cwd``, ``uid`` (None: keep the harness's), ``namespaces``, ``covers`` (tmpfs mounts:
directory, mode, paths bound back), ``tmpfs_bytes``, ``cgroup_join`` (the run's control group: the files the
sandbox joins it by), ``rlimits`` (resource, soft, hard), ``wall_seconds`` and ``status_fd``.
"""

import _signal as signal  # the signal module imports enum: ~5 ms per run
import ctypes
import os
import resource
import sys
import time

NEWNS, NEWPID, NEWNET = 0x20000, 0x20000000, 0x40000000
NOSUID, NODEV, NOEXEC, BIND, REC, PRIVATE = 0x2, 0x4, 0x8, 0x1000, 0x4000, 0x40000
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER = 1, 4, 36

_libc = ctypes.CDLL(None, use_errno=True)


def main(config: dict) -> None:
    """Run one sandbox as `config` describes and report its end on the status pipe; never returns."""
    namespaces, status_fd = config["namespaces"], config["status_fd"]
    try:
        joins = [os.open(path, os.O_WRONLY) for path in config["cgroup_join"]]  # before any mount hides them
        if namespaces:
            _isolate(config)
        else:
            _call("prctl", PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        ready, failed = os.pipe()
        pid = os.fork()
    except OSError as error:
        _report(status_fd, f"setup-error {error}")
    if pid == 0:
        os.close(ready)
        _run_sandbox(config, joins, failed)
    for fd in [0, failed, *joins]:
        os.close(fd)
    failure = os.read(ready, 4096).decode(errors="replace")
    wait_status, timed_out = _supervise(pid, namespaces, config["wall_seconds"])
    if not namespaces:
        _kill(pid, namespaces)
        if config["uid"] is not None:
            _kill_uid(config["uid"])
        _reap()
    _report(status_fd, _status(failure, timed_out, wait_status))


def _call(name: str, *args: object) -> None:
    """Call the libc function `name`; a non-zero result raises OSError with its errno."""
    if getattr(_libc, name)(*args) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{name}: {os.strerror(error)}")


def _mount(source: bytes | None, target: str, fstype: bytes | None, flags: int, data: bytes | None = None) -> None:
    _call("mount", source, target.encode(), fstype, ctypes.c_ulong(flags), data)


def _isolate(config: dict) -> None:
    """Enter fresh mount, pid and network namespaces, mount the covering tmpfs with their paths bound back, and
    a tmpfs of the sandbox uid's on the scratch directory (so what the program writes there is capped too)."""
    tmpfs_bytes, uid = config["tmpfs_bytes"], config["uid"]
    _call("unshare", NEWNS | NEWPID | NEWNET)
    _mount(None, "/", None, REC | PRIVATE)
    for cover, mode, keep in config["covers"]:
        fds = [os.open(path, os.O_PATH | os.O_DIRECTORY) for path in keep]
        _mount(b"tmpfs", cover, b"tmpfs", NOSUID | NODEV, f"mode={mode},size={tmpfs_bytes}".encode())
        for path, fd in zip(keep, fds, strict=True):
            os.makedirs(path, exist_ok=True)
            _mount(f"/proc/self/fd/{fd}".encode(), path, None, BIND | REC)
            os.close(fd)
    scratch = f"mode=700,uid={uid},gid={uid},size={tmpfs_bytes}"
    _mount(b"tmpfs", config["cwd"], b"tmpfs", NOSUID | NODEV, scratch.encode())


def _run_sandbox(config: dict, joins: list[int], failed: int) -> None:
    """In the forked child: become the sandbox and run its code; a setup failure is written to `failed`."""
    try:
        _join(joins)
        _become_sandbox(config)
    except BaseException as error:
        os.write(failed, f"{type(error).__name__}: {error}".encode())
        os._exit(127)
    os.close(failed)  # setup is done: the supervisor starts the wall clock
    exec(config["code"], {"__name__": "__main__"})  # the driver ends with os._exit; the probe's "pass" returns
    os._exit(0)


def _join(joins: list[int]) -> None:
    """Move into the run's control group, first of all: whatever the sandbox forks is then in it."""
    for fd in joins:
        os.write(fd, b"0")
        os.close(fd)


def _become_sandbox(config: dict) -> None:
    """Set the limits, the cwd and the uid, close the status pipe, and offer what ``python -I`` does."""
    if config["namespaces"]:
        _mount(b"proc", "/proc", b"proc", NOSUID | NODEV | NOEXEC)
    else:
        os.setpgid(0, 0)
    for kind, soft, hard in config["rlimits"]:
        resource.setrlimit(kind, (soft, hard))
    os.chdir(config["cwd"])
    uid = config["uid"]
    if uid is not None:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    _call("prctl", PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    _call("prctl", PR_SET_DUMPABLE, 1, 0, 0, 0)  # as after an exec: setuid made /proc/self root's
    os.close(config["status_fd"])  # the sandboxed program never holds the status pipe
    stdlib = os.path.dirname(os.__file__)
    if not os.access(stdlib, os.R_OK | os.X_OK):
        hint = "" if config["namespaces"] else " (without namespaces, it must be readable by every user)"
        raise OSError(f"uid {uid} cannot read the standard library in {stdlib}{hint}")
    import site  # what `python -I` has and `-S` left out, except .pth files

    site.setquit()
    site.setcopyright()
    site.sethelper()
    sys.path.extend(config["site_packages"])
    del sys.argv[1:]  # the supervisor and its configuration: as for `python -I -c`, sys.argv is ["-c"]


def _supervise(pid: int, namespaces: bool, wall_seconds: float) -> tuple[int, bool]:
    """Wait for the sandbox, killing it at the wall-clock limit or on SIGTERM from the harness.

    Returns its wait status and whether the wall-clock limit killed it.
    """
    timed_out: list[bool] = []

    def kill(*_: object) -> None:
        _kill(pid, namespaces)

    def expire(*_: object) -> None:
        timed_out.append(True)
        kill()

    signal.signal(signal.SIGTERM, kill)
    signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, wall_seconds)
    _, wait_status = os.waitpid(pid, 0)
    signal.setitimer(signal.ITIMER_REAL, 0)
    return wait_status, bool(timed_out)


def _kill(pid: int, namespaces: bool) -> None:
    """Kill the sandbox: its pid namespace goes with it; without namespaces, kill its process group."""
    try:
        if namespaces:
            os.kill(pid, signal.SIGKILL)
        else:
            os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


def _kill_uid(uid: int) -> None:
    """Kill every process of the leased uid, so of this run, even those that left the process group."""
    if os.fork() == 0:
        try:
            os.setgid(uid)
            os.setuid(uid)
            for _ in range(100):
                os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
        os._exit(0)


def _reap() -> None:
    """Reap the orphans adopted as subreaper, lest they linger counted against RLIMIT_NPROC."""
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                time.sleep(0.01)
        except ChildProcessError:
            return


def _status(failure: str, timed_out: bool, wait_status: int) -> str:
    """The report: "setup-error ...", "timeout", "signal N" or "exit N"."""
    if failure:
        return f"setup-error {failure}"
    if timed_out:
        return "timeout"
    if os.WIFSIGNALED(wait_status):
        return f"signal {os.WTERMSIG(wait_status)}"
    return f"exit {os.WEXITSTATUS(wait_status)}"


def _report(status_fd: int, status: str) -> None:
    """Write `status` on the status pipe and exit; never returns."""
    os.write(status_fd, status.encode())
    os._exit(0)
