"""`user_behaviour`: which intent shards the user revealed, and how.

Each user turn is labelled with the shards it reveals, by the LLM judge (model role
`judge`, when bound) or else the offline matcher. Figures (metrics of the scorer, each
with `_ci_low` / `_ci_high`, means over conversations):

- `intent_coverage`: share of the intent's required shards revealed at least once.
- `repeat_required`: 1 when some required shard was revealed in two or more user turns.
- `skip_nonrequired`: 1 when some non-required shard was never revealed; missing (NaN,
  left out of the mean) for intents without non-required shards.
- `add_demands`: 1 when some user turn asked for something not in the intent. Judge
  only: missing (NaN) when the matcher labelled the conversation.
- `unjudged`: conversations the judge could not label after its retries; all their
  figures are missing (NaN), never 0.

Score metadata records `method` ("judge" | "matcher" | "unjudged"), what each user turn
revealed, and per-shard reveal counts.
"""

from __future__ import annotations

import logging
from typing import Literal

from inspect_ai.scorer import Metric, SampleScore, Score, Scorer, Target, metric, scorer
from inspect_ai.solver import TaskState

from benchmark.constants import (
    ADD_DEMANDS,
    INTENT_COVERAGE,
    JUDGE_ROLE,
    REPEAT_REQUIRED,
    SKIP_NONREQUIRED,
    UNJUDGED,
    USER_BEHAVIOUR,
)
from benchmark.conversation.loop import intent_of
from benchmark.figures import behaviour_figures, turns_revealing
from benchmark.intents.record import Intent
from benchmark.judging.judge import JudgeLabels, judge_conversation, judge_model
from benchmark.judging.matcher import match_turns
from benchmark.text import user_texts
from scorers.metrics import Figures, conversation_mean, metadata_of, missing_score

logger = logging.getLogger(__name__)

Method = Literal["judge", "matcher", "unjudged"]
METHODS = ("auto", "judge", "matcher")
"""`user_behaviour(method=...)`: auto uses the judge when the role is bound, else the matcher."""


def _explain(method: Method, intent: Intent, revealed: list[list[int]] | None, labels: JudgeLabels | None) -> str:
    if revealed is None:
        tries = labels.attempts if labels else 0
        return f"unjudged: the judge gave no usable labels in {tries} attempts; every figure is missing (NaN)."
    counts = turns_revealing(intent, revealed)
    required = [shard.id for shard in intent.shards if shard.required]
    missing = [i for i in required if counts[i] == 0]
    return (
        f"{method}: revealed {len(required) - len(missing)}/{len(required)} required shards"
        + (f" (missing {missing})" if missing else "")
        + "; by turn: "
        + "; ".join(f"{k}: {ids or '-'}" for k, ids in enumerate(revealed, start=1))
    )


@metric(name="unjudged_count", scores="unreduced")
def unjudged_count() -> Metric:
    """Number of conversations the judge could not label."""

    def compute(scores: list[SampleScore]) -> Figures:
        return {UNJUDGED: float(sum(metadata_of(s, "method") == "unjudged" for s in scores))}

    return compute


@scorer(
    metrics=[
        conversation_mean(INTENT_COVERAGE),
        conversation_mean(REPEAT_REQUIRED),
        conversation_mean(SKIP_NONREQUIRED),
        conversation_mean(ADD_DEMANDS),
        unjudged_count(),
    ],
    name=USER_BEHAVIOUR,
)
def user_behaviour(method: str = "auto") -> Scorer:
    """Label the shards each user turn reveals and score coverage, repeats, skips and added demands.

    Args:
        method: `auto` (the `judge` role when bound, else the offline matcher), `judge`
            (fail when the role is not bound) or `matcher`.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method '{method}': use " + "|".join(METHODS))

    async def score(state: TaskState, target: Target) -> Score:
        intent = intent_of(state)
        missing = missing_score(state, behaviour_figures(intent, None, None))
        if missing is not None:
            return missing
        turns = user_texts(state.messages)
        model = judge_model() if method != "matcher" else None
        if method == "judge" and model is None:
            raise ValueError(f"{USER_BEHAVIOUR}(method='judge') needs --model-role {JUDGE_ROLE}=PROVIDER/MODEL")
        labels: JudgeLabels | None = None
        used: Method
        if model is None:
            revealed: list[list[int]] | None = match_turns(intent.shards, turns)
            demands: list[bool] | None = None
            used = "matcher"
        else:
            labels = await judge_conversation(model, intent, state.messages) if turns else JudgeLabels([], [])
            revealed, demands = labels.shards, labels.adds_demand
            used = "judge" if revealed is not None else "unjudged"
            if revealed is None:
                logger.warning(
                    f"{USER_BEHAVIOUR}: sample {state.sample_id} epoch {state.epoch} is unjudged; "
                    f"judge errors: {labels.errors}"
                )
        figures = behaviour_figures(intent, revealed, demands)
        turns_metadata = [
            {"turn": k, "shards": ids, "adds_demand": demands[k - 1] if demands is not None else None}
            for k, ids in enumerate(revealed or [], start=1)
        ]
        metadata: dict[str, object] = {
            "method": used,
            "epoch": state.epoch,
            "turns": turns_metadata,
            "turns_revealing": None
            if revealed is None
            else {str(shard): n for shard, n in turns_revealing(intent, revealed).items()},
        }
        if labels is not None:
            metadata.update(judge_model=str(model), judge_attempts=labels.attempts, judge_errors=labels.errors)
        return Score(value=figures, explanation=_explain(used, intent, revealed, labels), metadata=metadata)

    return score
