"""Run a model-written Python program against HumanEval unit tests, isolated from the harness.

The program is untrusted and may be malicious, so it never runs in the harness process, never sees the
harness environment (API keys), has no network, cannot outlive its limits, and cannot fake a pass.

Process tree. The harness starts a small trusted *supervisor* (``python -I -S -c``, empty environment,
own session). As root, the supervisor enters fresh mount and network namespaces (``unshare(2)``, the
syscall behind ``unshare -n``) and forks the *sandbox* as pid 1 of a fresh pid namespace. The sandbox
sets its rlimits, moves to its scratch directory, drops to an unprivileged uid, closes its copy of the
status pipe and runs the driver, which runs the program and the tests, in the interpreter it inherited:
no second interpreter starts (that would double the cost of a run). The supervisor enforces the wall-clock
limit, then reports the exit code, signal, timeout or setup error on that pipe, which no sandboxed process
ever holds, so the program cannot forge it. A supervisor process is used instead of ``preexec_fn``: it is
single-threaded (``preexec_fn`` may deadlock in a threaded harness), it reports setup failures precisely,
and it can own the pid namespace.

The sandbox's interpreter is a fork of the supervisor's, which holds nothing secret (its configuration:
paths, the uid, the limits, the driver). It offers what ``python -I`` does: the standard library, the
site-packages directories on ``sys.path``, ``exit``, ``quit`` and ``help``, ``sys.argv == ["-c"]``, except
that ``.pth`` files are not run (a package installed in editable mode, such as this harness's own, cannot
be imported) and ``sys.prefix`` names the base installation rather than the virtualenv.

Isolation as root (checked once, cached; ``network_isolated`` records it):

* uid: each concurrent run leases its own uid from ``SANDBOX_UID_BASE`` (as IOI's ``isolate`` does),
  with no groups. RLIMIT_NPROC counts a uid's processes, so per-run uids make it stop a fork bomb
  without starving concurrent runs. It also keeps the program away from other runs, from files it
  does not own (it cannot delete the harness's files), and from the harness's ``/proc/<pid>/environ``.
  Leases are abstract unix sockets, so they are exclusive across harness processes too.
* pid namespace: when the sandbox (its init) exits or is killed, the kernel kills and reaps everything
  it forked, even processes that called ``setsid``, so nothing outlives a run, and no zombie waits for a
  container's pid 1 to reap it while counting against RLIMIT_NPROC. A fresh ``/proc`` hides the host.
* network namespace: only a loopback interface, and that is down, so no connection reaches anything.
* mount namespace: fresh size-capped tmpfs on ``/tmp``, ``/var/tmp`` and ``/dev/shm`` (nothing persists);
  directories the sandbox uid may not traverse (e.g. ``/root`` when Python is installed there) are
  covered by a root-owned tmpfs in which only the interpreter and the scratch directory are bound back.

Without namespaces (root lacking CAP_SYS_ADMIN, e.g. a default Docker container) a run still gets its own
uid, its rlimits and a full clean-up (the supervisor kills every process of the uid and reaps them as
subreaper), but no network isolation and no private temp dirs, and the interpreter must be readable by
every user. Not as root, the sandbox keeps the harness's uid: rlimits still apply, but RLIMIT_NPROC then
counts all of that user's processes, processes that leave the process group survive, and the program
can read and delete whatever that user can. Run the benchmark as root in a container.

Verdict. The harness generates a random nonce per run (``secrets.token_hex``) and sends it on stdin with
the sources (``marshal``-encoded); the driver reads stdin to the end before any untrusted code runs, so the
program finds stdin empty, and the nonce is in no argument, environment variable or file. The driver saves
the functions it needs, redirects stdout and stdin to /dev/null, execs the program in a fresh namespace,
then the test source in a copy of that namespace whose builtins are a snapshot taken before the program
ran (patching ``builtins``, ``print`` or ``AssertionError`` changes nothing for ``check``, and the test's
``check`` replaces any the program defined), calls ``check(<entry_point>)``, and only if it returns
writes the nonce to the saved stdout and ends with ``os._exit(0)``. A pass needs exit status 0 *and* the
nonce as the last line of stdout, so ``sys.exit(0)``, ``os._exit(0)`` or printing look-alikes fail.
In-process code can always subvert its own test (an object whose ``__eq__`` is always true, frame
introspection, ``sys.settrace``): that is a grading question, out of reach of any sandbox that runs the
tests next to the program, as HumanEval's do.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import marshal
import os
import pwd
import resource
import secrets
import shutil
import signal
import site
import socket
import stat
import sys
import tempfile
import time
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import CodeType
from typing import Literal, get_args

Outcome = Literal["passed", "failed", "timeout", "memory", "crashed", "no_code", "sandbox_error"]
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)

SANDBOX_UID_BASE = 60_000
"""First uid a sandbox runs as (when the harness is root); uids with a passwd entry are skipped."""
SANDBOX_UID_COUNT = 1_000

_CAPTURE_BYTES = 64 * 1024  # only the tail of stdout/stderr is kept: gigabytes of output cost nothing
_DETAIL_CHARS = 500
_GRACE_SECONDS = 10.0  # how long past the wall limit the harness trusts the supervisor to report
_PRIVATE_TMP_DIRS = ("/tmp", "/var/tmp", "/dev/shm")


@dataclass(frozen=True)
class ExecutionLimits:
    """Per-run limits; each turns a runaway program into a verdict instead of a harness outage."""

    cpu_seconds: int = 10
    """CPU time per process; the kernel kills the program when it is used up."""
    wall_seconds: float = 15.0
    """Wall-clock time for the whole run, enforced by the supervisor."""
    memory_bytes: int = 2**30
    """Address space per process (RLIMIT_AS): big allocations raise MemoryError."""
    max_processes: int = 64
    """Processes and threads of the sandbox uid (RLIMIT_NPROC); counts the harness user's when not root."""
    file_size_bytes: int = 10 * 2**20
    """Largest file the program may write (RLIMIT_FSIZE), and the size of each private tmpfs."""


