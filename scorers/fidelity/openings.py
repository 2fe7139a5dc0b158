"""`opening_turns` and `human_reference`: how the conversation opens, the simulator's and the human's.

The simulator writes its opening turn from the intent alone; the human's first turn is the reference.
Both are measured with the assistant tasks' definitions (scorers.diversity), not copies of them:

- `first_turn_diversity`: mean pairwise 1 - unigram Jaccard of the opening turns of all conversations;
- `intent_decomposition`: the share of the opening's content words that come from the intent (a turn
  with no content words left is missing);
- `human_first_turn_diversity` and `human_intent_decomposition`: the same on the human first turns
  (each conversation counted once, whatever the epochs).

An empty opening (a blank turn, or a completion that wrote the assistant's side) is an empty unigram set:
identical to another empty one, its decomposition missing. An opening whose call gave an error output
is left out of the simulator's figures.
"""

from __future__ import annotations

import math

from inspect_ai.scorer import Metric, SampleScore, Score, Scorer, Target, metric, scorer
from inspect_ai.solver import TaskState

from benchmark.constants import (
    FIRST_TURN_DIVERSITY,
    FIRST_TURN_UNIGRAMS,
    HUMAN_FIRST_TURN_DIVERSITY,
    HUMAN_INTENT_DECOMPOSITION,
    HUMAN_REFERENCE,
    INTENT_DECOMPOSITION,
    OPENING_TURNS,
)
from benchmark.fidelity.record import human_conversation, intent_record
from benchmark.stats import NAN
from benchmark.text import unigrams
from scorers.diversity import decomposition, first_turn_difference
from scorers.fidelity.common import left_out_score, recorded
from scorers.metrics import Figures, by_intent, conversation_mean


def opening_score(state: TaskState, intent: str, opening: str, key: str, whose: str) -> Score:
    """An opening turn's intent decomposition (under `key`) and unigram set; `whose` names it in the explanation."""
    value, _ = decomposition(intent_record(intent, str(state.sample_id)), [opening])
    shown = "missing (no content words)" if math.isnan(value) else f"{value:.3f}"
    return Score(
        value={key: value},
        explanation=f"{whose} opening turn: {opening!r}; intent decomposition {shown}",
        metadata={"epoch": state.epoch, FIRST_TURN_UNIGRAMS: sorted(unigrams(opening))},
    )


@scorer(metrics=[first_turn_difference(), conversation_mean(INTENT_DECOMPOSITION)], name=OPENING_TURNS)
def opening_turns() -> Scorer:
    """The simulator's opening turn, written from the intent alone."""

    async def score(state: TaskState, target: Target) -> Score:
        record = recorded(state)
        missing = {INTENT_DECOMPOSITION: NAN}
        if record is None or record.intent is None:
            return left_out_score(state, missing, "the conversation has no intent")
        if record.opening is None or record.opening.error:
            why = record.opening.error if record.opening else "no opening was written"
            return left_out_score(state, missing, f"the opening call gave no turn ({why})")
        return opening_score(state, record.intent, record.opening.text, INTENT_DECOMPOSITION, "the simulator's")

    return score


@metric(name="human_first_turn_difference", scores="unreduced")
def human_first_turn_difference() -> Metric:
    """human_first_turn_diversity: first_turn_diversity of the human first turns, each conversation once."""
    inner = first_turn_difference()

    def compute(scores: list[SampleScore]) -> Figures:
        once = [group[0] for group in by_intent(scores)]
        return {
            HUMAN_FIRST_TURN_DIVERSITY + name.removeprefix(FIRST_TURN_DIVERSITY): value
            for name, value in inner(once).items()
        }

    return compute


@scorer(metrics=[human_first_turn_difference(), conversation_mean(HUMAN_INTENT_DECOMPOSITION)], name=HUMAN_REFERENCE)
def human_reference() -> Scorer:
    """The human's first turn: the reference row of the opening figures."""

    async def score(state: TaskState, target: Target) -> Score:
        record = recorded(state)
        if record is None or record.intent is None:
            return left_out_score(state, {HUMAN_INTENT_DECOMPOSITION: NAN}, "the conversation has no intent")
        first = human_conversation(state).messages[0].content
        return opening_score(state, record.intent, first, HUMAN_INTENT_DECOMPOSITION, "the human's")

    return score
