"""The `userlm-bench` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from benchmark.intents.record import IntentError


def _intents_list(args: argparse.Namespace) -> int:
    from benchmark.intents.sets import CURATED_FILES, load_intent_set

    sources = [args.source] if args.source else list(CURATED_FILES)
    for source in sources:
        for intent in load_intent_set(source, args.set, args.data_path):
            print(intent.model_dump_json(exclude_none=True))
    return 0


def _grade_gsm8k(args: argparse.Namespace) -> int:
    from benchmark.gsm8k_grading import grade_gsm8k

    print(1 if grade_gsm8k(sys.stdin.read(), args.gold) else 0)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="userlm-bench", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    intents = commands.add_parser("intents", help="list and inspect intents").add_subparsers(
        dest="intents_command", required=True
    )
    listing = intents.add_parser("list", help="print one JSON object per intent")
    listing.add_argument("--source", choices=["gsm8k", "humaneval"], help="only intents of this source")
    listing.add_argument("--set", default=None, help="curated (default), full, or an intent JSONL file")
    listing.add_argument("--data-path", default=None, help="local source data for --set full")
    listing.set_defaults(handler=_intents_list)

    grade = commands.add_parser("grade", help="grade one response read from stdin").add_subparsers(
        dest="grade_command", required=True
    )
    gsm8k = grade.add_parser("gsm8k", help="print 1 if the response's final number equals --gold, else 0")
    gsm8k.add_argument("--gold", required=True, help="the gold number, e.g. 18")
    gsm8k.set_defaults(handler=_grade_gsm8k)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except (IntentError, ValueError) as err:
        print(f"userlm-bench: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