@dataclass(frozen=True)
class ExecutionResult:
    """The verdict on one program, with a short human-readable reason."""

    outcome: Outcome
    passed: bool
    detail: str
    duration_seconds: float
    network_isolated: bool


# Runs inside the sandbox: runs program then tests, prints the nonce on success. sys.__excepthook__ prints
# tracebacks in C, without the traceback module's imports (~5 ms per run).
_DRIVE = r"""
def _drive(payload):
    import builtins, os, sys

    run, build, write, exit_, describe, stderr = exec, compile, os.write, os._exit, sys.__excepthook__, sys.stderr
    verdict = os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    pristine = dict(vars(builtins))
    program = {"__name__": "__sandbox__"}
    try:
        run(build(payload["program"], "<program>", "exec"), program)
        tests = {**program, "__builtins__": pristine}
        run(build(payload["test"], "<test>", "exec"), tests)
        tests["check"](tests[payload["entry_point"]])
    except BaseException as error:
        sys.stderr = stderr
        describe(type(error), error, error.__traceback__)
        exit_(1)
    write(verdict, ("\n" + payload["nonce"] + "\n").encode())
    exit_(0)
"""


def _driver(codec: str) -> str:
    """The driver as a script that first reads the whole payload from stdin, encoded by `codec`."""
    return f"{_DRIVE}\n\nimport {codec}, sys\n\n_drive({codec}.loads(sys.stdin.buffer.read()))\n"


DRIVER = _driver("json")
"""The driver for ``python -I -c DRIVER``, with a JSON payload on stdin (as `inspect_sandbox` runs it)."""
_MARSHAL_DRIVER = _driver("marshal")  # marshal is built in: json would cost ~5 ms of imports per run

