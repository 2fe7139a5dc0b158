"""The measured process: one run's eval in a fresh process, its CPU, memory and user turns, and scorer timings."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from benchmark.constants import TURN_STATS, USER_TURNS
from benchmark.devtools.perf.plans import SETTINGS, Run
from benchmark.devtools.perf.tasks import Workload, conversations_per_task, intents_and_epochs, workload

SERVICE = "latency"
API_KEY_VAR = "LATENCY_API_KEY"
RESULT_PREFIX = "PERF-RESULT "
READY_LINE = "PERF-READY"
"""A shard worker's line once warmed up; it then waits for a line on stdin to start its measured eval."""
ALL_SCORERS = "all together"
"""Label of the re-scoring with every scorer of the task at once."""


@dataclass
class Measured:
    """One run's numbers, as the worker reports them."""

    run: Run
    wall_seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    user_turns: int
    status: str
    load_before: float
    rescore: dict[str, Any] = field(default_factory=dict)
    started: float = 0.0
    """time.perf_counter() when the measured eval began: CLOCK_MONOTONIC on Linux, one clock for all processes."""
    ended: float = 0.0

    @property
    def ratio(self) -> float:
        return self.wall_seconds / self.run.ideal_seconds

    @property
    def cpu_ms_per_turn(self) -> float:
        return 1000 * self.cpu_seconds / max(1, self.user_turns)


def _eval(run: Run, work: Workload, url: str, log_dir: str) -> list[Any]:
    """The run's eval of `work` against the latency server: one log per task."""
    from inspect_ai import eval as inspect_eval
    from inspect_ai.model import get_model

    user = get_model(f"openai-api/{SERVICE}/user", base_url=url, memoize=False)
    _, epochs = intents_and_epochs(run.n)
    return inspect_eval(
        work.tasks,
        task_args=work.task_args,
        sample_id=work.sample_id,
        model=f"openai-api/{SERVICE}/{run.assistant}",
        model_base_url=url,
        model_roles={"user": user},
        epochs=epochs,
        max_tasks=1,  # one task at a time: C is the number of conversations in flight
        max_connections=run.c,
        max_samples=run.c,
        display="none",
        log_dir=log_dir,
        **SETTINGS[run.settings],
    )


def _user_turns(logs: list[Any], run: Run) -> int:
    """Simulated user turns in the logs: from turn_stats' mean (exact, every conversation has the same count),
    or, for the floor task (no scorers), completed conversations x turns."""
    total = 0
    for log in logs:
        results = log.results
        if results is None:
            continue
        if run.task == "floor":
            total += results.completed_samples * run.turns
            continue
        for score in results.scores:
            if score.name == TURN_STATS and USER_TURNS in score.metrics:
                total += round(score.metrics[USER_TURNS].value * results.completed_samples)
    return total


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class _Stopwatch:
    """Wall, harness CPU and children CPU seconds, added up over the timed blocks."""

    def __init__(self) -> None:
        self.total = {"wall": 0.0, "cpu": 0.0, "children_cpu": 0.0}

    def __enter__(self) -> _Stopwatch:
        self._start = (time.perf_counter(), _cpu_seconds(), _children_cpu_seconds())
        return self

    def __exit__(self, *_: object) -> None:
        now = (time.perf_counter(), _cpu_seconds(), _children_cpu_seconds())
        for key, before, after in zip(self.total, self._start, now, strict=True):
            self.total[key] += after - before


def _task_scorers(log: Any) -> dict[str, Any]:
    """The scorers the log's task ran, built anew from the names and arguments the log records."""
    from inspect_ai.util import registry_create

    return {spec.name: registry_create("scorer", spec.name, **(spec.options or {})) for spec in log.eval.scorers or []}


def _rescore(logs: list[Any]) -> dict[str, Any]:
    """Time the scorers alone on finished logs (one per task; each with its task's own scorers).

    `inspect`: what re-scoring costs a user (`inspect_ai.score`: Inspect's per-sample machinery, our
    scorers, the metrics); all of them together, then each alone. `direct`: our code only, each scorer's
    score function on every conversation, then its metrics on the scores.
    """
    import asyncio

    from inspect_ai import score as inspect_score
    from inspect_ai.model import ModelName
    from inspect_ai.scorer import SampleScore, Target
    from inspect_ai.solver import TaskState

    from benchmark.inspect_compat import scorer_metrics

    names = [spec.name for spec in logs[0].eval.scorers or []]
    timings: dict[str, Any] = {"conversations": sum(len(log.samples or []) for log in logs), "inspect": {}}
    for label, chosen in [(ALL_SCORERS, names), *((name, [name]) for name in names)]:
        made = [_task_scorers(log) for log in logs]
        with _Stopwatch() as watch:
            for log, scorers in zip(logs, made, strict=True):
                inspect_score(log, [scorers[name] for name in chosen], action="overwrite", display="none", copy=True)
        timings["inspect"][label] = watch.total

    def cases(log: Any) -> list[tuple[Any, Any]]:
        model = ModelName(log.eval.model)
        return [
            (
                TaskState(model, s.id, s.epoch, s.input, s.messages, Target(s.target), metadata=s.metadata),
                Target(s.target),
            )
            for s in log.samples or []
        ]

    async def score_all(scorer: Any, states: list[tuple[Any, Any]]) -> list[Any]:
        return list(await asyncio.gather(*(scorer(state, target) for state, target in states)))

    timings["direct"] = {}
    for name in names:
        scoring, metrics = _Stopwatch(), _Stopwatch()
        for log in logs:
            scorer, states = _task_scorers(log)[name], cases(log)
            with scoring:
                scores = asyncio.run(score_all(scorer, states))
            sample_scores = [
                SampleScore(score=value, sample_id=state.sample_id, sample_metadata=state.metadata)
                for value, (state, _) in zip(scores, states, strict=True)
            ]
            with metrics:
                for metric in scorer_metrics(scorer):
                    if callable(metric):
                        metric(sample_scores)
        timings["direct"][name] = {"score": scoring.total, "metrics": metrics.total}
    return timings


