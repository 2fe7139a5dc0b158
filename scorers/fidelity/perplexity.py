"""`perplexity`: how likely the simulator finds the humans' own user turns.

`user_perplexity` is exp(total negative log-likelihood / total tokens) of the human user turns, pooled over
the conversations whose figure is known, each turn scored given the intent (unless `with_intent=false`)
and the conversation before it (benchmark.fidelity.perplexity says which tokens count). Its interval
resamples conversations. `perplexity_tokens` is the number of tokens scored. Where the user model gives
no prompt log-probabilities the figure is missing (NaN) and each score's explanation says why.
"""

from __future__ import annotations

import math

import numpy as np
from inspect_ai.scorer import Metric, SampleScore, Score, Scorer, Target, metric, scorer
from inspect_ai.solver import TaskState

from benchmark.constants import PERPLEXITY, PERPLEXITY_TOKENS, USER_PERPLEXITY
from benchmark.stats import NAN, bootstrap_interval
from scorers.fidelity.common import conversation_sums, left_out_score, recorded
from scorers.metrics import Figures, figure

NLL_KEY = "nll"
TOKENS_KEY = "tokens"
"""Score value: the conversation's summed negative log-likelihood and its token count (NaN when missing)."""


@metric(name="pooled_perplexity", scores="unreduced")
def pooled_perplexity() -> Metric:
    """user_perplexity over every scored token, with an interval over conversations."""

    def compute(scores: list[SampleScore]) -> Figures:
        sums = np.asarray(conversation_sums(scores, (NLL_KEY, TOKENS_KEY)), float).reshape(-1, 2)
        sums = sums[sums[:, 1] > 0]
        nll, tokens = sums[:, 0], sums[:, 1]
        estimate = math.exp(nll.sum() / tokens.sum()) if len(sums) else NAN
        interval = bootstrap_interval(len(sums), lambda w: np.exp((w @ nll) / (w @ tokens)))
        return {**figure(USER_PERPLEXITY, estimate, interval), PERPLEXITY_TOKENS: float(tokens.sum())}

    return compute


@scorer(metrics=[pooled_perplexity()], name=PERPLEXITY)
def perplexity() -> Scorer:
    """The human user turns' log-likelihood under the simulator, or why it is missing."""

    async def score(state: TaskState, target: Target) -> Score:
        record = recorded(state)
        missing = {USER_PERPLEXITY: NAN, NLL_KEY: NAN, TOKENS_KEY: NAN}
        if record is None:
            return left_out_score(state, missing, "the conversation has no intent")
        result = record.perplexity
        if result is None or result.nll is None or not result.tokens:
            why = result.missing if result is not None and result.missing else "no perplexity was computed"
            return Score(value=missing, explanation=f"missing: {why}", metadata={"epoch": state.epoch, "missing": why})
        value = math.exp(result.nll / result.tokens)
        conditioned = "with the intent" if result.with_intent else "without the intent"
        return Score(
            value={USER_PERPLEXITY: value, NLL_KEY: result.nll, TOKENS_KEY: float(result.tokens)},
            explanation=f"perplexity {value:.3f} over {result.tokens} tokens of the human user turns, {conditioned}",
            metadata={"epoch": state.epoch, "with_intent": result.with_intent, "turns": result.turns},
        )

    return score
