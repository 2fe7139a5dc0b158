"""`userlm-bench usage`: model calls, tokens and cost per conversation from a pilot run, scaled to a planned run."""

from __future__ import annotations

import argparse

from benchmark.errors import UserError


def _price(text: str) -> tuple[str, tuple[float, float]]:
    role, _, numbers = text.partition("=")
    try:
        tokens_in, tokens_out = (float(part) for part in numbers.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected ROLE=IN,OUT in dollars per million tokens, got {text!r}") from None
    return role, (tokens_in, tokens_out)


def _usage(args: argparse.Namespace) -> int:
    from benchmark.reports.logs import LogReadError
    from benchmark.reports.usage import read_usage, render

    try:
        usage = read_usage(args.logs)
    except LogReadError as err:
        raise UserError(str(err)) from None
    if not usage.conversations:
        raise UserError("the logs hold no conversations (were their samples logged?)")
    print(render(usage, args.intents * args.epochs, dict(args.price)), end="")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    """Add `usage` to the top-level parser."""
    usage = commands.add_parser(
        "usage",
        help="model calls and tokens per conversation of a pilot run, scaled to a planned run, with costs",
        description="Reads Inspect logs (a pilot run with the real models), counts each role's calls and tokens per "
        "conversation (the simulator's include its rejected drafts and restarts), and scales them to INTENTS x "
        "EPOCHS conversations.",
    )
    usage.add_argument("logs", nargs="+", help="Inspect log files or directories of the pilot run")
    usage.add_argument("--intents", type=int, default=65, help="intents of the planned run")
    usage.add_argument("--epochs", type=int, default=10, help="simulations per intent of the planned run")
    usage.add_argument(
        "--price",
        type=_price,
        action="append",
        default=[],
        metavar="ROLE=IN,OUT",
        help="dollars per million input and output tokens of a role (assistant, user, judge), e.g. assistant=2.5,10",
    )
    usage.set_defaults(handler=_usage)
