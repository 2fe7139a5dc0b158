"""Running model-written code against unit tests, isolated from the harness."""

from benchmark.execution.executor import (
    OUTCOMES,
    ExecutionLimits,
    ExecutionResult,
    Outcome,
    default_max_concurrency,
    run_tests,
    set_max_concurrency,
)

__all__ = [
    "OUTCOMES",
    "ExecutionLimits",
    "ExecutionResult",
    "Outcome",
    "default_max_concurrency",
    "run_tests",
    "set_max_concurrency",
]
