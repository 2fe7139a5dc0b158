"""`turn_stats`: how many turns the user takes, per conversation and across simulations.

Figures (metrics of the scorer, each with `_ci_low` / `_ci_high`):

- `user_turns`: user turns per conversation, mean over conversations.
- `turn_variance`: population variance of the user-turn counts of an intent's
  simulations (epochs), averaged over intents.
- `turn_range_min` / `turn_range_max`: an intent's fewest and most user turns across its
  simulations, averaged over intents.
- `intents_compared`: intents with two or more simulations, the ones the across-simulation
  figures average over (0 with one epoch: the figures are then NaN, i.e. missing).
- `simulator_failures`: the share of conversations the simulator could not hold (no acceptable
  opening, stalled, user-model error after every restart); every figure leaves them out.
"""

from __future__ import annotations

from inspect_ai.scorer import Metric, SampleScore, Score, Scorer, Target, metric, scorer
from inspect_ai.solver import TaskState

from benchmark.constants import TURN_RANGE_MAX, TURN_RANGE_MIN, TURN_STATS, TURN_VARIANCE, USER_TURNS
from benchmark.conversation.loop import CONVERSATION_KEY
from benchmark.figures import turn_spread as turn_spread_figures
from benchmark.stats import NAN
from benchmark.text import user_texts
from scorers.metrics import Figures, across_simulations, conversation_mean, missing_score, simulator_failures, value_of

ACROSS_SIMULATIONS_NOTE = (
    "turn_variance and turn_range compare the simulations (epochs) of each intent; intents with fewer "
    "than 2 simulations are left out, and with one epoch these figures are missing (NaN), not 0."
)


@metric(name="turn_spread", scores="unreduced")
def turn_spread() -> Metric:
    """turn_variance, turn_range_min and turn_range_max across each intent's simulations."""

    def compute(scores: list[SampleScore]) -> Figures:
        return across_simulations(
            scores,
            [TURN_VARIANCE, TURN_RANGE_MIN, TURN_RANGE_MAX],
            lambda group: turn_spread_figures([value_of(s, USER_TURNS) for s in group]),
        )

    return compute


@scorer(metrics=[conversation_mean(USER_TURNS), turn_spread(), simulator_failures()], name=TURN_STATS)
def turn_stats() -> Scorer:
    """User turns of each conversation; the metrics compare them across an intent's epochs."""

    async def score(state: TaskState, target: Target) -> Score:
        missing = missing_score(state, {USER_TURNS: NAN})
        if missing is not None:
            return missing
        turns = len(user_texts(state.messages))
        conversation = state.metadata.get(CONVERSATION_KEY) or {}
        return Score(
            value={USER_TURNS: turns},
            explanation=f"{turns} user turns. {ACROSS_SIMULATIONS_NOTE}",
            metadata={"epoch": state.epoch, "stop_reason": conversation.get("stop_reason")},
        )

    return score
