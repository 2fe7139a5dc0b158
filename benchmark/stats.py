"""Bootstrap over intents: the one resampling home of the scorers, the leaderboard and the gate.

Conversations of one intent are not independent (same task, same simulator prompt), so
the unit of resampling is the intent: each resample draws as many intents as there are,
with replacement, and recomputes the figure from the drawn intents' conversations. The
interval is the percentile interval of the resampled figures. Seeded, so the same input
always gives the same interval.

Resamples are drawn in one of two seeded ways, each kept because its numbers are published:

- weights (`resample_weights`, `bootstrap_interval`): how often each intent is drawn, one
  multinomial row per resample. The scorers' intervals, which every log holds.
- indices (`resampled`, `bootstrap_means`): which intents each resample draws, CHUNK
  resamples at a time so that 10,000 resamples of thousands of intents stay small. The
  gate's p-values and intervals and the leaderboard's inflation-gap interval.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from benchmark.constants import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED, CI_LEVEL, MIN_INTENTS_FOR_CI

NAN = float("nan")

Interval = tuple[float, float]

CHUNK = 1_000
"""Resamples whose indices are drawn at a time (bounds memory for thousands of intents)."""
CACHED_INDICES = 2_000_000
"""Resample indices up to this many entries (resamples x intents) are kept for reuse."""


# --- percentile intervals ------------------------------------------------------------------


def percentile_interval(estimates: np.ndarray, level: float = CI_LEVEL) -> Interval:
    """The central `level` percentile interval of the finite estimates (NaN if there are none)."""
    finite = estimates[np.isfinite(estimates)]
    if finite.size == 0:
        return NAN, NAN
    tail = (1.0 - level) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return float(low), float(high)


# --- weights: the scorers' intervals ---------------------------------------------------------


def resample_weights(n_intents: int, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED) -> np.ndarray:
    """How many times each intent is drawn in each resample: shape (resamples, n_intents)."""
    rng = np.random.default_rng(seed)
    return rng.multinomial(n_intents, np.full(n_intents, 1.0 / n_intents), size=resamples).astype(float)


def bootstrap_interval(n_intents: int, statistic: Callable[[np.ndarray], np.ndarray]) -> Interval:
    """Interval of `statistic`, which maps resample weights (resamples, n_intents) to one figure per resample.

    Missing (NaN, NaN) with fewer than MIN_INTENTS_FOR_CI intents: one intent gives no spread to resample.
    """
    if n_intents < MIN_INTENTS_FOR_CI:
        return NAN, NAN
    with np.errstate(invalid="ignore", divide="ignore"):
        return percentile_interval(statistic(resample_weights(n_intents)))


def pooled_mean(sums: Sequence[float], counts: Sequence[int]) -> tuple[float, Interval]:
    """Mean over conversations, given each intent's sum and count of observed values, and its interval."""
    total, n = float(np.sum(sums)), int(np.sum(counts))
    estimate = total / n if n else NAN
    used = [i for i, count in enumerate(counts) if count > 0]
    s, c = np.asarray(sums, float)[used], np.asarray(counts, float)[used]
    return estimate, bootstrap_interval(len(used), lambda w: (w @ s) / (w @ c))


def mean_of_intents(values: Sequence[float]) -> tuple[float, Interval]:
    """Mean of per-intent figures (NaN entries, intents where the figure is undefined, left out) and its interval."""
    finite = np.asarray([v for v in values if not math.isnan(v)], float)
    if finite.size == 0:
        return NAN, (NAN, NAN)
    return float(finite.mean()), bootstrap_interval(finite.size, lambda w: (w @ finite) / w.sum(axis=1))


# --- indices: the reports' resamples ---------------------------------------------------------


def index_chunks(n_intents: int, resamples: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """The intents each resample draws (with replacement), CHUNK resamples at a time: (chunk, n_intents) arrays."""
    for start in range(0, resamples, CHUNK):
        yield rng.integers(0, n_intents, size=(min(CHUNK, resamples - start), n_intents), dtype=np.int32)


@functools.lru_cache(maxsize=8)
def _cached_indices(n_intents: int, resamples: int, seed: int) -> np.ndarray:
    indices = np.concatenate(list(index_chunks(n_intents, resamples, np.random.default_rng(seed))))
    indices.flags.writeable = False
    return indices


def resampled(
    n_intents: int, statistic: Callable[[np.ndarray], np.ndarray], resamples: int, seed: int | np.random.Generator
) -> np.ndarray:
    """`statistic` of every resample: it maps drawn indices (k, n_intents) to k figures.

    The same (n_intents, resamples, seed) always draws the same resamples, kept for reuse when
    small, so every figure of one comparison is resampled alike. A Generator instead of a seed
    continues its stream: a second side drawn after the first is independent of it.
    """
    if not isinstance(seed, np.random.Generator) and n_intents * resamples <= CACHED_INDICES:
        return statistic(_cached_indices(n_intents, resamples, seed))
    rng = np.random.default_rng(seed)
    return np.concatenate([statistic(chunk) for chunk in index_chunks(n_intents, resamples, rng)])


def bootstrap_means(values: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """Means of `values` (one per intent) over `resamples` seeded resamples of its entries."""
    return resampled(len(values), lambda indices: values[indices].mean(axis=1), resamples, seed)


def mean_interval(values: np.ndarray, resamples: int, seed: int) -> Interval:
    """Percentile interval of the mean of `values` (one per intent); NaN with fewer than MIN_INTENTS_FOR_CI."""
    if len(values) < MIN_INTENTS_FOR_CI:
        return NAN, NAN
    return percentile_interval(bootstrap_means(values, resamples, seed))


def pooled_difference(
    first: tuple[np.ndarray, np.ndarray], second: tuple[np.ndarray, np.ndarray], paired: bool, resamples: int, seed: int
) -> tuple[float, Interval]:
    """First minus second mean over conversations, each side given as per-intent (sums, counts), and its interval.

    Paired (both sides hold the same intents, in the same order): each resample draws the same
    intents on both sides. Otherwise each side is resampled on its own, the second after the first
    from one seeded stream. NaN interval when a side has fewer than MIN_INTENTS_FOR_CI intents.
    """
    (first_sums, first_counts), (second_sums, second_counts) = first, second
    estimate = float(first_sums.sum() / first_counts.sum() - second_sums.sum() / second_counts.sum())
    if min(len(first_sums), len(second_sums)) < MIN_INTENTS_FOR_CI:
        return estimate, (NAN, NAN)

    def first_mean(indices: np.ndarray) -> np.ndarray:
        return first_sums[indices].sum(1) / first_counts[indices].sum(1)

    def second_mean(indices: np.ndarray) -> np.ndarray:
        return second_sums[indices].sum(1) / second_counts[indices].sum(1)

    rng = np.random.default_rng(seed)
    if paired:
        differences = resampled(len(first_sums), lambda i: first_mean(i) - second_mean(i), resamples, rng)
    else:
        first_means = resampled(len(first_sums), first_mean, resamples, rng)
        differences = first_means - resampled(len(second_sums), second_mean, resamples, rng)
    return estimate, percentile_interval(differences)