_SUPERVISOR = r"""
import _signal as signal  # the signal module imports enum: ~5 ms per run
import ctypes, marshal, os, resource, sys, time

config = marshal.loads(bytes.fromhex(sys.argv[2]))  # marshal is built in: json would cost ~10 ms of imports per run
libc = ctypes.CDLL(None, use_errno=True)
NEWNS, NEWPID, NEWNET = 0x20000, 0x20000000, 0x40000000
NOSUID, NODEV, NOEXEC, BIND, REC, PRIVATE = 0x2, 0x4, 0x8, 0x1000, 0x4000, 0x40000
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER = 1, 4, 36


def call(name, *args):
    if getattr(libc, name)(*args) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{name}: {os.strerror(error)}")


def mount(source, target, fstype, flags, data=None):
    call("mount", source, target.encode(), fstype, ctypes.c_ulong(flags), data)


def isolate():
    call("unshare", NEWNS | NEWPID | NEWNET)
    mount(None, "/", None, REC | PRIVATE)
    for cover, mode, keep in config["covers"]:
        fds = [os.open(path, os.O_PATH | os.O_DIRECTORY) for path in keep]
        size = config["tmpfs_bytes"]
        mount(b"tmpfs", cover, b"tmpfs", NOSUID | NODEV, f"mode={mode},size={size}".encode())
        for path, fd in zip(keep, fds):
            os.makedirs(path, exist_ok=True)
            mount(f"/proc/self/fd/{fd}".encode(), path, None, BIND | REC)
            os.close(fd)


def become_sandbox():
    if config["namespaces"]:
        mount(b"proc", "/proc", b"proc", NOSUID | NODEV | NOEXEC)
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
    call("prctl", PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    call("prctl", PR_SET_DUMPABLE, 1, 0, 0, 0)  # as after an exec: setuid made /proc/self root's
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
    del sys.argv[1:]  # the configuration: as for `python -I -c`, sys.argv is ["-c"]


def kill_uid(uid):  # every process of the leased uid, so of this run, even out of the process group
    if os.fork() == 0:
        try:
            os.setgid(uid)
            os.setuid(uid)
            for _ in range(100):
                os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
        os._exit(0)


def reap():  # the orphans adopted as subreaper, lest they linger counted against RLIMIT_NPROC
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                time.sleep(0.01)
        except ChildProcessError:
            return


def report(status):
    os.write(config["status_fd"], status.encode())
    os._exit(0)


try:
    if config["namespaces"]:
        isolate()
    else:
        call("prctl", PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    ready, failed = os.pipe()
    pid = os.fork()
except OSError as error:
    report(f"setup-error {error}")
if pid == 0:
    os.close(ready)
    try:
        become_sandbox()
    except BaseException as error:
        os.write(failed, f"{type(error).__name__}: {error}".encode())
        os._exit(127)
    os.close(failed)  # setup is done: the supervisor starts the wall clock
    exec(config["code"], {"__name__": "__main__"})  # the driver ends with os._exit; the probe's "pass" returns
    os._exit(0)
os.close(0)
os.close(failed)
failure = os.read(ready, 4096).decode(errors="replace")
timed_out = []


def kill(*_):
    try:
        os.kill(pid, signal.SIGKILL) if config["namespaces"] else os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


def expire(*_):
    timed_out.append(True)
    kill()


signal.signal(signal.SIGTERM, kill)
signal.signal(signal.SIGALRM, expire)
signal.setitimer(signal.ITIMER_REAL, config["wall_seconds"])
_, status = os.waitpid(pid, 0)
signal.setitimer(signal.ITIMER_REAL, 0)
if not config["namespaces"]:
    kill()
    if config["uid"] is not None:
        kill_uid(config["uid"])
    reap()
if failure:
    report(f"setup-error {failure}")
if timed_out:
    report("timeout")
if os.WIFSIGNALED(status):
    report(f"signal {os.WTERMSIG(status)}")
report(f"exit {os.WEXITSTATUS(status)}")
"""

_BOOTSTRAP = "import marshal, sys; exec(marshal.loads(bytes.fromhex(sys.argv[1])))"
"""Runs the supervisor compiled by the harness, which saves compiling it (~1.5 ms) on every run."""

