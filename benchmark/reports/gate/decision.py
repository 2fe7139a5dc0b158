"""The gate's decision: the one-sided paired bootstrap test of the drop, the metrics' changes, the flipped intents."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import t as student_t

from benchmark.constants import EXIT_PASS, EXIT_REGRESSION, FLIP_THRESHOLD, GATE_TIE_TOLERANCE, MIN_INTENTS_FOR_CI
from benchmark.reports.gate.inputs import (
    METRICS,
    check_comparable,
    describe,
    has_metric,
    intent_listing,
    intent_values,
    log_names,
    select_side,
)
from benchmark.reports.gate.results import (
    DEFAULT_SETTINGS,
    Flip,
    GateResult,
    GateSettings,
    MetricDelta,
    UnusableInput,
)
from benchmark.reports.logs import read_logs
from benchmark.stats import mean_interval


def drop_test(baseline: np.ndarray, candidate: np.ndarray, settings: GateSettings) -> tuple[float, float]:
    """Mean drop (baseline - candidate) over paired intents, and the one-sided p-value of H0: drop <= max_drop.

    A paired t-test on the per-intent drops: its level holds for few intents, where a percentile bootstrap
    over intents raises false alarms (15% at 2 intents, 8% at 10, at the margin). A mean drop within
    GATE_TIE_TOLERANCE of the margin is the margin. With no spread (every intent drops alike) the drop is
    known exactly: p is 0 above the margin, 1/2 at it, 1 below.
    """
    drops = baseline - candidate
    mean = float(drops.mean())
    excess = mean - settings.max_drop
    if abs(excess) <= GATE_TIE_TOLERANCE:
        excess = 0.0
    spread = float(drops.std(ddof=1)) if len(drops) > 1 else 0.0
    if spread <= GATE_TIE_TOLERANCE:
        return mean, 0.0 if excess > 0 else 0.5 if excess == 0 else 1.0
    t = excess / (spread / np.sqrt(len(drops)))
    return mean, float(student_t.sf(t, df=len(drops) - 1))


def _delta(base: pd.Series, cand: pd.Series, metric: str, settings: GateSettings, task: str = "") -> MetricDelta | None:
    """The change of `metric` over the intents valued on both sides, with its interval; None if there are none."""
    both = pd.concat([base, cand], axis=1, keys=["b", "c"]).dropna()
    if both.empty:
        return None
    b, c = both["b"].to_numpy(float), both["c"].to_numpy(float)
    low, high = mean_interval(c - b, settings.resamples, settings.seed)
    return MetricDelta(metric, float(b.mean()), float(c.mean()), float((c - b).mean()), low, high, len(both), task)


def gate(baseline: pd.DataFrame, candidate: pd.DataFrame, settings: GateSettings = DEFAULT_SETTINGS) -> GateResult:
    """Compare two conversation frames (benchmark.reports.logs) and decide; raises UnusableInput."""
    if settings.metric not in METRICS:
        raise UnusableInput(f"unknown metric '{settings.metric}': use one of {', '.join(METRICS)}")
    b_side, c_side = describe("baseline", baseline), describe("candidate", candidate)
    warnings = check_comparable(baseline, candidate, b_side, c_side, settings.metric, settings)

    base_values = intent_values(baseline, settings.metric)
    cand_values = intent_values(candidate, settings.metric)
    for side, values, frame in (("baseline", base_values, baseline), ("candidate", cand_values, candidate)):
        missing = values.index[values.isna()]
        if len(missing):
            raise UnusableInput(
                f"{len(missing)} intents have no {settings.metric} in the {side} logs ({log_names(frame)}): "
                f"{intent_listing(missing)}; their conversations failed or were not scored. Rerun them "
                "(inspect eval-retry LOG) or run both sides with the same working intents"
            )
    if len(base_values) < MIN_INTENTS_FOR_CI:
        raise UnusableInput(f"only {len(base_values)} intent to compare: a paired test needs at least 2")

    b, c = base_values.to_numpy(float), cand_values.reindex(base_values.index).to_numpy(float)
    drop, p_value = drop_test(b, c, settings)
    regression = p_value < settings.alpha and drop > settings.max_drop + GATE_TIE_TOLERANCE

    pairs = {m: (base_values, cand_values) if m == settings.metric else _pair(baseline, candidate, m) for m in METRICS}
    deltas = [d for m in METRICS if (d := _delta(*pairs[m], m, settings)) is not None]
    tasks = sorted(b_side.tasks)
    by_task = []
    if len(tasks) > 1:
        for task in tasks:
            d = _delta(base_values.xs(task, drop_level=False), cand_values, settings.metric, settings, task)
            if d is not None:
                by_task.append(d)

    in_unit = bool(((b >= 0) & (b <= 1)).all() and ((c >= 0) & (c <= 1)).all())
    regressed, improved = [], []
    if in_unit:
        for (task, intent), bv, cv in zip(base_values.index, b, c, strict=True):
            if bv >= FLIP_THRESHOLD > cv:
                regressed.append(Flip(task, intent, float(bv), float(cv)))
            elif cv >= FLIP_THRESHOLD > bv:
                improved.append(Flip(task, intent, float(bv), float(cv)))
        regressed.sort(key=lambda f: (f.candidate - f.baseline, f.task, f.intent))
        improved.sort(key=lambda f: (f.baseline - f.candidate, f.task, f.intent))

    return GateResult(
        settings=settings,
        exit_code=EXIT_REGRESSION if regression else EXIT_PASS,
        drop=drop,
        p_value=p_value,
        intents=len(b),
        baseline=b_side,
        candidate=c_side,
        deltas=deltas,
        by_task=by_task,
        regressed=regressed,
        improved=improved,
        flips_computed=in_unit,
        warnings=warnings,
    )


def _pair(baseline: pd.DataFrame, candidate: pd.DataFrame, metric: str) -> tuple[pd.Series, pd.Series]:
    """Both sides' per-intent values of `metric`, empty when a side lacks it."""
    if not (has_metric(baseline, metric) and has_metric(candidate, metric)):
        return pd.Series(dtype=float), pd.Series(dtype=float)
    return intent_values(baseline, metric), intent_values(candidate, metric)


def compare_logs(
    baseline: Sequence[str | Path], candidate: Sequence[str | Path], settings: GateSettings = DEFAULT_SETTINGS
) -> GateResult:
    """Read both sides (log files or directories) and run the gate.

    Raises benchmark.reports.logs.LogReadError (names the file) or UnusableInput."""
    base, base_warnings = select_side(read_logs(baseline), "baseline")
    cand, cand_warnings = select_side(read_logs(candidate), "candidate")
    result = gate(base, cand, settings)
    result.warnings = base_warnings + cand_warnings + result.warnings
    return result
