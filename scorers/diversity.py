"""`lexical_stats`: how the user words their turns.

Figures (metrics of the scorer, each with `_ci_low` / `_ci_high`):

- `lexical_diversity`, the paper's Unigram Difference: for each intent, the mean over
  unordered pairs of its simulations of 1 - Jaccard(unigram sets of the two user sides),
  averaged over intents with two or more simulations (`intents_compared`; NaN with one
  epoch). The user side is all user turns of a conversation.
- `first_turn_diversity`: mean over unordered pairs of *all* conversations of the eval
  (across intents) of 1 - Jaccard of their opening user turns.
- `intent_decomposition`: for each user turn, |intent words ∩ turn words| / |turn words|
  (stop words removed), averaged over the conversation's turns, then over conversations.
  High values mean the user copies the intent's wording instead of talking.

Unigrams are the tokens of benchmark.text.tokens (numbers keep their sign and decimal point; hyphenated
and dotted words split). Two empty sets (users who said nothing) count as identical: similarity 1, difference 0.
"""

from __future__ import annotations

import math

import numpy as np
from inspect_ai.scorer import Metric, SampleScore, Score, Scorer, Target, metric, scorer
from inspect_ai.solver import TaskState

from benchmark.constants import (
    BOOTSTRAP_SEED,
    FIRST_TURN_DIVERSITY,
    FIRST_TURN_MAX_CONVERSATIONS,
    FIRST_TURN_UNIGRAMS,
    INTENT_DECOMPOSITION,
    LEXICAL_DIVERSITY,
    LEXICAL_STATS,
    USER_UNIGRAMS,
)
from benchmark.conversation.loop import intent_of
from benchmark.figures import lexical_diversity
from benchmark.intents.record import INTENT_PREFIX, Intent
from benchmark.stats import NAN, bootstrap_interval
from benchmark.text import STOP_WORDS, difference_matrix, unigrams, user_texts
from scorers.metrics import (
    Figures,
    across_simulations,
    by_intent,
    conversation_mean,
    figure,
    metadata_of,
    missing_score,
)


def decomposition(intent: Intent, turns: list[str]) -> tuple[float, list[float | None]]:
    """The conversation's intent decomposition and each turn's share (None: no words left)."""
    intent_words = unigrams(intent.intent.removeprefix(INTENT_PREFIX)) - STOP_WORDS
    shares: list[float | None] = []
    for turn in turns:
        words = unigrams(turn) - STOP_WORDS
        shares.append(len(words & intent_words) / len(words) if words else None)
    known = [share for share in shares if share is not None]
    return (sum(known) / len(known) if known else NAN), shares


def _unigram_set(score: SampleScore, key: str) -> frozenset[str]:
    words = metadata_of(score, key)
    return frozenset(words) if isinstance(words, list) else frozenset()


@metric(name="unigram_difference", scores="unreduced")
def unigram_difference_across_simulations() -> Metric:
    """lexical_diversity: mean pairwise unigram difference of each intent's user sides, averaged over intents."""

    def per_intent(group: list[SampleScore]) -> Figures:
        return lexical_diversity([_unigram_set(s, USER_UNIGRAMS) for s in group])

    def compute(scores: list[SampleScore]) -> Figures:
        return across_simulations(scores, [LEXICAL_DIVERSITY], per_intent)

    return compute


def _sample_conversations(groups: list[list[SampleScore]]) -> list[list[SampleScore]]:
    """At most FIRST_TURN_MAX_CONVERSATIONS conversations, a seeded uniform sample, still grouped by intent."""
    total = sum(len(group) for group in groups)
    if total <= FIRST_TURN_MAX_CONVERSATIONS:
        return groups
    keep = set(np.random.default_rng(BOOTSTRAP_SEED).choice(total, FIRST_TURN_MAX_CONVERSATIONS, replace=False))
    flat = iter(range(total))
    sampled = [[score for score in group if next(flat) in keep] for group in groups]
    return [group for group in sampled if group]


def _pair_total(weights: np.ndarray, by_intent_pair: np.ndarray) -> np.ndarray:
    """Per resample: sum over intent pairs a != b of w_a w_b M_ab, plus sum over a of w_a M_aa.

    Two draws of the same intent are one set of conversations seen twice, so its
    conversations pair with each other once per draw, never across the two draws.
    """
    within = np.diag(by_intent_pair)
    return ((weights @ by_intent_pair) * weights).sum(axis=1) - (weights**2) @ within + weights @ within


@metric(name="first_turn_difference", scores="unreduced")
def first_turn_difference() -> Metric:
    """first_turn_diversity: mean pairwise unigram difference of the opening turns of all conversations.

    The interval resamples intents; a resample weighs each pair of conversations by how
    often their intents were drawn.
    """

    def compute(scores: list[SampleScore]) -> Figures:
        groups = _sample_conversations(by_intent(scores))
        sets = [_unigram_set(s, FIRST_TURN_UNIGRAMS) for group in groups for s in group]
        if len(sets) < 2:
            return figure(FIRST_TURN_DIVERSITY, NAN, (NAN, NAN))
        differences = difference_matrix(sets)
        estimate = float(differences[np.triu_indices(len(sets), k=1)].mean())
        membership = np.zeros((len(sets), len(groups)))
        membership[np.arange(len(sets)), np.repeat(np.arange(len(groups)), [len(g) for g in groups])] = 1.0
        sums = membership.T @ differences @ membership  # ordered-pair sums of differences, by intent pair
        sizes = membership.sum(axis=0)
        pairs = np.outer(sizes, sizes)
        np.fill_diagonal(pairs, sizes * (sizes - 1))  # ordered pairs of distinct conversations
        interval = bootstrap_interval(len(groups), lambda w: _pair_total(w, sums) / _pair_total(w, pairs))
        return figure(FIRST_TURN_DIVERSITY, estimate, interval)

    return compute


@scorer(
    metrics=[
        unigram_difference_across_simulations(),
        first_turn_difference(),
        conversation_mean(INTENT_DECOMPOSITION),
    ],
    name=LEXICAL_STATS,
)
def lexical_stats() -> Scorer:
    """Each conversation's unigram sets and intent decomposition; the metrics compare conversations."""

    async def score(state: TaskState, target: Target) -> Score:
        missing = missing_score(state, {INTENT_DECOMPOSITION: NAN})
        if missing is not None:
            return missing
        turns = user_texts(state.messages)
        value, shares = decomposition(intent_of(state), turns)
        explained = "no user turn has words left" if math.isnan(value) else f"{value:.3f}"
        return Score(
            value={INTENT_DECOMPOSITION: value},
            explanation=(
                f"intent decomposition {explained}. lexical_diversity compares this user side with the other "
                "simulations of the intent (missing, NaN, with one epoch); first_turn_diversity compares "
                "opening turns across all conversations."
            ),
            metadata={
                "epoch": state.epoch,
                "decomposition_by_turn": shares,
                USER_UNIGRAMS: sorted(unigrams(" ".join(turns))),
                FIRST_TURN_UNIGRAMS: sorted(unigrams(turns[0])) if turns else [],
            },
        )

    return score