_max_concurrency = os.cpu_count() or 1
_semaphores: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]
_semaphores = weakref.WeakKeyDictionary()
_namespaces: bool | None = None
_log = logging.getLogger(__name__)


def default_max_concurrency() -> int:
    """How many sandboxes run at once (one per CPU unless set_max_concurrency changed it)."""
    return _max_concurrency


def set_max_concurrency(n: int) -> None:
    """Bound how many sandboxes run at once (default: one per CPU), for runs that start afterwards."""
    global _max_concurrency
    if n < 1:
        raise ValueError(f"max concurrency must be at least 1, not {n}")
    _max_concurrency = n
    _semaphores.clear()


async def run_tests(
    program: str, test: str, entry_point: str, limits: ExecutionLimits = ExecutionLimits()
) -> ExecutionResult:
    """Run `program`, then `test`, then `check(<entry_point>)` in a fresh sandbox.

    The result passes only if `check` returned; any way of ending early, crashing or running out of a
    limit is a fail, with the reason in `outcome` and `detail`.
    """
    if not program.strip():
        return ExecutionResult("no_code", False, "the program is empty", 0.0, False)
    async with _semaphore():
        isolated = await _namespaces_available()
        nonce = secrets.token_hex(16)
        payload = {"program": program, "test": test, "entry_point": entry_point, "nonce": nonce}
        start = time.monotonic()
        try:
            status, stdout, stderr = await _sandboxed(_MARSHAL_DRIVER, marshal.dumps(payload), limits, isolated)
        except OSError as error:
            return ExecutionResult("sandbox_error", False, f"could not start: {error}", 0.0, isolated)
        outcome, detail = classify(status, stdout, stderr, nonce, limits)
        return ExecutionResult(outcome, outcome == "passed", detail, time.monotonic() - start, isolated)


def _semaphore() -> asyncio.Semaphore:
    """The running event loop's semaphore (asyncio primitives belong to one loop)."""
    loop = asyncio.get_running_loop()
    if loop not in _semaphores:
        _semaphores[loop] = asyncio.Semaphore(_max_concurrency)
    return _semaphores[loop]


async def _namespaces_available() -> bool:
    """Whether pid/mount/network namespaces work here (root with CAP_SYS_ADMIN); probed once."""
    global _namespaces
    if _namespaces is None:
        _namespaces = os.geteuid() == 0 and await _probe()
    return _namespaces


async def _probe() -> bool:
    try:
        status, _, stderr = await _sandboxed("pass", b"", ExecutionLimits(), namespaces=True)
    except OSError as error:
        status, stderr = str(error), b""
    if status != "exit 0":
        reason = status or _tail(stderr)
        _log.warning("sandbox: no pid/mount/network namespaces (%s); the network is not isolated", reason)
    return status == "exit 0"


async def _sandboxed(code: str, stdin: bytes, limits: ExecutionLimits, namespaces: bool) -> tuple[str, bytes, bytes]:
    """Run the Python source `code` in a sandbox forked by a supervisor, with its own uid and scratch dir.

    Returns the supervisor's status ("exit N", "signal N", "timeout", "setup-error ..." or "" if it died),
    and the tails of stdout and stderr.
    """
    with _leased_uid() as uid, _scratch_dir(uid) as scratch, _status_pipe() as (status_read, status_write):
        config = {
            "code": _compiled(code),
            "site_packages": _site_packages(),
            "cwd": scratch,
            "uid": uid,
            "namespaces": namespaces,
            "covers": _covers([*_interpreter_dirs(), scratch]) if namespaces else [],
            "tmpfs_bytes": limits.file_size_bytes,
            "rlimits": _rlimits(limits),
            "wall_seconds": limits.wall_seconds,
            "status_fd": status_write,
        }
        pipe = asyncio.subprocess.PIPE
        process = await asyncio.create_subprocess_exec(
            *[sys.executable, "-I", "-S", "-c", _BOOTSTRAP, _supervisor_code(), marshal.dumps(config).hex()],
            stdin=pipe,
            stdout=pipe,
            stderr=pipe,
            env={},
            start_new_session=True,
            pass_fds=(status_write,),
        )
        assert process.stdout and process.stderr
        readers = [asyncio.ensure_future(_read_tail(stream)) for stream in (process.stdout, process.stderr)]
        try:
            deadline = limits.wall_seconds + _GRACE_SECONDS
            await asyncio.wait_for(_feed_and_wait(process, stdin), deadline)
        except asyncio.TimeoutError:
            pass  # the supervisor hung: stopped below, and reported as a sandbox error
        finally:
            if process.returncode is None:
                await _stop(process)
            stdout, stderr = await _collect(readers)
        with contextlib.suppress(BlockingIOError):
            return os.read(status_read, 4096).decode("utf-8", "replace"), stdout, stderr
        return "", stdout, stderr


