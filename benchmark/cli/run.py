"""`userlm-bench run`: one eval as N shard processes on this machine, then the merged rows."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from typing import TYPE_CHECKING

from benchmark.cli.arguments import in_range
from benchmark.errors import UserError

if TYPE_CHECKING:
    from benchmark.serving.sharded_eval import ShardedEval, ShardOutcome

EXIT_SHARD_FAILED = 1

DESCRIPTION = """\
Runs `inspect eval TASK... -T shard=K/N --log-dir DIR [OPTION...]` for K = 1..N at once, each its own process
(its own event loop: for runs where one process's CPU is the bottleneck, not the models), streams their output
(each line prefixed with its shard), waits for all, reports each shard's exit status and logs, and prints the
merged leaderboard rows of the logs they wrote. The same -T shard=K/N arguments run a shard as a CI matrix job
or on another machine; the leaderboard and compare merge the logs however they were made.

    userlm-bench run --shards 4 userlm_bench/gsm8k_multiturn userlm_bench/humaneval_multiturn -- \\
        --model openai/gpt-4o --model-role user=vllm/microsoft/UserLM-8b --epochs 10

Everything after `--` goes to every `inspect eval` as it is. Concurrency options are per process, so totals
multiply by N: --max-connections 32 with --shards 4 is up to 128 connections to each model's API (mind its rate
limits), and the same holds for --max-samples, --max-sandboxes and --max-subprocesses. Not allowed after `--`:
--log-dir (use this command's), -T shard (set here), --detach, and displays other than plain, log or none.

A failed shard (non-zero exit, no log, or a log that is not `success`) keeps its log; the others run to the end,
and the report says how to re-run it. Exit codes: 0 every shard succeeded; 1 a shard failed, or the log dir
received logs not cut by shard (a task without a `shard` parameter runs whole in every process); 2 bad
arguments; 130 interrupted (each process is sent one interrupt, so it writes its log, then stopped)."""

SUMMARY_COLUMNS = (
    "task",
    "assistant",
    "simulator",
    "task score [95% CI]",
    "conversations",
    "intents",
    "simulator failures",
    "intents run",
)
"""The leaderboard columns (benchmark.reports.leaderboard.columns.TABLE) of the printed summary."""


def _split(args: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """TASK... [-- OPTION...] as (tasks, inspect eval options)."""
    cut = args.index("--") if "--" in args else len(args)
    tasks, options = tuple(args[:cut]), tuple(args[cut + 1 :])
    if not tasks:
        raise UserError("name the tasks to run, e.g. userlm-bench run --shards 2 userlm_bench/gsm8k_multiturn -- ...")
    misplaced = [arg for arg in tasks if arg.startswith("-")]
    if misplaced:
        raise UserError(
            f"{misplaced[0]} among the tasks: this command's options go before the tasks, inspect eval's after "
            "`--`, e.g. userlm-bench run --shards 2 TASK -- --model openai/gpt-4o"
        )
    return tasks, options


def _aligned(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]


def _merged_rows(logs: list[str], log_dir: str) -> int:
    """Print the leaderboard rows of this run's logs; 0, or EXIT_SHARD_FAILED when they cannot be read."""
    from benchmark.reports.leaderboard import build_leaderboard
    from benchmark.reports.leaderboard.columns import TABLE
    from benchmark.reports.logs import LogReadError

    try:
        board = build_leaderboard(logs)
    except LogReadError as err:
        print(f"userlm-bench run: {err}", file=sys.stderr)
        return EXIT_SHARD_FAILED
    for warning in board.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    columns = [column for column in TABLE if column.title in SUMMARY_COLUMNS]
    print(f"\nThis run's rows (every log in the directory: userlm-bench leaderboard {shlex.quote(log_dir)}):")
    if board.rows.empty:
        print("  no successful logs")
        return 0
    table = [[column.title for column in columns]]
    table += [[str(column.text(row)) for column in columns] for _, row in board.rows.iterrows()]
    print("\n".join("  " + line for line in _aligned(table)))
    return 0


def _report(plan: ShardedEval, outcome: ShardOutcome) -> None:
    """One shard's outcome and logs; for a failed one, its last output and how to re-run it."""
    name = f"shard {outcome.shard}" if outcome.shard else "run"
    print(f"{name}: ok" if outcome.ok else f"{name}: FAILED ({outcome.problem()})")
    for log in outcome.logs:
        print(f"  {log.location}  {log.status}")
    if outcome.ok:
        return
    print("  its last output:\n" + "\n".join(f"    {line}" for line in outcome.tail or ["(none)"]))
    print(f"  re-run it:  {plan.command(outcome.shard)}")
    unfinished = [log.location for log in outcome.logs if log.status != "success"]
    if unfinished:
        print(f"  or retry its log:  {shlex.join(['inspect', 'eval-retry', '--log-dir', plan.log_dir, *unfinished])}")


def _run(args: argparse.Namespace) -> int:
    from benchmark.serving.sharded_eval import ShardedEval, check_eval_args, run_sharded

    tasks, options = _split(args.args)
    check_eval_args(options)
    plan = ShardedEval(tasks=tasks, shards=args.shards, log_dir=args.log_dir, eval_args=options)
    print(f"userlm-bench run: {args.shards} processes writing to {plan.log_dir}", file=sys.stderr, flush=True)
    try:
        done = run_sharded(plan, lambda line: print(line, file=sys.stderr, flush=True))
    except KeyboardInterrupt:
        print(f"\nuserlm-bench run: interrupted; the logs written so far are in {plan.log_dir}", file=sys.stderr)
        raise
    for outcome in done.outcomes:
        _report(plan, outcome)
    if done.strays:
        print(
            "logs not cut by shard (a task without a `shard` parameter runs whole in every process), or written "
            "by another process meanwhile:"
        )
        for log in done.strays:
            print(f"  {log.location}  {log.task}  {log.status}")
    read = _merged_rows(done.logs, plan.log_dir) if done.logs else 0
    return 0 if done.ok and read == 0 else EXIT_SHARD_FAILED


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `run` command to the top-level parser."""
    run = commands.add_parser(
        "run",
        help="run an eval as N shard processes on this machine, then print the merged rows",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument(
        "--shards", type=in_range(int, 1), required=True, metavar="N", help="processes to run, one shard each"
    )
    run.add_argument(
        "--log-dir",
        default=os.environ.get("INSPECT_LOG_DIR", "logs"),
        help="log directory every shard writes to (default: $INSPECT_LOG_DIR, else logs, as inspect eval)",
    )
    run.add_argument(
        "args",
        nargs=argparse.REMAINDER,
        metavar="TASK... -- OPTION...",
        help="the tasks (registered names or task files), then `--` and inspect eval's options",
    )
    run.set_defaults(handler=_run)
