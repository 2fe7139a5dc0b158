"""One `inspect eval` as N shard processes on this machine (`userlm-bench run`), sharing one log directory.

Each process is `inspect eval TASK... -T shard=K/N --log-dir DIR [OPTION...]`, the very command a GitHub Actions
matrix job or another machine runs for shard K, so a run can be split any of those ways and merged alike by the
leaderboard and the gate. Each process has its own event loop, which is the point: one process's loop is
CPU-bound long before the models are. The processes' output is streamed line by line, each line prefixed with its
shard; when they are all done, each log they wrote is read back (its header only) and attributed to its shard by
the `shard` task argument it records.

Processes run in sessions of their own, so an interrupt reaches them once, from here: Ctrl-C sends each a
SIGINT (Inspect then cancels and writes its log), waits, and kills what is left.
"""

from __future__ import annotations

import collections
import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmark.errors import UserError
from benchmark.intents.split import RunShard, run_shards

DISPLAYS = ("plain", "log", "none")
"""Inspect displays that work with several processes on one output: line-oriented or silent."""
DEFAULT_DISPLAY = "plain"
TAIL_LINES = 20
"""Last lines of a failed shard's output repeated in the summary (the streamed output interleaves shards)."""
STOP_SECONDS = 30.0
"""How long interrupted processes get to write their logs before they are killed."""


@dataclass(frozen=True)
class ShardedEval:
    """`inspect eval TASK... OPTION...` cut into `shards` processes writing to `log_dir`."""

    tasks: tuple[str, ...]
    shards: int
    log_dir: str
    eval_args: tuple[str, ...] = ()
    """Options for every `inspect eval` process, as given (checked by `check_eval_args`)."""

    def run_shards(self) -> list[RunShard | None]:
        return run_shards(self.shards)

    def arguments(self, shard: RunShard | None) -> list[str]:
        """The arguments after `inspect` of one shard's process."""
        display = [] if _option_values(self.eval_args, "--display") else ["--display", DEFAULT_DISPLAY]
        cut = ["-T", f"shard={shard}"] if shard else []
        return ["eval", *self.tasks, *cut, "--log-dir", self.log_dir, *display, *self.eval_args]

    def command(self, shard: RunShard | None) -> str:
        """The shell command that runs one shard's process by hand (or re-runs it)."""
        return shlex.join(["inspect", *self.arguments(shard)])


@dataclass(frozen=True)
class ShardLog:
    """A log a shard's process wrote."""

    location: str
    task: str
    status: str


@dataclass
class ShardOutcome:
    """How one shard's process ended, and the logs it wrote."""

    shard: RunShard | None
    returncode: int
    logs: list[ShardLog] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)
    """Its last lines of output."""

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and bool(self.logs) and all(log.status == "success" for log in self.logs)

    def problem(self) -> str:
        """Why the shard failed ("" when it did not)."""
        if self.ok:
            return ""
        unfinished = [f"{log.task}: {log.status}" for log in self.logs if log.status != "success"]
        reasons = [f"exit {self.returncode}"] if self.returncode else []
        reasons += ["no log written"] if not self.logs else unfinished
        return ", ".join(reasons)


@dataclass
class ShardedRun:
    """Every shard's outcome, and new logs in the log directory that no shard of this run wrote."""

    outcomes: list[ShardOutcome]
    strays: list[ShardLog]

    @property
    def ok(self) -> bool:
        return all(outcome.ok for outcome in self.outcomes) and not self.strays

    @property
    def logs(self) -> list[str]:
        return [log.location for outcome in self.outcomes for log in outcome.logs]


def _option_values(args: Sequence[str], name: str) -> list[str]:
    """The values given to option `name` in `args` (`--name VALUE` or `--name=VALUE`)."""
    values = []
    for i, arg in enumerate(args):
        if arg == name:
            values.append(args[i + 1] if i + 1 < len(args) else "")
        elif arg.startswith(name + "="):
            values.append(arg.split("=", 1)[1])
    return values


def _task_arg_names(args: Sequence[str]) -> list[str]:
    """The task parameters `args` set with `-T NAME=VALUE` (also `-TNAME=VALUE`)."""
    given = [*_option_values(args, "-T"), *(arg[2:] for arg in args if arg.startswith("-T") and len(arg) > 2)]
    return [value.lstrip("=").split("=", 1)[0].strip() for value in given]


