"""Confidence intervals by bootstrapping over intents.

Conversations of one intent are not independent (same task, same simulator prompt), so
the unit of resampling is the intent: each resample draws as many intents as there are,
with replacement, and recomputes the figure from the drawn intents' conversations. The
interval is the percentile interval of the resampled figures. Seeded, so a log always
reports the same interval.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from benchmark.constants import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED, CI_LEVEL, MIN_INTENTS_FOR_CI

NAN = float("nan")

Interval = tuple[float, float]


def resample_weights(n_intents: int, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED) -> np.ndarray:
    """How many times each intent is drawn in each resample: shape (resamples, n_intents)."""
    rng = np.random.default_rng(seed)
    return rng.multinomial(n_intents, np.full(n_intents, 1.0 / n_intents), size=resamples).astype(float)


def percentile_interval(estimates: np.ndarray, level: float = CI_LEVEL) -> Interval:
    """The central `level` percentile interval of the finite estimates (NaN if there are none)."""
    finite = estimates[np.isfinite(estimates)]
    if finite.size == 0:
        return NAN, NAN
    tail = (1.0 - level) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return float(low), float(high)


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
