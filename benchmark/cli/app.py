"""The `userlm-bench` command line.

Exit codes: each command documents its own 0/1; 2 is a user error (bad input, printed as one line with
its fix), 130 an interrupt, 141 a closed output pipe (`userlm-bench intents list | head`). Any other
exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from benchmark.cli import grading, intents, reports, run, serving, usage
from benchmark.errors import UserError, cli_hints

PROG = "userlm-bench"
EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for `yes | head`


class HelpWithDefaults(argparse.HelpFormatter):
    """Help that ends each option with its default, unless the default is empty or the help names it."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        empty = action.default in (None, False, [], argparse.SUPPRESS) or not action.option_strings
        if empty or "default" in text:
            return text
        return f"{text} (default: %(default)s)"


def _package_version() -> str:
    try:
        return version("userlm-bench")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def _show_group_help(args: argparse.Namespace) -> int:
    """A command group called without its subcommand: print the group's help (to stderr) and fail."""
    args.group.print_help(sys.stderr)
    return EXIT_USER_ERROR


def build_parser() -> argparse.ArgumentParser:
    """The whole parser; every subcommand module adds its own commands."""
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0], formatter_class=HelpWithDefaults)
    parser.add_argument("--version", action="version", version=f"{PROG} {_package_version()}")
    parser.set_defaults(handler=None, group=parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in (intents, reports, grading, serving, usage, run):
        module.register(commands)
    return parser


class _Parser(argparse.ArgumentParser):
    """Subcommand parsers share the help formatter."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", HelpWithDefaults)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def add_subparsers(self, **kwargs: object) -> argparse._SubParsersAction:  # type: ignore[override]
        kwargs.setdefault("parser_class", _Parser)
        return super().add_subparsers(**kwargs)  # type: ignore[arg-type]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    handler = args.handler or _show_group_help
    try:
        with cli_hints():
            return int(handler(args))
    except UserError as err:
        command = " ".join(filter(None, [PROG, args.command]))
        print(f"{command}: error: {err}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away: say nothing, and keep Python from failing again when it flushes stdout.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