def worker(run: Run, url: str, shard_index: int | None = None) -> Measured:
    """Measure one run in this process (call it in a fresh one); with `shard_index` K, only shard K of the run's
    processes, started by a line on stdin after it has printed READY_LINE."""
    os.environ.setdefault(API_KEY_VAR, "not-a-key")
    shard = run.shards()[shard_index - 1] if shard_index else None
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="userlm-perf-") as log_dir:
        # warm-up: imports, provider and task machinery, so the measurement is the steady-state cost
        warm_up = Run("warm-up", 1, 1, 1, run.latency, run.settings, run.assistant, task=run.task)
        _eval(warm_up, workload(warm_up.task, warm_up.n, warm_up.turns), url, log_dir)
        work = workload(run.task, run.n, run.turns, shard)
        if shard is not None:
            print(READY_LINE, flush=True)
            sys.stdin.readline()  # every shard process of the run starts its measured eval at once
        cpu, start = _cpu_seconds(), time.perf_counter()
        logs = _eval(run, work, url, log_dir)
        end = time.perf_counter()
        wall, cpu = end - start, _cpu_seconds() - cpu
        rescore = _rescore(logs) if run.rescore else {}
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    turns = _user_turns(logs, run)
    expected = sum(conversations_per_task(run.n, shard)) * run.turns
    statuses = sorted({str(log.status) for log in logs})
    if statuses != ["success"] or turns != expected:
        raise RuntimeError(f"{run} shard {shard}: status {statuses}, {turns} user turns instead of {expected}")
    return Measured(
        run=run,
        wall_seconds=wall,
        cpu_seconds=cpu,
        peak_rss_mb=peak_kb / 1024,
        user_turns=turns,
        status="success",
        load_before=load_before,
        rescore=rescore,
        started=start,
        ended=end,
    )


def _worker_argv(run: Run, url: str, shard_index: int | None = None) -> list[str]:
    argv = [sys.executable, "-m", "benchmark.devtools.perf", "--worker", json.dumps(asdict(run)), "--url", url]
    return argv + (["--shard", str(shard_index)] if shard_index else [])


def _read_result(run: Run, returncode: int, stdout: str, stderr: str) -> Measured:
    lines = [line for line in stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if returncode != 0 or not lines:
        raise RuntimeError(f"measurement {run.label} failed ({returncode}):\n{stderr[-4000:]}")
    data = json.loads(lines[-1].removeprefix(RESULT_PREFIX))
    data["run"] = Run(**data["run"])
    return Measured(**data)


def _stop(processes: list[subprocess.Popen[str]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()


def _measure_processes(run: Run, url: str) -> Measured:
    """Run the run's shard processes side by side, started together once all are warmed up: wall from the first
    start to the last end; CPU, user turns and peak memory summed over the processes."""
    env = {**os.environ, API_KEY_VAR: "not-a-key"}
    load_before = os.getloadavg()[0]
    with contextlib.ExitStack() as stack:
        errors = [stack.enter_context(tempfile.TemporaryFile("w+")) for _ in range(run.processes)]
        processes: list[subprocess.Popen[str]] = []
        stack.callback(_stop, processes)
        for k, error in enumerate(errors, start=1):
            pipe = subprocess.PIPE
            processes.append(
                subprocess.Popen(_worker_argv(run, url, k), stdin=pipe, stdout=pipe, stderr=error, text=True, env=env)
            )
        for process, error in zip(processes, errors, strict=True):
            while (line := process.stdout.readline()) and line.strip() != READY_LINE:
                pass
            if not line:
                process.wait()
                error.seek(0)
                raise RuntimeError(f"shard process of {run.label} ended before it warmed up:\n{error.read()[-4000:]}")
        for process in processes:
            process.stdin.write("go\n")
            process.stdin.close()
        parts = []
        for process, error in zip(processes, errors, strict=True):
            stdout = process.stdout.read()
            process.wait()
            error.seek(0)
            parts.append(_read_result(run, process.returncode, stdout, error.read()))
    return Measured(
        run=run,
        wall_seconds=max(part.ended for part in parts) - min(part.started for part in parts),
        cpu_seconds=sum(part.cpu_seconds for part in parts),
        peak_rss_mb=sum(part.peak_rss_mb for part in parts),
        user_turns=sum(part.user_turns for part in parts),
        status="success",
        load_before=load_before,
    )


def measure(run: Run, url: str) -> Measured:
    """Run `worker` in a fresh Python process (one per shard process of the run) and read its result."""
    if run.processes > 1:
        return _measure_processes(run, url)
    env = {**os.environ, API_KEY_VAR: "not-a-key"}
    done = subprocess.run(_worker_argv(run, url), capture_output=True, text=True, env=env)
    return _read_result(run, done.returncode, done.stdout, done.stderr)


def result_line(measured: Measured) -> str:
    """The worker's answer on stdout, which `measure` reads."""
    return RESULT_PREFIX + json.dumps({**asdict(measured), "run": asdict(measured.run)})