def check_eval_args(args: Sequence[str]) -> None:
    """Refuse the `inspect eval` options that the shard processes set themselves or cannot share."""
    if _option_values(args, "--log-dir"):
        raise UserError("--log-dir after `--`: every shard writes to the run's log dir; use userlm-bench run --log-dir")
    if "shard" in _task_arg_names(args):
        raise UserError("-T shard after `--`: this command sets each process's shard; give the count as --shards")
    for display in _option_values(args, "--display"):
        if display not in DISPLAYS:
            raise UserError(
                f"--display {display or '(no value)'}: several processes share this output; use --display "
                + "|".join(DISPLAYS)
            )
    if "--detach" in args:
        raise UserError("--detach: userlm-bench run waits for its processes; run it in the background instead")


def _stream(
    process: subprocess.Popen[str], prefix: str, tail: collections.deque[str], echo: Callable[[str], None]
) -> None:
    """Echo the process's output lines, prefixed, and keep its last ones."""
    assert process.stdout is not None
    for line in process.stdout:
        text = line.rstrip()
        if text:
            tail.append(text)
            echo(f"{prefix} {text}")


def _log_names(log_dir: str) -> set[str]:
    from inspect_ai.log import list_eval_logs

    return {info.name for info in list_eval_logs(log_dir)}


def _new_logs(log_dir: str, before: set[str]) -> list[tuple[str | None, ShardLog]]:
    """The logs written since `before`, each with the shard it was cut as (`K/N`, or None for a whole run)."""
    from inspect_ai.log import list_eval_logs, read_eval_log

    found = []
    for info in sorted(list_eval_logs(log_dir, descending=False), key=lambda info: info.name):
        if info.name in before:
            continue
        header = read_eval_log(info.name, header_only=True)
        shard = (header.eval.task_args_passed or {}).get("shard")
        location = info.name.removeprefix("file://")  # a plain path for local logs
        found.append((str(shard) if shard else None, ShardLog(location, header.eval.task, str(header.status))))
    return found


def _stop(processes: Sequence[subprocess.Popen[str]]) -> None:
    """Interrupt the processes still running, give them STOP_SECONDS to write their logs, kill the rest."""
    running = [process for process in processes if process.poll() is None]
    for process in running:
        os.killpg(process.pid, signal.SIGINT)
    for process in running:
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def inspect_command() -> str:
    """The `inspect` command of this environment (beside its Python), else the one on PATH.

    Not `python -m inspect_ai`: that puts the working directory first on sys.path, and in a clone's root the
    `tasks/` folder then shadows the installed `userlm_bench` package and its registered task names.
    """
    beside = Path(sys.executable).with_name("inspect")
    found = str(beside) if os.access(beside, os.X_OK) else shutil.which("inspect")
    if found is None:
        raise UserError("no `inspect` command in this environment or on PATH: pip install inspect-ai")
    return found


def run_sharded(plan: ShardedEval, echo: Callable[[str], None]) -> ShardedRun:
    """Run every shard of `plan` at once, `echo` each line of their output, wait for all; raises
    KeyboardInterrupt after stopping them when interrupted."""
    inspect = inspect_command()
    before = _log_names(plan.log_dir)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # lines as they are printed, not in blocks
    lock = threading.Lock()

    def locked(text: str) -> None:
        with lock:
            echo(text)

    processes, readers, tails = [], [], []
    try:
        for shard in plan.run_shards():
            process = subprocess.Popen(
                [inspect, *plan.arguments(shard)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                env=env,
                start_new_session=True,
            )
            processes.append(process)
            tails.append(collections.deque(maxlen=TAIL_LINES))
            reader = threading.Thread(
                target=_stream, args=(process, f"[{shard or 'run'}]", tails[-1], locked), daemon=True
            )
            reader.start()
            readers.append(reader)
        for process in processes:
            process.wait()
    except BaseException:
        _stop(processes)
        raise
    for reader in readers:
        reader.join()
    outcomes = [
        ShardOutcome(shard, process.returncode, tail=list(tail))
        for shard, process, tail in zip(plan.run_shards(), processes, tails, strict=True)
    ]
    by_shard = {str(outcome.shard) if outcome.shard else None: outcome for outcome in outcomes}
    strays = []
    for shard, log in _new_logs(plan.log_dir, before):
        if shard in by_shard:
            by_shard[shard].logs.append(log)
        else:
            strays.append(log)
    return ShardedRun(outcomes, strays)
