"""What the thin task files share: parameters to guardrails, dataset, loop and scorers."""

from __future__ import annotations

from inspect_ai import Task
from inspect_ai.scorer import Scorer

from benchmark.constants import SIMULATORS
from benchmark.dataset import intents_dataset
from benchmark.guardrails import Guardrails
from benchmark.intents.record import Source
from benchmark.intents.sets import load_intent_set
from benchmark.loop import user_simulation


def guardrails_for(
    simulator: str,
    allow_end: bool,
    ban_openers: bool | None,
    word_bounds: bool | None,
    ban_repeats: bool | None,
) -> Guardrails:
    """Guardrails from task parameters; None means the simulator's default (on for UserLM
    and scripted, off for the prompted baselines, which the paper ran without them)."""
    default = simulator != "prompted"
    return Guardrails(
        ban_openers=default if ban_openers is None else ban_openers,
        word_bounds=default if word_bounds is None else word_bounds,
        ban_repeats=default if ban_repeats is None else ban_repeats,
        allow_end=allow_end,
    )


def multiturn_task(
    *,
    source: Source,
    scorers: list[Scorer],
    version: str,
    simulator: str,
    max_turns: int,
    allow_end: bool,
    intents: str | None,
    data_path: str | None,
    ban_openers: bool | None,
    word_bounds: bool | None,
    ban_repeats: bool | None,
    max_resamples: int,
    sandbox: str | None = None,
) -> Task:
    """A multi-turn task over `source` intents; validates every parameter before any model call."""
    if simulator not in SIMULATORS:
        raise ValueError(f"unknown simulator '{simulator}': use -T simulator=" + "|".join(SIMULATORS))
    if not isinstance(max_turns, int) or max_turns < 1:
        raise ValueError(f"max_turns must be a whole number >= 1, got {max_turns!r}")
    if not isinstance(max_resamples, int) or max_resamples < 0:
        raise ValueError(f"max_resamples must be a whole number >= 0, got {max_resamples!r}")
    rails = guardrails_for(simulator, allow_end, ban_openers, word_bounds, ban_repeats)
    return Task(
        dataset=intents_dataset(load_intent_set(source, intents, data_path), name=f"{source}_multiturn"),
        solver=user_simulation(simulator, max_turns=max_turns, guardrails=rails, max_resamples=max_resamples),
        scorer=scorers,
        version=version,
        sandbox=sandbox,
        metadata={"simulator": simulator, "source": source, "guardrails": rails.__dict__, "max_turns": max_turns},
    )