@contextlib.contextmanager
def _status_pipe() -> Iterator[tuple[int, int]]:
    """A pipe for the supervisor's report, apart from the stdout that the sandboxed program shares.

    Its read end does not block: once the supervisor has exited, its report is there or never will be.
    """
    read, write = os.pipe()
    os.set_blocking(read, False)
    try:
        yield read, write
    finally:
        os.close(read)
        os.close(write)


async def _feed_and_wait(process: asyncio.subprocess.Process, data: bytes) -> None:
    """Send the sandbox its input (the driver reads it all first), then wait for the supervisor to exit."""
    assert process.stdin
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        process.stdin.write(data)
        await process.stdin.drain()
    process.stdin.close()
    await process.wait()


async def _read_tail(stream: asyncio.StreamReader) -> bytes:
    """Drain `stream` (so the writer never blocks) and keep only its last bytes."""
    tail = b""
    while chunk := await stream.read(65536):
        tail = (tail + chunk)[-_CAPTURE_BYTES:]
    return tail


async def _collect(readers: list[asyncio.Future[bytes]]) -> list[bytes]:
    """The readers' results; a stray process still holding a pipe (only possible without namespaces)
    loses its output rather than stalling the harness."""
    _, pending = await asyncio.wait(readers, timeout=1.0)
    for reader in pending:
        reader.cancel()
    return [b"" if reader in pending else reader.result() for reader in readers]


async def _stop(process: asyncio.subprocess.Process) -> None:
    """Ask the supervisor to kill its sandbox (SIGTERM); kill its whole session if it does not exit."""
    with contextlib.suppress(ProcessLookupError):
        process.terminate()
    try:
        await asyncio.wait_for(process.wait(), 5.0)
    except asyncio.TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()


def classify(
    status: str,
    stdout: bytes,
    stderr: bytes,
    nonce: str,
    limits: ExecutionLimits,
) -> tuple[Outcome, str]:
    """Turn the supervisor's status and the sandbox's output into an outcome and a short reason."""
    errors = _tail(stderr)
    kind, _, value = status.partition(" ")
    if kind == "setup-error":
        return "sandbox_error", value[:_DETAIL_CHARS]
    if kind not in ("exit", "signal", "timeout"):
        return "sandbox_error", f"the supervisor died without a report: {errors}"
    if kind == "timeout":
        return "timeout", f"exceeded the {limits.wall_seconds:g} s wall-clock limit"
    if status == "exit 0" and stdout.endswith(f"\n{nonce}\n".encode()):
        return "passed", "all tests passed"
    if kind == "signal" and int(value) in (signal.SIGKILL, signal.SIGXCPU):
        return "timeout", f"exceeded the {limits.cpu_seconds} s CPU limit"
    if b"MemoryError" in stderr:
        return "memory", errors or "MemoryError"
    if kind == "signal":
        return "crashed", f"killed by {signal.Signals(int(value)).name}" + (f": {errors}" if errors else "")
    if value == "0":
        return "failed", "exited with status 0 before the tests finished"
    return "failed", errors or f"exited with status {value}"


