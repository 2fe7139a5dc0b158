"""Task parameters to an Inspect Task: what the thin task files share.

Validates every `-T` value before any model call, turns the intents into a dataset (one sample per
intent, the intent kept in metadata) and wires the conversation loop and the scorers together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from types import NoneType

from inspect_ai import Task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.scorer import Scorer

from benchmark.constants import (
    BLANK_TURN_RULES,
    CI_HIGH_SUFFIX,
    CI_LOW_SUFFIX,
    DEFAULT_ANSWER_EXTRACTION,
    DEFAULT_BLANK_TURN,
    DEFAULT_MAX_RESAMPLES,
    DEFAULT_MAX_RESTARTS,
    DEFAULT_MAX_TURNS,
    SIMULATORS,
    SUMMARY_SCORERS_PER_ROW,
)
from benchmark.conversation.guardrails import Guardrails
from benchmark.conversation.loop import INTENT_KEY, user_simulation
from benchmark.errors import UserError
from benchmark.execution.inspect_sandbox import task_sandbox
from benchmark.inspect_compat import compact_results_panel
from benchmark.intents.record import Intent, Source
from benchmark.intents.sets import INTENT_SETS, load_intent_set
from benchmark.intents.split import as_metadata, intent_set, parse_run_shard, shard_intents
from benchmark.judging.answers import answer_judge, check_answer_extraction


def intent_to_sample(intent: Intent) -> Sample:
    """A sample for one intent. The input shows the intent in `inspect view`; the loop
    clears it before the assistant's first turn, so the assistant never sees it."""
    target = intent.grading.answer if intent.source == "gsm8k" else intent.grading.task_id
    return Sample(
        id=intent.id,
        input=intent.intent,
        target=target or "",
        metadata={INTENT_KEY: intent.model_dump(), "source": intent.source, "source_id": intent.source_id},
    )


def intents_dataset(intents: Sequence[Intent], name: str) -> MemoryDataset:
    """An Inspect dataset named `name` with one sample per intent."""
    return MemoryDataset([intent_to_sample(intent) for intent in intents], name=name)


_PARAMETER_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "simulator": ((str,), "userlm"),
    "max_turns": ((int,), "10"),
    "max_resamples": ((int,), "3"),
    "max_restarts": ((int,), "2"),
    "blank_turn": ((str,), "end"),
    "allow_end": ((bool,), "false"),
    "ban_openers": ((bool, NoneType), "false"),
    "word_bounds": ((bool, NoneType), "false"),
    "ban_repeats": ((bool, NoneType), "false"),
    "intents": ((str, NoneType), "curated"),
    "data_path": ((str, NoneType), "gsm8k_test.jsonl"),
    "shard": ((str, NoneType), "2/4"),
    "sandbox": ((str, NoneType), "docker"),
    "answer_extraction": ((str,), "llm"),
}
"""Each task parameter's accepted types and an example value for the error message."""
_TYPE_WORDS = {str: "text", int: "a whole number", bool: "true or false"}


ParameterTypes = Mapping[str, tuple[tuple[type, ...], str]]
"""A table like _PARAMETER_TYPES: parameter name -> (accepted types, example value), for other tasks."""


class TaskParameterError(UserError, ValueError):
    """A `-T` value of the wrong type or out of range; the message names the parameter and an example."""


