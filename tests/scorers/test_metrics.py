"""The unreduced metrics on hand-built scores: every figure worked out by hand here.

A conversation is a SampleScore whose sample_id is its intent; epochs are in the metadata.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from inspect_ai.scorer import SampleScore, Score

from benchmark.constants import (
    FIRST_TURN_DIVERSITY,
    FIRST_TURN_UNIGRAMS,
    INTENT_DECOMPOSITION,
    INTENTS_COMPARED,
    LEXICAL_DIVERSITY,
    TURN_RANGE_MAX,
    TURN_RANGE_MIN,
    TURN_VARIANCE,
    USER_TURNS,
    USER_UNIGRAMS,
)
from benchmark.intents import curated_intents
from benchmark.stats import mean_of_intents, pooled_mean, resample_weights
from benchmark.text import unigrams
from scorers.diversity import (
    decomposition,
    first_turn_difference,
    unigram_difference_across_simulations,
)
from scorers.metrics import by_intent, conversation_mean
from scorers.turns import turn_spread

NAN = float("nan")


def conversation(intent: str, epoch: int, value: dict | None = None, **metadata) -> SampleScore:
    return SampleScore(score=Score(value=value or {}, metadata={"epoch": epoch, **metadata}), sample_id=intent)


def turns(intent: str, counts: list[int]) -> list[SampleScore]:
    return [conversation(intent, epoch, {USER_TURNS: n}) for epoch, n in enumerate(counts, start=1)]


def sides(intent: str, texts: list[str]) -> list[SampleScore]:
    return [
        conversation(intent, epoch, **{USER_UNIGRAMS: sorted(unigrams(text)), FIRST_TURN_UNIGRAMS: []})
        for epoch, text in enumerate(texts, start=1)
    ]


def openings(texts: list[tuple[str, str]]) -> list[SampleScore]:
    return [
        conversation(intent, epoch, **{FIRST_TURN_UNIGRAMS: sorted(unigrams(text))})
        for epoch, (intent, text) in enumerate(texts, start=1)
    ]


def test_conversation_mean_over_conversations_leaving_out_missing():
    scores = [
        conversation("a", 1, {"x": 1.0}),
        conversation("a", 2, {"x": NAN}),  # missing: not applicable / unjudged
        conversation("b", 1, {"x": 0.0}),
        conversation("b", 2, {"x": 0.0}),
    ]
    result = conversation_mean("x")(scores)
    assert result["x"] == pytest.approx(1 / 3)
    assert result["x_ci_low"] <= result["x"] <= result["x_ci_high"]
    assert set(result) == {"x", "x_ci_low", "x_ci_high"}


def test_conversation_mean_all_missing_is_nan_not_zero():
    result = conversation_mean("x")([conversation("a", 1, {"x": NAN}), conversation("b", 1, {"x": NAN})])
    assert all(math.isnan(v) for v in result.values())
    assert all(math.isnan(v) for v in conversation_mean("x")([]).values())


def test_turn_spread_with_different_numbers_of_epochs():
    # a: [2, 4] -> variance 1, min 2, max 4; b: [3, 3, 3] -> 0, 3, 3 (ties); c: one simulation, left out
    scores = [*turns("a", [2, 4]), *turns("b", [3, 3, 3]), *turns("c", [9])]
    result = turn_spread()(scores)
    assert result[TURN_VARIANCE] == pytest.approx(0.5)
    assert result[TURN_RANGE_MIN] == pytest.approx(2.5)
    assert result[TURN_RANGE_MAX] == pytest.approx(3.5)
    assert result[INTENTS_COMPARED] == 2
    # the mean user turns counts every conversation: (2 + 4 + 3 + 3 + 3 + 9) / 6
    assert conversation_mean(USER_TURNS)(scores)[USER_TURNS] == pytest.approx(4.0)


def test_population_variance_not_sample_variance():
    result = turn_spread()([*turns("a", [1, 2, 3]), *turns("b", [1, 2, 3])])
    assert result[TURN_VARIANCE] == pytest.approx(2 / 3)  # mean of squared deviations (1 + 0 + 1) / 3


def test_one_epoch_gives_missing_across_simulation_figures():
    scores = [*turns("a", [2]), *turns("b", [5])]
    result = turn_spread()(scores)
    assert result[INTENTS_COMPARED] == 0
    for name in (TURN_VARIANCE, TURN_RANGE_MIN, TURN_RANGE_MAX):
        assert math.isnan(result[name]) and math.isnan(result[name + "_ci_low"])
    lexical = unigram_difference_across_simulations()([*sides("a", ["a b"]), *sides("b", ["c"])])
    assert math.isnan(lexical[LEXICAL_DIVERSITY]) and lexical[INTENTS_COMPARED] == 0


def test_lexical_diversity_by_hand():
    scores = [
        *sides("a", ["a b c", "A, b d!"]),  # Jaccard 2/4 -> difference 0.5
        *sides("b", ["x y", "x y", ""]),  # pairs: 0 (tie), 1, 1 -> 2/3
        *sides("c", ["", ""]),  # two empty user sides: identical, difference 0
        *sides("d", ["only one simulation"]),  # left out
    ]
    result = unigram_difference_across_simulations()(scores)
    assert result[LEXICAL_DIVERSITY] == pytest.approx((0.5 + 2 / 3 + 0.0) / 3)
    assert result[INTENTS_COMPARED] == 3


def test_first_turn_diversity_across_intents_by_hand():
    scores = openings([("a", "a b"), ("b", "a c"), ("c", "")])
    # pairs: (ab, ac) 1 - 1/3; (ab, {}) 1; (ac, {}) 1
    result = first_turn_difference()(scores)
    assert result[FIRST_TURN_DIVERSITY] == pytest.approx((2 / 3 + 1 + 1) / 3)
    assert result[FIRST_TURN_DIVERSITY + "_ci_low"] <= result[FIRST_TURN_DIVERSITY]
    assert result[FIRST_TURN_DIVERSITY] <= result[FIRST_TURN_DIVERSITY + "_ci_high"]


def test_first_turn_diversity_defined_with_one_epoch_and_missing_with_one_conversation():
    assert not math.isnan(first_turn_difference()(openings([("a", "x"), ("b", "y")]))[FIRST_TURN_DIVERSITY])
    assert math.isnan(first_turn_difference()(openings([("a", "x")]))[FIRST_TURN_DIVERSITY])


def test_first_turn_within_intent_pairs_count():
    # one intent, two identical openings: the one pair differs by 0; one intent: no interval
    result = first_turn_difference()(openings([("a", "same words"), ("a", "same words")]))
    assert result[FIRST_TURN_DIVERSITY] == 0.0
    assert math.isnan(result[FIRST_TURN_DIVERSITY + "_ci_low"])


def test_intent_decomposition_by_hand():
    intent = curated_intents("gsm8k")[2]  # gsm8k-fleet-car-purchase
    assert intent.intent.split(" to ", 1)[1].startswith("find out the total amount Mark pays")
    value, shares = decomposition(intent, ["total amount for the cars please", "hmm what about trucks", "ok thanks"])
    # {total, amount, cars} all in the intent -> 1; {hmm, trucks} -> 0; no words left -> None
    assert shares == [1.0, 0.0, None]
    assert value == pytest.approx(0.5)
    assert math.isnan(decomposition(intent, [])[0])
    assert conversation_mean(INTENT_DECOMPOSITION)([conversation("x", 1, {INTENT_DECOMPOSITION: value})])[
        INTENT_DECOMPOSITION
    ] == pytest.approx(0.5)


def test_bootstrap_is_seeded_and_brackets_the_estimate():
    sums, counts = [3.0, 1.0, 0.0, 2.0], [3, 2, 2, 2]
    estimate, interval = pooled_mean(sums, counts)
    assert estimate == pytest.approx(6 / 9)
    assert interval == pooled_mean(sums, counts)[1]  # same seed, same interval
    assert interval[0] <= estimate <= interval[1] and interval[0] < interval[1]
    assert np.array_equal(resample_weights(4), resample_weights(4))
    assert resample_weights(4).sum(axis=1).tolist() == [4.0] * resample_weights(4).shape[0]


def test_one_intent_has_no_interval():
    estimate, interval = mean_of_intents([0.4])
    assert estimate == 0.4 and all(math.isnan(v) for v in interval)
    estimate, interval = mean_of_intents([NAN, NAN])
    assert math.isnan(estimate)


def test_by_intent_orders_by_intent_then_epoch():
    scores = [conversation("b", 2), conversation("a", 1), conversation("b", 1)]
    groups = by_intent(scores)
    assert [[(s.sample_id, s.score.metadata["epoch"]) for s in g] for g in groups] == [
        [("a", 1)],
        [("b", 1), ("b", 2)],
    ]


def test_first_turn_diversity_samples_large_evals(monkeypatch):
    import scorers.diversity as diversity

    monkeypatch.setattr(diversity, "FIRST_TURN_MAX_CONVERSATIONS", 3)
    scores = openings([(f"i{k}", f"word{k}") for k in range(6)])
    sampled = diversity._sample_conversations(by_intent(scores))
    assert sum(len(group) for group in sampled) == 3
    assert sampled == diversity._sample_conversations(by_intent(scores))  # seeded
    assert first_turn_difference()(scores)[FIRST_TURN_DIVERSITY] == 1.0  # distinct single words