def _tail(stderr: bytes) -> str:
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    return "\n".join(lines[-5:])[-_DETAIL_CHARS:]


def _rlimits(limits: ExecutionLimits) -> list[tuple[int, int, int]]:
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


@contextlib.contextmanager
def _leased_uid() -> Iterator[int | None]:
    """A uid no other run on this host is using (held as an abstract socket name); None unless root."""
    if os.geteuid() != 0:
        yield None
        return
    with socket.socket(socket.AF_UNIX) as lease:
        for uid in range(SANDBOX_UID_BASE, SANDBOX_UID_BASE + SANDBOX_UID_COUNT):
            if uid in _passwd_uids():
                continue
            try:
                lease.bind(f"\0userlm-bench-sandbox-uid-{uid}")
            except OSError:
                continue
            yield uid
            return
    raise OSError(errno.EAGAIN, "every sandbox uid is in use")


@cache
def _passwd_uids() -> frozenset[int]:
    return frozenset(entry.pw_uid for entry in pwd.getpwall())


@contextlib.contextmanager
def _scratch_dir(uid: int | None) -> Iterator[str]:
    """A fresh directory owned by the sandbox uid, removed afterwards whatever happened."""
    path = tempfile.mkdtemp(prefix="userlm-sandbox-")
    try:
        if uid is not None:
            os.chown(path, uid, uid)
        yield path
    finally:
        _remove_tree(path)


def _remove_tree(path: str) -> None:
    """Delete `path`, even where the program took away permissions (which stops rmtree when not root)."""
    with contextlib.suppress(OSError):
        os.chmod(path, 0o700)
    for parent, dirs, _ in os.walk(path):
        for name in dirs:
            child = os.path.join(parent, name)
            if not os.path.islink(child):
                with contextlib.suppress(OSError):
                    os.chmod(child, 0o700)
    shutil.rmtree(path, ignore_errors=True)


@cache
def _compiled(source: str) -> CodeType:
    """`source` compiled as ``python -c`` would; marshal carries it to the supervisor, the same interpreter."""
    return compile(source, "<string>", "exec")


@cache
def _supervisor_code() -> str:
    return marshal.dumps(_compiled(_SUPERVISOR)).hex()


@cache
def _site_packages() -> tuple[str, ...]:
    """The site-packages directories that `python -I` puts on sys.path."""
    return tuple(path for path in site.getsitepackages() if os.path.isdir(path))


@cache
def _interpreter_dirs() -> tuple[str, ...]:
    """Where the sandboxed interpreter lives: its installation, its virtualenv, its executable."""
    executable_dir = os.path.dirname(os.path.realpath(sys.executable))
    return tuple(sorted({os.path.realpath(p) for p in (sys.base_prefix, sys.prefix, executable_dir)}))


def _covers(keep: Sequence[str]) -> list[tuple[str, str, list[str]]]:
    """The tmpfs mounts of a sandbox: (directory, mode, paths under it to bind back from the host).

    World-writable temp dirs become private; a directory the sandbox uid could not traverse on the way
    to a path in `keep` gets a root-owned skeleton holding just those paths.
    """
    modes = {os.path.realpath(path): "1777" for path in _PRIVATE_TMP_DIRS if os.path.isdir(path)}
    kept: dict[str, list[str]] = {cover: [] for cover in modes}
    outermost = [path for path in keep if not any(_within(path, other) for other in keep if other != path)]
    for path in outermost:
        for ancestor in map(str, reversed(Path(path).parents)):
            if ancestor in modes or (ancestor != "/" and not os.stat(ancestor).st_mode & stat.S_IXOTH):
                modes.setdefault(ancestor, "755")
                kept.setdefault(ancestor, []).append(path)
                break
    return [(cover, modes[cover], kept[cover]) for cover in sorted(modes)]


def _within(path: str, directory: str) -> bool:
    return os.path.commonpath([path, directory]) == directory
