"""The measured process: one run's eval in a fresh process, its CPU, memory and user turns, and scorer timings."""

from __future__ import annotations

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
from benchmark.devtools.perf.tasks import Workload, intents_and_epochs, workload

SERVICE = "latency"
API_KEY_VAR = "LATENCY_API_KEY"
RESULT_PREFIX = "PERF-RESULT "
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


def worker(run: Run, url: str) -> Measured:
    """Measure one run in this process (call it in a fresh one)."""
    os.environ.setdefault(API_KEY_VAR, "not-a-key")
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="userlm-perf-") as log_dir:
        # warm-up: imports, provider and task machinery, so the measurement is the steady-state cost
        warm_up = Run("warm-up", 1, 1, 1, run.latency, run.settings, run.assistant, task=run.task)
        _eval(warm_up, workload(warm_up.task, warm_up.n, warm_up.turns), url, log_dir)
        work = workload(run.task, run.n, run.turns)
        cpu, start = _cpu_seconds(), time.perf_counter()
        logs = _eval(run, work, url, log_dir)
        wall, cpu = time.perf_counter() - start, _cpu_seconds() - cpu
        rescore = _rescore(logs) if run.rescore else {}
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    turns = _user_turns(logs, run)
    statuses = sorted({str(log.status) for log in logs})
    if statuses != ["success"] or turns != run.n * run.turns:
        raise RuntimeError(f"{run}: status {statuses}, {turns} user turns instead of {run.n * run.turns}")
    return Measured(
        run=run,
        wall_seconds=wall,
        cpu_seconds=cpu,
        peak_rss_mb=peak_kb / 1024,
        user_turns=turns,
        status="success",
        load_before=load_before,
        rescore=rescore,
    )


def measure(run: Run, url: str) -> Measured:
    """Run `worker` in a fresh Python process and read its result."""
    argv = [sys.executable, "-m", "benchmark.devtools.perf", "--worker", json.dumps(asdict(run)), "--url", url]
    done = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, API_KEY_VAR: "not-a-key"})
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"measurement {run.label} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    data = json.loads(lines[-1].removeprefix(RESULT_PREFIX))
    data["run"] = Run(**data["run"])
    return Measured(**data)


def result_line(measured: Measured) -> str:
    """The worker's answer on stdout, which `measure` reads."""
    return RESULT_PREFIX + json.dumps({**asdict(measured), "run": asdict(measured.run)})
