"""The bootstrap over intents (benchmark.stats) on inputs small enough to check by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from benchmark import stats
from benchmark.stats import (
    CHUNK,
    bootstrap_interval,
    bootstrap_means,
    index_chunks,
    mean_interval,
    mean_of_intents,
    percentile_interval,
    pooled_difference,
    pooled_mean,
    resample_weights,
    resampled,
)


def is_nan_pair(interval: tuple[float, float]) -> bool:
    return all(math.isnan(bound) for bound in interval)


# --- percentile intervals and weights ----------------------------------------------------------


def test_percentile_interval_is_the_central_share_of_the_finite_estimates():
    hundred_and_one = np.arange(101, dtype=float)  # 0, 1, ..., 100: the p-th percentile is p
    assert percentile_interval(hundred_and_one) == pytest.approx((2.5, 97.5))
    assert percentile_interval(hundred_and_one, level=0.5) == (25.0, 75.0)
    with_gaps = np.concatenate([hundred_and_one, [math.nan, math.inf, -math.inf]])
    assert percentile_interval(with_gaps) == percentile_interval(hundred_and_one)
    assert is_nan_pair(percentile_interval(np.array([math.nan, math.nan])))


def test_resample_weights_draw_as_many_intents_as_there_are_seeded():
    weights = resample_weights(4, resamples=50, seed=3)
    assert weights.shape == (50, 4)
    assert (weights.sum(axis=1) == 4).all() and (weights >= 0).all() and (weights == weights.round()).all()
    assert np.array_equal(weights, resample_weights(4, resamples=50, seed=3))
    assert not np.array_equal(weights, resample_weights(4, resamples=50, seed=4))


def test_bootstrap_interval_needs_two_intents():
    assert is_nan_pair(bootstrap_interval(1, lambda w: w[:, 0]))
    assert bootstrap_interval(3, lambda w: np.full(len(w), 0.25)) == (0.25, 0.25)


def test_pooled_mean_weights_intents_by_their_conversations():
    # intent a: 1 of 2 solved, intent b: 3 of 4 solved -> 4 of 6 conversations
    estimate, (low, high) = pooled_mean([1.0, 3.0], [2, 4])
    assert estimate == pytest.approx(4 / 6)
    assert 0.5 <= low <= estimate <= high <= 0.75  # a resample is at best all b, at worst all a
    # the same rate in every intent: every resample gives it
    assert pooled_mean([1.0, 1.0, 1.0], [2, 2, 2]) == (0.5, (0.5, 0.5))
    # an intent without observed values counts for nothing; none at all: NaN
    assert pooled_mean([1.0, 0.0, 1.0], [2, 0, 2]) == (0.5, (0.5, 0.5))
    estimate, interval = pooled_mean([0.0], [0])
    assert math.isnan(estimate) and is_nan_pair(interval)


def test_mean_of_intents_leaves_out_undefined_intents():
    assert mean_of_intents([0.2, math.nan, 0.2]) == (pytest.approx(0.2), (pytest.approx(0.2), pytest.approx(0.2)))
    estimate, (low, high) = mean_of_intents([0.0, 1.0])
    assert estimate == 0.5 and 0.0 <= low <= 0.5 <= high <= 1.0
    estimate, interval = mean_of_intents([0.7])
    assert estimate == 0.7 and is_nan_pair(interval)
    estimate, interval = mean_of_intents([math.nan])
    assert math.isnan(estimate) and is_nan_pair(interval)


# --- index resamples ---------------------------------------------------------------------------


def test_index_chunks_draw_chunk_resamples_at_a_time():
    chunks = list(index_chunks(7, 2 * CHUNK + 5, np.random.default_rng(0)))
    assert [chunk.shape for chunk in chunks] == [(CHUNK, 7), (CHUNK, 7), (5, 7)]
    assert all(chunk.dtype == np.int32 and chunk.min() >= 0 and chunk.max() < 7 for chunk in chunks)


def test_cached_and_chunked_resamples_are_the_same_draws(monkeypatch):
    values = np.array([0.0, 1.0, 0.5, 0.25, 1.0])
    cached = bootstrap_means(values, 2500, seed=9)
    monkeypatch.setattr(stats, "CACHED_INDICES", 0)
    chunked = bootstrap_means(values, 2500, seed=9)
    assert np.array_equal(cached, chunked)
    # and they are what the drawn indices give
    indices = np.concatenate(list(index_chunks(5, 2500, np.random.default_rng(9))))
    assert np.array_equal(chunked, values[indices].mean(axis=1))


def test_large_resamples_reach_the_statistic_a_chunk_at_a_time(monkeypatch):
    """Memory: many resamples of many intents never hold more than CHUNK resamples' indices."""
    monkeypatch.setattr(stats, "CACHED_INDICES", 100)
    rows = []
    figures = resampled(50, lambda indices: rows.append(len(indices)) or indices.mean(axis=1), 2 * CHUNK + 1, seed=1)
    assert rows == [CHUNK, CHUNK, 1] and figures.shape == (2 * CHUNK + 1,)


def test_a_generator_continues_its_stream():
    rng = np.random.default_rng(5)
    first = resampled(4, lambda indices: indices.sum(axis=1).astype(float), 10, rng)
    second = resampled(4, lambda indices: indices.sum(axis=1).astype(float), 10, rng)
    assert np.array_equal(first, resampled(4, lambda indices: indices.sum(axis=1).astype(float), 10, seed=5))
    assert not np.array_equal(first, second)


def test_bootstrap_means_of_one_value_per_intent():
    assert (bootstrap_means(np.array([0.3]), 20, seed=0) == 0.3).all()  # one intent: every resample is it
    means = bootstrap_means(np.array([0.0, 1.0]), 1000, seed=0)
    assert set(np.unique(means)) <= {0.0, 0.5, 1.0}  # two draws of 0 or 1


def test_mean_interval_needs_two_intents():
    assert is_nan_pair(mean_interval(np.array([0.4]), 100, seed=0))
    assert mean_interval(np.array([0.4, 0.4, 0.4]), 100, seed=0) == (pytest.approx(0.4), pytest.approx(0.4))
    low, high = mean_interval(np.array([0.0, 1.0]), 1000, seed=0)
    assert (low, high) == (0.0, 1.0)  # about a quarter of the resamples draw only 0s, a quarter only 1s


def test_pooled_difference_pairs_by_intent():
    solved, counts = np.array([0.0, 2.0, 1.0, 2.0]), np.array([2.0, 2.0, 2.0, 2.0])
    estimate, interval = pooled_difference((solved, counts), (solved, counts), True, 500, seed=0)
    assert estimate == 0.0 and interval == (0.0, 0.0)  # paired: the same intents on both sides, every time
    _, (low, high) = pooled_difference((solved, counts), (solved, counts), False, 500, seed=0)
    assert low < 0.0 < high  # unpaired: each side drawn on its own


def test_pooled_difference_of_constant_sides_and_of_too_few_intents():
    # first: 1 of 2 solved in each intent (0.5), second: none solved (0.0)
    first, second = (np.array([1.0, 1.0]), np.array([2.0, 2.0])), (np.array([0.0, 0.0, 0.0]), np.ones(3))
    assert pooled_difference(first, second, False, 200, seed=0) == (0.5, (0.5, 0.5))
    estimate, interval = pooled_difference(first, (np.array([1.0]), np.array([4.0])), False, 200, seed=0)
    assert estimate == 0.25 and is_nan_pair(interval)
