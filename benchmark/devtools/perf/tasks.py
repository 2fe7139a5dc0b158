"""What a measurement evaluates: the product's task files over the paper's intents, or Inspect's bare floor."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import benchmark
from benchmark.intents.record import Intent, Source
from benchmark.intents.sets import curated_intents
from benchmark.intents.split import RunShard, shard_intents

PAPER_INTENTS = 65
"""The paper's intent set: 20 GSM8k + 45 HumanEval curated intents."""
SOURCES: tuple[Source, ...] = ("gsm8k", "humaneval")
"""Task order within one eval: Inspect runs the tasks one after the other."""
TASKS = ("loop", "floor")
"""`loop`: the shipped task files (our conversation loop and scorers). `floor`: a bare Inspect solver making the
same calls (the user role, then the model under test, `turns` times) with no guardrails, no scorers: Inspect's
own cost."""


def task_files() -> dict[Source, Path]:
    """Each source's task file, in the source checkout the `benchmark` package is installed from."""
    root = Path(benchmark.__file__).resolve().parent.parent
    files = {source: root / "tasks" / f"{source}_multiturn.py" for source in SOURCES}
    missing = [str(path) for path in files.values() if not path.is_file()]
    if missing:
        raise FileNotFoundError(f"perf runs the task files of a source checkout (pip install -e .); missing: {missing}")
    return files


def interleaved_intents(count: int) -> list[Intent]:
    """The first `count` of the paper's 65 intents, GSM8k and HumanEval interleaved in proportion."""
    sources = [curated_intents(source) for source in SOURCES]
    keyed = [((i + 0.5) / len(items), s, i) for s, items in enumerate(sources) for i in range(len(items))]
    return [sources[s][i] for _, s, i in sorted(keyed)][:count]


def intents_and_epochs(n: int) -> tuple[int, int]:
    """How N conversations are made: (intents, epochs)."""
    if n < 1:
        raise ValueError(f"N must be at least 1, got {n}")
    if n <= PAPER_INTENTS:
        return n, 1
    if n % PAPER_INTENTS:
        raise ValueError(f"N above {PAPER_INTENTS} must be a multiple of {PAPER_INTENTS}, got {n}")
    return PAPER_INTENTS, n // PAPER_INTENTS


def intents_by_source(n: int) -> dict[Source, list[Intent]]:
    """The intents N conversations use, per source in task order; a source with none is left out."""
    count, _ = intents_and_epochs(n)
    chosen = interleaved_intents(count)
    by_source = {source: [intent for intent in chosen if intent.source == source] for source in SOURCES}
    return {source: intents for source, intents in by_source.items() if intents}


def _check_shardable(n: int, shard: RunShard | None) -> None:
    """A shard cuts a task's whole intent set, so a sharded run holds all of the paper's intents."""
    if shard is not None and intents_and_epochs(n)[0] < PAPER_INTENTS:
        raise ValueError(f"a sharded run cuts the paper's {PAPER_INTENTS} intents: N must be a multiple of it, got {n}")


def conversations_per_task(n: int, shard: RunShard | None = None) -> list[int]:
    """Conversations each task of the eval runs, in the order the tasks run; of one shard (`-T shard=K/P`: each
    task deals its intents round-robin by id) when given."""
    _check_shardable(n, shard)
    _, epochs = intents_and_epochs(n)
    return [len(shard_intents(intents, shard)) * epochs for intents in intents_by_source(n).values()]


@dataclass(frozen=True)
class Workload:
    """The task arguments of one `eval()`."""

    tasks: list[Any]
    """Task specs (`FILE.py@TASK`: a full path only works with the task named), or Task objects."""
    task_args: dict[str, Any] = field(default_factory=dict)
    sample_id: list[str] | None = None


def loop_workload(n: int, turns: int, shard: RunShard | None = None) -> Workload:
    """The shipped task files with fixed-length conversations (`-T allow_end=false -T max_turns=turns`), of one
    shard (`-T shard=K/P`) when given; fewer than the paper's 65 conversations are picked by `task:id` sample
    ids."""
    _check_shardable(n, shard)
    files = task_files()
    chosen = intents_by_source(n)
    sample_id = None
    if intents_and_epochs(n)[0] < PAPER_INTENTS:
        sample_id = [f"{files[source].stem}:{intent.id}" for source, intents in chosen.items() for intent in intents]
    return Workload(
        tasks=[f"{files[source]}@{files[source].stem}" for source in chosen],
        task_args={"allow_end": False, "max_turns": turns, **({"shard": str(shard)} if shard else {})},
        sample_id=sample_id,
    )


def floor_workload(n: int, turns: int) -> Workload:
    """The same model calls as `loop_workload` without any userlm-bench code: Inspect's own floor."""
    from inspect_ai import Task
    from inspect_ai.model import ChatMessageSystem, ChatMessageUser, get_model
    from inspect_ai.solver import Generate, TaskState, solver

    from benchmark.task import intents_dataset

    @solver
    def bare_conversation() -> Any:
        async def solve(state: TaskState, generate: Generate) -> TaskState:
            user = get_model(role="user")
            system = ChatMessageSystem(content=state.input_text)
            state.messages = []
            for _ in range(turns):
                draft = await user.generate([system, *state.messages])
                state.messages.append(ChatMessageUser(content=draft.completion))
                state = await generate(state)
            return state

        return solve

    return Workload(
        tasks=[
            Task(
                dataset=intents_dataset(intents, name=f"floor_{source}"),
                solver=bare_conversation(),
                name=f"floor_{source}",
            )
            for source, intents in intents_by_source(n).items()
        ]
    )


def workload(task: str, n: int, turns: int, shard: RunShard | None = None) -> Workload:
    """What a run of `task` (one of TASKS) evaluates: all of it, or one shard of the loop."""
    if task not in TASKS:
        raise ValueError(f"unknown task '{task}': use one of {TASKS}")
    if task == "floor" and shard is not None:
        raise ValueError("the floor task is not sharded")
    return loop_workload(n, turns, shard) if task == "loop" else floor_workload(n, turns)
