"""Running a program against its tests in a sandbox: make its control group, start the supervisor, feed the
driver, collect the verdict, with a bound on how many sandboxes run at once."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import marshal
import os
import secrets
import signal
import sys
import time
import weakref
from collections.abc import Iterator
from functools import cache
from types import CodeType

from benchmark.execution import budget, cgroups, isolation, supervisor
from benchmark.execution.driver import MARSHAL_DRIVER
from benchmark.execution.limits import ExecutionLimits, rlimits
from benchmark.execution.verdict import ExecutionResult, Isolation, classify, stderr_tail

_CAPTURE_BYTES = 64 * 1024  # only the tail of stdout/stderr is kept: gigabytes of output cost nothing
_GRACE_SECONDS = 10.0  # how long past the wall limit the harness trusts the supervisor to report

_BOOTSTRAP = (
    "import marshal, sys; exec(marshal.loads(bytes.fromhex(sys.argv[1])))"
    "; main(marshal.loads(bytes.fromhex(sys.argv[2])))"
)
"""Runs the supervisor compiled by the harness (which saves compiling it, ~1.5 ms, on every run) on its
marshal-encoded configuration (marshal is built in: json would cost ~10 ms of imports per run)."""

_DEFAULT_LIMITS = ExecutionLimits()
_max_concurrency: int | None = None
_semaphores: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]
_semaphores = weakref.WeakKeyDictionary()
_namespaces: bool | None = None
_groups: cgroups.Group | str | None = None  # the parent control group; a str says why there is none
_log = logging.getLogger(__name__)


def default_max_concurrency() -> int:
    """How many sandboxes run at once: `budget.default_concurrency` unless set_max_concurrency changed it."""
    global _max_concurrency
    if _max_concurrency is None:
        _max_concurrency = budget.default_concurrency(_DEFAULT_LIMITS.memory_bytes)
    return _max_concurrency


def set_max_concurrency(n: int) -> None:
    """Bound how many sandboxes run at once (default: `budget.default_concurrency`), for runs that start
    afterwards."""
    global _max_concurrency
    if n < 1:
        raise ValueError(f"max concurrency must be at least 1, not {n}")
    _max_concurrency = n
    _semaphores.clear()


async def run_tests(
    program: str, test: str, entry_point: str, limits: ExecutionLimits = _DEFAULT_LIMITS
) -> ExecutionResult:
    """Run `program`, then `test`, then `check(<entry_point>)` in a fresh sandbox.

    The result passes only if `check` returned; any way of ending early, crashing or running out of a
    limit is a fail, with the reason in `outcome` and `detail`.
    """
    if not program.strip():
        return ExecutionResult("no_code", False, "the program is empty", 0.0, False, "none")
    async with _semaphore():
        isolated = await _namespaces_available()
        groups = control_groups()
        isolation_used: Isolation = "cgroup" if groups else "rlimits"
        nonce = secrets.token_hex(16)
        payload = {"program": program, "test": test, "entry_point": entry_point, "nonce": nonce}
        start = time.monotonic()
        try:
            status, stdout, stderr, oom_kills = await _sandboxed(
                MARSHAL_DRIVER, marshal.dumps(payload), limits, isolated, groups
            )
        except OSError as error:
            return ExecutionResult("sandbox_error", False, f"could not start: {error}", 0.0, isolated, isolation_used)
        outcome, detail = classify(status, stdout, stderr, nonce, limits, oom_kills)
        duration = time.monotonic() - start
        return ExecutionResult(outcome, outcome == "passed", detail, duration, isolated, isolation_used)


def control_groups() -> cgroups.Group | None:
    """The executor's parent control group, set up once per process; None where there is none, which is
    warned about once: then only rlimits hold the runs, each process of a run on its own."""
    global _groups
    if _groups is None:
        _groups = cgroups.setup(budget.sandbox_memory(), budget.sandbox_processes())
        if isinstance(_groups, str):
            _log.warning(
                "sandbox: no control group per run (%s), so a run's memory, process and CPU budget binds each of "
                "its processes alone, not the program as a whole (isolation: rlimits)",
                _groups,
            )
        elif "cpu" not in _groups.dirs:
            _log.warning("sandbox: no cpu controller, so a run's CPU share is not capped")
    return _groups if isinstance(_groups, cgroups.Group) else None


def describe_isolation() -> str:
    """What holds each run's budget here, in words (for reports)."""
    groups = control_groups()
    return groups.describe() if groups else f"rlimits only ({_groups})"


def _semaphore() -> asyncio.Semaphore:
    """The running event loop's semaphore (asyncio primitives belong to one loop)."""
    loop = asyncio.get_running_loop()
    if loop not in _semaphores:
        _semaphores[loop] = asyncio.Semaphore(default_max_concurrency())
    return _semaphores[loop]


async def _namespaces_available() -> bool:
    """Whether pid/mount/network namespaces work here (root with CAP_SYS_ADMIN); probed once."""
    global _namespaces
    if _namespaces is None:
        _namespaces = os.geteuid() == 0 and await _probe()
    return _namespaces


async def _probe() -> bool:
    """Whether a sandbox that does nothing runs with namespaces; logs why not."""
    try:
        status, _, stderr, _ = await _sandboxed("pass", b"", _DEFAULT_LIMITS, namespaces=True)
    except OSError as error:
        status, stderr = str(error), b""
    if status != "exit 0":
        reason = status or stderr_tail(stderr)
        _log.warning("sandbox: no pid/mount/network namespaces (%s); the network is not isolated", reason)
    return status == "exit 0"


async def _sandboxed(
    code: str, stdin: bytes, limits: ExecutionLimits, namespaces: bool, groups: cgroups.Group | None = None
) -> tuple[str, bytes, bytes, int]:
    """Run the Python source `code` in a sandbox forked by a supervisor, with its own uid and scratch dir, and
    its own control group under `groups` if given.

    Returns the supervisor's status ("exit N", "signal N", "timeout", "setup-error ..." or "" if it died),
    the tails of stdout and stderr, and how many of its processes the kernel OOM-killed.
    """
    async with contextlib.AsyncExitStack() as stack:
        uid = stack.enter_context(isolation.leased_uid())
        scratch = stack.enter_context(isolation.scratch_dir(uid))
        group = await stack.enter_async_context(cgroups.run_group(groups, limits)) if groups else None
        status_read, status_write = stack.enter_context(_status_pipe())
        config = {
            "code": _compiled(code),
            "site_packages": isolation.site_packages(),
            "cwd": scratch,
            "uid": uid,
            "namespaces": namespaces,
            "covers": isolation.covers(scratch) if namespaces else [],
            "tmpfs_bytes": limits.file_size_bytes,
            "cgroup_join": group.join_files() if group else [],
            "rlimits": rlimits(limits),
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
        status = ""
        with contextlib.suppress(BlockingIOError):
            status = os.read(status_read, 4096).decode("utf-8", "replace")
        return status, stdout, stderr, group.oom_kills() if group else 0


@cache
def _compiled(source: str) -> CodeType:
    """`source` compiled as ``python -c`` would; marshal carries it to the supervisor, the same interpreter."""
    return compile(source, "<string>", "exec")


@cache
def _supervisor_code() -> str:
    """The supervisor module, compiled once and marshal-encoded in hex for its command line."""
    return marshal.dumps(compile(inspect.getsource(supervisor), supervisor.__file__, "exec")).hex()


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