def check_parameter_types(parameters: dict[str, object], table: ParameterTypes = _PARAMETER_TYPES) -> None:
    """Raise a TaskParameterError naming the parameter, its expected type and an example `-T` flag.

    `table` gives each parameter's types and example: the multi-turn tasks' by default.
    """
    for name, value in parameters.items():
        types, example = table[name]
        # bool is an int: -T max_turns=true must not pass as 1
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            expected = " or ".join("unset" if kind is NoneType else _TYPE_WORDS[kind] for kind in types)
            raise TaskParameterError(f"task parameter {name}={value!r} must be {expected}, e.g. -T {name}={example}")


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
    max_restarts: int,
    blank_turn: str,
    shard: str | None = None,
    sandbox: str | None = None,
    answer_extraction: str = DEFAULT_ANSWER_EXTRACTION,
) -> Task:
    """A multi-turn task over `source` intents (one shard of them with `shard="K/N"`); validates every
    parameter before any model call, and records in the task's metadata what the reports compare by: the
    score-changing settings, the intent set the run was cut from, and the shard."""
    check_parameter_types(
        {
            "simulator": simulator,
            "max_turns": max_turns,
            "max_resamples": max_resamples,
            "max_restarts": max_restarts,
            "blank_turn": blank_turn,
            "allow_end": allow_end,
            "ban_openers": ban_openers,
            "word_bounds": word_bounds,
            "ban_repeats": ban_repeats,
            "intents": intents,
            "data_path": data_path,
            "shard": shard,
            "sandbox": sandbox,
            "answer_extraction": answer_extraction,
        }
    )
    if simulator not in SIMULATORS:
        raise TaskParameterError(f"unknown simulator '{simulator}': use -T simulator=" + "|".join(SIMULATORS))
    if blank_turn not in BLANK_TURN_RULES:
        raise TaskParameterError(f"unknown blank_turn '{blank_turn}': use -T blank_turn=" + "|".join(BLANK_TURN_RULES))
    for name, value, least in (
        ("max_turns", max_turns, 1),
        ("max_resamples", max_resamples, 0),
        ("max_restarts", max_restarts, 0),
    ):
        if value < least:
            raise TaskParameterError(f"{name} must be a whole number >= {least}, got {value!r}")
    check_answer_extraction(answer_extraction)
    if answer_extraction == "llm":
        answer_judge()  # fails unless the `judge` role is bound: before any model call
    rails = guardrails_for(simulator, allow_end, ban_openers, word_bounds, ban_repeats)
    loop = user_simulation(
        simulator,
        max_turns=max_turns,
        guardrails=rails,
        max_resamples=max_resamples,
        max_restarts=max_restarts,
        blank_turn=blank_turn,  # type: ignore[arg-type]
    )
    run_shard = parse_run_shard(shard)
    whole = load_intent_set(source, intents, data_path)
    settings = {
        "simulator": simulator,
        "max_turns": max_turns,
        "allow_end": allow_end,
        **{name: value for name, value in rails.__dict__.items() if name != "allow_end"},
        "max_resamples": max_resamples,
        "max_restarts": max_restarts,
        "blank_turn": blank_turn,
        "sandbox": sandbox,
        "answer_extraction": answer_extraction,
    }
    show_headline_figures(f"{source}_multiturn")
    return Task(
        dataset=intents_dataset(shard_intents(whole, run_shard), name=f"{source}_multiturn"),
        solver=loop,
        scorer=scorers,
        version=version,
        sandbox=task_sandbox(sandbox),
        metadata={
            "source": source,
            "settings": settings,
            "changed_settings": changed_settings(settings),
            **as_metadata(intent_set(intent_set_name(intents, data_path), whole), run_shard),
        },
    )


def default_settings(simulator: str) -> dict[str, object]:
    """The score-changing settings, but the simulator, of a run with every parameter at its default."""
    rails = guardrails_for(simulator, True, None, None, None)
    return {
        "max_turns": DEFAULT_MAX_TURNS,
        "allow_end": True,
        **{name: value for name, value in rails.__dict__.items() if name != "allow_end"},
        "max_resamples": DEFAULT_MAX_RESAMPLES,
        "max_restarts": DEFAULT_MAX_RESTARTS,
        "blank_turn": DEFAULT_BLANK_TURN,
        "sandbox": None,
        "answer_extraction": DEFAULT_ANSWER_EXTRACTION,
    }


def changed_settings(settings: dict[str, object]) -> list[str]:
    """`name=value` of each setting that differs from its default (the simulator is shown on its own)."""
    defaults = default_settings(str(settings["simulator"]))
    return [f"{k}={v}" for k, v in settings.items() if k != "simulator" and defaults.get(k) != v]


def intent_set_name(intents: str | None, data_path: str | None) -> str:
    """The name of the intent set a run was cut from: the set's name, or an intent file's name."""
    name = intents or ("full" if data_path else "curated")
    return name if name in INTENT_SETS else Path(name).name


def show_headline_figures(task: str) -> None:
    """Have the terminal summary of `task` fit 80 columns: figures without their intervals, two scorers a row."""
    compact_results_panel(task, is_interval_metric, SUMMARY_SCORERS_PER_ROW)


def is_interval_metric(name: str) -> bool:
    """Whether a metric is an interval bound (`task_score`'s `ci_low`, or `<figure>_ci_low` / `_ci_high`)."""
    return name.endswith((CI_LOW_SUFFIX, CI_HIGH_SUFFIX)) or name in (CI_LOW_SUFFIX[1:], CI_HIGH_SUFFIX[1:])
