"""`userlm-bench leaderboard` and `userlm-bench compare`: reports read from Inspect logs."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from benchmark.cli.arguments import in_range
from benchmark.constants import (
    EXIT_UNUSABLE,
    GATE_ALPHA,
    GATE_MAX_DROP,
    GATE_MAX_MISSING,
    GATE_MAX_SIMULATOR_FAILURES,
    GATE_METRIC,
    GATE_RESAMPLES,
    GATE_SEED,
)
from benchmark.text import counted


def default_out(logs: list[str]) -> Path:
    """Where the leaderboard goes without --out: `leaderboard/` beside the first logs, never a committed folder."""
    first = Path(logs[0])
    return (first if first.is_dir() else first.parent) / "leaderboard"


def _leaderboard(args: argparse.Namespace) -> int:
    from benchmark.reports.leaderboard import build_leaderboard, write_leaderboard
    from benchmark.reports.leaderboard.simulators import PUBLISHED
    from benchmark.reports.logs import LogReadError

    out = args.out or default_out(args.logs)
    command = " ".join(
        ["userlm-bench leaderboard", *map(shlex.quote, map(str, args.logs)), "--out", shlex.quote(str(out))]
        + ["--keep-all"] * args.keep_all
        + ["--screenshot"] * args.screenshot
    )
    try:
        board = build_leaderboard(args.logs, keep_all=args.keep_all)
        written = write_leaderboard(board, out, command=command, take_screenshot=args.screenshot)
    except LogReadError as err:
        print(f"userlm-bench leaderboard: {err}", file=sys.stderr)
        return EXIT_UNUSABLE
    except (FileNotFoundError, RuntimeError) as err:  # the screenshot: Chromium missing or failing
        print(f"userlm-bench leaderboard: screenshot failed: {err}", file=sys.stderr)
        return EXIT_UNUSABLE
    simulators = board.simulators
    for warning in board.warnings + (simulators.warnings if simulators else []):
        print(f"warning: {warning}", file=sys.stderr)
    print(
        f"{counted(len(board.rows), 'row')}, {counted(len(board.gaps), 'inflation gap')} "
        f"from {counted(len(board.logs), 'log')}"
    )
    if simulators:
        print(
            f"simulator table: {counted(len(simulators.rows), 'row')} ({simulators.count(PUBLISHED)} published) "
            f"from {counted(len(simulators.logs), 'fidelity log')}"
        )
    for path in written:
        print(f"  {path}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    from benchmark.reports.gate import (
        GateSettings,
        UnusableInput,
        compare_logs,
        render_error,
        render_json,
        render_markdown,
    )
    from benchmark.reports.logs import LogReadError

    settings = GateSettings(
        metric=args.metric,
        max_drop=args.max_drop,
        alpha=args.alpha,
        resamples=args.resamples,
        seed=args.seed,
        max_simulator_failures=args.max_simulator_failures,
        max_missing=args.max_missing,
    )
    try:
        result = compare_logs([args.baseline], [args.candidate], settings)
    except (LogReadError, UnusableInput) as err:
        print(render_error(str(err), args.format), end="")
        print(f"userlm-bench compare: unusable input: {err}", file=sys.stderr)
        return EXIT_UNUSABLE
    print(render_json(result) if args.format == "json" else render_markdown(result), end="")
    return result.exit_code


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `leaderboard` and `compare` commands to the top-level parser."""
    board = commands.add_parser(
        "leaderboard",
        help="leaderboard (md, csv, sortable html, plots) from Inspect logs",
        description="One row per (assistant, simulator, user model, task, task version), with the inflation gap "
        "(prompted minus userlm task score). A later log of the same row replaces an earlier one. "
        "simulator_fidelity logs make a simulator table instead (simulators.md, .csv, .png and in the HTML), "
        "with the paper's published rows.",
    )
    board.add_argument("logs", nargs="+", help="Inspect log files or log directories (searched recursively)")
    board.add_argument(
        "--out", type=Path, help="output directory (default: a `leaderboard` directory in the first log directory)"
    )
    board.add_argument("--keep-all", action="store_true", help="keep every log as a row instead of the latest")
    board.add_argument(
        "--screenshot", action="store_true", help="also save leaderboard.png of the HTML page (needs Chromium)"
    )
    board.set_defaults(handler=_leaderboard)

    compare = commands.add_parser(
        "compare",
        help="regression gate: exit 1 when the candidate is significantly worse than the baseline",
        description="Pairs conversations by intent, averages each intent's epochs and runs a one-sided paired "
        "bootstrap over intents. Exit 0: no significant drop beyond --max-drop; 1: regression; 2: unusable input.",
    )
    compare.add_argument("baseline", help="the baseline's log file, or a directory with one log per task")
    compare.add_argument("candidate", help="the candidate's log file, or a directory with one log per task")
    compare.add_argument("--metric", default=GATE_METRIC, help=f"metric to gate on, higher is better ({GATE_METRIC})")
    compare.add_argument(
        "--max-drop",
        type=in_range(float, 0),
        default=GATE_MAX_DROP,
        help=f"tolerated drop of the metric, e.g. 0.05 = 5 points of task score (default {GATE_MAX_DROP})",
    )
    compare.add_argument(
        "--alpha",
        type=in_range(float, 0, 1, open_ends=True),
        default=GATE_ALPHA,
        help=f"one-sided significance level (default {GATE_ALPHA})",
    )
    compare.add_argument(
        "--resamples",
        type=in_range(int, 100),
        default=GATE_RESAMPLES,
        help=f"bootstrap resamples (default {GATE_RESAMPLES})",
    )
    compare.add_argument("--seed", type=int, default=GATE_SEED, help=f"bootstrap seed (default {GATE_SEED})")
    compare.add_argument(
        "--max-missing",
        type=in_range(float, 0, 1),
        default=GATE_MAX_MISSING,
        help="largest share of a side's conversations without a value of the gated metric before the logs are "
        f"refused (exit 2; default {GATE_MAX_MISSING})",
    )
    compare.add_argument(
        "--max-simulator-failures",
        type=in_range(float, 0, 1),
        default=GATE_MAX_SIMULATOR_FAILURES,
        help="largest share of a side's conversations the simulator may have failed before the logs are refused "
        f"(exit 2; default {GATE_MAX_SIMULATOR_FAILURES})",
    )
    compare.add_argument("--format", choices=["md", "json"], default="md", help="markdown (a PR comment) or JSON")
    compare.set_defaults(handler=_compare)
