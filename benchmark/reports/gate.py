"""The release gate: is a candidate assistant significantly worse than the baseline?

`userlm-bench compare BASELINE CANDIDATE` reads two sets of Inspect logs of the same
task(s), simulator and intents (a log file, or a directory of logs: one per task),
and:

1. pairs the conversations by intent (sample id, within each task) and averages each
   intent's epochs, so every intent counts once whatever its number of simulations;
2. runs a paired bootstrap over intents (intents resampled with replacement, seeded) on
   the per-intent differences of the gated metric (default `task_score`, higher is
   better). The drop is baseline minus candidate. H0: the true drop is at most
   `max_drop`; it is rejected, and the gate fails, when the share of resampled mean
   drops that are <= `max_drop` is below `alpha` (p-value, one-sided);
3. reports every per-conversation metric's change with a 95% interval, the change per
   task, and the intents whose outcome flipped (mean over epochs on the other side of
   FLIP_THRESHOLD).

Exit codes: 0 no significant regression beyond max_drop, 1 regression, 2 unusable input
(unreadable log, different tasks / task versions / simulators / intent sets, missing
metric), with a message that says what to fix and names the file.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from benchmark.constants import (
    CI_LEVEL,
    EXIT_PASS,
    EXIT_REGRESSION,
    EXIT_UNUSABLE,
    FLIP_THRESHOLD,
    GATE_ALPHA,
    GATE_MAX_DROP,
    GATE_METRIC,
    GATE_RESAMPLES,
    GATE_SEED,
    LEXICAL_DIVERSITY,
    MIN_INTENTS_FOR_CI,
    TURN_VARIANCE,
    USER_TURNS,
)
from benchmark.reports.logs import CONVERSATION_VALUES, USER_UNIGRAMS, Logs, read_logs
from benchmark.text import mean_pairwise_difference

PER_CONVERSATION = tuple(CONVERSATION_VALUES)
"""Metrics with one value per conversation: averaged over an intent's epochs."""
PER_INTENT = (TURN_VARIANCE, LEXICAL_DIVERSITY)
"""Metrics that compare an intent's epochs: one value per intent (NaN with one epoch)."""
METRICS = (*PER_CONVERSATION, *PER_INTENT)
KEY = ["task", "intent"]
"""An intent is identified by its task and sample id."""
MAX_LISTED = 20
"""Intents listed per direction in a summary (the JSON output lists all)."""
CHUNK = 1_000
"""Bootstrap resamples drawn at a time (bounds memory for thousands of intents)."""
CACHED_INDICES = 2_000_000
"""Resample indices up to this many entries (resamples x intents) are kept for reuse."""


class UnusableInput(ValueError):
    """The logs cannot be compared; the message says what to fix."""


@dataclass(frozen=True)
class GateSettings:
    metric: str = GATE_METRIC
    max_drop: float = GATE_MAX_DROP
    alpha: float = GATE_ALPHA
    resamples: int = GATE_RESAMPLES
    seed: int = GATE_SEED


@dataclass
class Side:
    """What one side of the comparison ran."""

    label: str
    logs: list[str]
    assistant: str
    simulator: str
    user_model: str
    tasks: dict[str, str]
    """task name -> task version"""
    conversations: int
    intents: int
    epochs: int
    """Most conversations of any intent."""


@dataclass
class MetricDelta:
    metric: str
    baseline: float
    candidate: float
    change: float
    """candidate - baseline, mean over the intents scored on both sides."""
    ci_low: float
    ci_high: float
    intents: int
    task: str = ""
    """Empty for all tasks together."""


@dataclass
class Flip:
    task: str
    intent: str
    baseline: float
    candidate: float


@dataclass
class GateResult:
    settings: GateSettings
    exit_code: int
    drop: float
    """baseline - candidate of the gated metric (positive: the candidate is worse)."""
    p_value: float
    intents: int
    baseline: Side
    candidate: Side
    deltas: list[MetricDelta]
    by_task: list[MetricDelta]
    regressed: list[Flip]
    improved: list[Flip]
    flips_computed: bool
    warnings: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> Literal["pass", "regression"]:
        return "regression" if self.exit_code == EXIT_REGRESSION else "pass"


# --- statistics ------------------------------------------------------------------------


def _index_chunks(n: int, resamples: int, seed: int) -> Iterator[np.ndarray]:
    """The entries each resample draws (with replacement), CHUNK resamples at a time, seeded."""
    rng = np.random.default_rng(seed)
    for start in range(0, resamples, CHUNK):
        yield rng.integers(0, n, size=(min(CHUNK, resamples - start), n), dtype=np.int32)


@functools.lru_cache(maxsize=8)
def _indices(n: int, resamples: int, seed: int) -> np.ndarray:
    indices = np.concatenate(list(_index_chunks(n, resamples, seed)))
    indices.flags.writeable = False
    return indices


def bootstrap_means(values: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """Means of `values` over `resamples` resamples (with replacement) of its entries, seeded.

    The same (n, resamples, seed) always draws the same resamples, so every metric of one
    comparison is resampled alike (paired across metrics, too)."""
    n = len(values)
    if n * resamples <= CACHED_INDICES:
        return values[_indices(n, resamples, seed)].mean(axis=1)
    return np.concatenate([values[chunk].mean(axis=1) for chunk in _index_chunks(n, resamples, seed)])


def interval(resampled: np.ndarray, level: float = CI_LEVEL) -> tuple[float, float]:
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(resampled, [tail, 100 - tail])
    return float(low), float(high)


def drop_test(baseline: np.ndarray, candidate: np.ndarray, settings: GateSettings) -> tuple[float, float]:
    """Mean drop (baseline - candidate) over paired intents, and the one-sided bootstrap p-value of
    H0: drop <= max_drop (the share of resampled mean drops at or below max_drop, +1 smoothed)."""
    drops = baseline - candidate
    resampled = bootstrap_means(drops, settings.resamples, settings.seed)
    p_value = (1 + int(np.sum(resampled <= settings.max_drop))) / (settings.resamples + 1)
    return float(drops.mean()), float(p_value)


# --- per-intent values -------------------------------------------------------------------


def _turn_variance(turns: pd.Series) -> float:
    values = turns.dropna().to_numpy(float)
    return float(values.var()) if len(values) >= 2 else math.nan


def _lexical_diversity(words: pd.Series) -> float:
    sets = [frozenset(str(w).split()) for w in words if isinstance(w, str)]
    return mean_pairwise_difference(sets) if len(sets) >= 2 else math.nan


def intent_values(conversations: pd.DataFrame, metric: str) -> pd.Series:
    """One value of `metric` per intent, indexed by (task, intent): the mean over its epochs
    (NaN values left out) for per-conversation metrics, the across-epoch figure otherwise."""
    grouped = conversations.groupby(KEY, sort=True)
    if metric == TURN_VARIANCE:
        return grouped[USER_TURNS].apply(_turn_variance).rename(metric)
    if metric == LEXICAL_DIVERSITY:
        return grouped[USER_UNIGRAMS].apply(_lexical_diversity).rename(metric)
    return grouped[metric].mean().rename(metric)


def _has_metric(conversations: pd.DataFrame, metric: str) -> bool:
    if metric == TURN_VARIANCE:
        metric = USER_TURNS
    elif metric == LEXICAL_DIVERSITY:
        return USER_UNIGRAMS in conversations and conversations[USER_UNIGRAMS].notna().any()
    return metric in conversations and bool(conversations[metric].notna().any())


def _delta(base: pd.Series, cand: pd.Series, metric: str, settings: GateSettings, task: str = "") -> MetricDelta | None:
    both = pd.concat([base, cand], axis=1, keys=["b", "c"]).dropna()
    if both.empty:
        return None
    b, c = both["b"].to_numpy(float), both["c"].to_numpy(float)
    low, high = (math.nan, math.nan)
    if len(both) >= MIN_INTENTS_FOR_CI:
        low, high = interval(bootstrap_means(c - b, settings.resamples, settings.seed))
    return MetricDelta(metric, float(b.mean()), float(c.mean()), float((c - b).mean()), low, high, len(both), task)


# --- checks ----------------------------------------------------------------------------


def _files(frame: pd.DataFrame) -> str:
    logs = sorted(set(frame["log"])) if "log" in frame and len(frame) else []
    return ", ".join(logs) if logs else "(no log)"


def _values(frame: pd.DataFrame, column: str) -> list[str]:
    if column not in frame:
        return []
    return sorted(v for v in frame[column].dropna().astype(str).unique() if v)


def describe(label: str, frame: pd.DataFrame) -> Side:
    per_intent = frame.groupby(KEY).size() if len(frame) else pd.Series(dtype=int)
    versions = frame.groupby("task")["task_version"].first() if "task_version" in frame else pd.Series(dtype=str)
    return Side(
        label=label,
        logs=sorted(set(frame["log"])) if "log" in frame else [],
        assistant=", ".join(_values(frame, "assistant")),
        simulator=", ".join(_values(frame, "simulator")),
        user_model=", ".join(_values(frame, "user_model")),
        tasks={str(task): str(version) for task, version in versions.items()}
        if len(versions)
        else {str(t): "" for t in _values(frame, "task")},
        conversations=len(frame),
        intents=len(per_intent),
        epochs=int(per_intent.max()) if len(per_intent) else 0,
    )


def _listing(keys: Iterable[tuple[str, str]]) -> str:
    keys = sorted(keys)
    shown = ", ".join(f"{task}:{intent}" for task, intent in keys[:5])
    return shown + (f" and {len(keys) - 5} more" if len(keys) > 5 else "")


def _check_comparable(base: pd.DataFrame, cand: pd.DataFrame, b: Side, c: Side, metric: str) -> list[str]:
    warnings: list[str] = []
    for side, frame in ((b, base), (c, cand)):
        if frame.empty:
            raise UnusableInput(f"the {side.label} logs hold no conversations: {_files(frame)}")
        if "," in side.simulator:
            raise UnusableInput(
                f"the {side.label} logs mix simulators ({side.simulator}): pass logs of one simulator ({_files(frame)})"
            )
        if "," in side.assistant:
            raise UnusableInput(
                f"the {side.label} logs hold several assistants ({side.assistant}): pass one assistant's logs "
                f"({_files(frame)})"
            )
    if set(b.tasks) != set(c.tasks):
        raise UnusableInput(
            f"different tasks: baseline has {sorted(b.tasks)} ({_files(base)}), candidate has {sorted(c.tasks)} "
            f"({_files(cand)}); run the candidate on the baseline's tasks"
        )
    for task, version in b.tasks.items():
        if c.tasks[task] != version:
            raise UnusableInput(
                f"{task}: baseline is task version {version}, candidate is {c.tasks[task]}: their scores are not "
                "comparable; rerun the baseline with the current task version and store that log"
            )
    if b.simulator != c.simulator:
        raise UnusableInput(
            f"different simulators: baseline used {b.simulator or '?'} ({_files(base)}), candidate used "
            f"{c.simulator or '?'} ({_files(cand)}); run the candidate with -T simulator={b.simulator}"
        )
    base_keys = set(map(tuple, base[KEY].drop_duplicates().to_numpy()))
    cand_keys = set(map(tuple, cand[KEY].drop_duplicates().to_numpy()))
    if base_keys != cand_keys:
        only_b, only_c = base_keys - cand_keys, cand_keys - base_keys
        parts = []
        if only_b:
            parts.append(f"{len(only_b)} intents only in the baseline ({_listing(only_b)})")
        if only_c:
            parts.append(f"{len(only_c)} intents only in the candidate ({_listing(only_c)})")
        raise UnusableInput(
            "different intent sets: "
            + "; ".join(parts)
            + f". Baseline: {_files(base)}; candidate: {_files(cand)}. Run both with the same intents "
            "(-T intents=..., --limit, --sample-id)"
        )
    for side, frame in ((b, base), (c, cand)):
        if not _has_metric(frame, metric):
            found = [m for m in METRICS if _has_metric(frame, m)]
            raise UnusableInput(
                f"metric '{metric}' is missing from the {side.label} logs ({_files(frame)}); metrics found: "
                + (", ".join(found) or "none")
            )
    if b.user_model != c.user_model:
        warnings.append(f"the user model differs: baseline {b.user_model or '?'}, candidate {c.user_model or '?'}")
    if b.epochs != c.epochs:
        warnings.append(f"epochs differ: baseline {b.epochs}, candidate {c.epochs} (each intent's epochs are averaged)")
    for side, frame in ((b, base), (c, cand)):
        errors = int((frame["error"].astype(str) != "").sum()) if "error" in frame else 0
        if errors:
            warnings.append(f"{errors} {side.label} conversations ended in an error and are left out")
    return warnings


# --- the gate ------------------------------------------------------------------------------


def gate(baseline: pd.DataFrame, candidate: pd.DataFrame, settings: GateSettings = GateSettings()) -> GateResult:
    """Compare two conversation frames (benchmark.reports.logs) and decide; raises UnusableInput."""
    if settings.metric not in METRICS:
        raise UnusableInput(f"unknown metric '{settings.metric}': use one of {', '.join(METRICS)}")
    b_side, c_side = describe("baseline", baseline), describe("candidate", candidate)
    warnings = _check_comparable(baseline, candidate, b_side, c_side, settings.metric)

    base_values = intent_values(baseline, settings.metric)
    cand_values = intent_values(candidate, settings.metric)
    for side, values, frame in (("baseline", base_values, baseline), ("candidate", cand_values, candidate)):
        missing = values.index[values.isna()]
        if len(missing):
            raise UnusableInput(
                f"{len(missing)} intents have no {settings.metric} in the {side} logs ({_files(frame)}): "
                f"{_listing(missing)}; their conversations failed or were not scored. Rerun them "
                "(inspect eval-retry LOG) or run both sides with the same working intents"
            )
    if len(base_values) < MIN_INTENTS_FOR_CI:
        raise UnusableInput(f"only {len(base_values)} intent to compare: a paired test needs at least 2")

    b, c = base_values.to_numpy(float), cand_values.reindex(base_values.index).to_numpy(float)
    drop, p_value = drop_test(b, c, settings)
    regression = p_value < settings.alpha and drop > settings.max_drop

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
    if not (_has_metric(baseline, metric) and _has_metric(candidate, metric)):
        return pd.Series(dtype=float), pd.Series(dtype=float)
    return intent_values(baseline, metric), intent_values(candidate, metric)


def latest_per_task(logs: Logs, label: str) -> tuple[pd.DataFrame, list[str]]:
    """The conversations of the newest log of each task (a directory may hold re-runs)."""
    evals = logs.evals
    warnings = []
    if evals.empty:
        raise UnusableInput(f"no {label} logs")
    incomplete = evals[evals["status"] != "success"]
    for row in incomplete.itertuples():
        warnings.append(f"{label} log {Path(row.log).name} has status '{row.status}': it may be incomplete")
    chosen = evals.sort_values("created", kind="stable").groupby("task").tail(1)
    dropped = evals[~evals["eval_id"].isin(chosen["eval_id"])]
    for row in dropped.itertuples():
        warnings.append(f"{label}: older log {Path(row.log).name} of {row.task} ignored (a newer one is used)")
    frame = logs.conversations[logs.conversations["eval_id"].isin(chosen["eval_id"])].reset_index(drop=True)
    if frame.empty:
        files = ", ".join(chosen["log"])
        raise UnusableInput(f"the {label} logs hold no conversations (no samples were logged): {files}")
    return frame, warnings


def compare_logs(
    baseline: Sequence[str | Path], candidate: Sequence[str | Path], settings: GateSettings = GateSettings()
) -> GateResult:
    """Read both sides (log files or directories) and run the gate.

    Raises benchmark.reports.logs.LogReadError (names the file) or UnusableInput."""
    base, base_warnings = latest_per_task(read_logs(baseline), "baseline")
    cand, cand_warnings = latest_per_task(read_logs(candidate), "candidate")
    result = gate(base, cand, settings)
    result.warnings = base_warnings + cand_warnings + result.warnings
    return result


# --- output -----------------------------------------------------------------------------------


def _num(value: float, digits: int = 3, sign: bool = False) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    value = round(value, digits) + 0.0  # no "-0.000"
    return f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"


def _ci(low: float, high: float, sign: bool = True) -> str:
    if not (math.isfinite(low) and math.isfinite(high)):
        return "n/a"
    return f"[{_num(low, sign=sign)}, {_num(high, sign=sign)}]"


def _p(value: float) -> str:
    return f"p = {value:.4f}" if value >= 1e-4 else "p < 0.0001"


def _names(logs: list[str]) -> str:
    return ", ".join(f"`{Path(log).name}`" for log in logs) or "(none)"


def render_markdown(result: GateResult) -> str:
    """A summary fit for a pull-request comment."""
    s = result.settings
    metric = s.metric
    level = f"{CI_LEVEL:.0%}"
    gated = next((d for d in result.deltas if d.metric == metric), None)
    interval_text = f" ({level} CI of the change {_ci(gated.ci_low, gated.ci_high)})" if gated else ""
    method = (
        f"one-sided paired bootstrap over {result.intents} intents, {s.resamples} resamples, seed {s.seed}; "
        f"epochs averaged per intent"
    )
    if result.verdict == "regression":
        title = f"## userlm-bench compare: REGRESSION in `{metric}`"
        verdict = (
            f"`{metric}` dropped by **{_num(result.drop)}**{interval_text}, significantly more than the allowed "
            f"{_num(s.max_drop)} ({_p(result.p_value)} < alpha = {s.alpha}; {method})."
        )
    else:
        title = f"## userlm-bench compare: no significant regression in `{metric}`"
        verdict = (
            f"`{metric}` changed by **{_num(-result.drop, sign=True)}**{interval_text}; a drop larger than "
            f"{_num(s.max_drop)} is not significant ({_p(result.p_value)}, alpha = {s.alpha}; {method})."
        )
    b, c = result.baseline, result.candidate
    tasks = ", ".join(f"{t} {v}" for t, v in sorted(b.tasks.items()))
    lines = [
        title,
        "",
        verdict,
        "",
        f"Candidate `{c.assistant}` vs baseline `{b.assistant}` on {tasks}, simulator `{b.simulator}` "
        f"(user `{b.user_model or '?'}`), {result.intents} intents, epochs {b.epochs} / {c.epochs}.",
        "",
        f"| metric | baseline | candidate | change | {level} CI | intents |",
        "| --- | ---: | ---: | ---: | --- | ---: |",
    ]
    for d in result.deltas:
        name = f"**{d.metric}** (gated)" if d.metric == metric else d.metric
        lines.append(
            f"| {name} | {_num(d.baseline)} | {_num(d.candidate)} | {_num(d.change, sign=True)} | "
            f"{_ci(d.ci_low, d.ci_high)} | {d.intents} |"
        )
    if result.by_task:
        lines += ["", f"`{metric}` by task:", "", f"| task | baseline | candidate | change | {level} CI | intents |"]
        lines.append("| --- | ---: | ---: | ---: | --- | ---: |")
        for d in result.by_task:
            lines.append(
                f"| {d.task} | {_num(d.baseline)} | {_num(d.candidate)} | {_num(d.change, sign=True)} | "
                f"{_ci(d.ci_low, d.ci_high)} | {d.intents} |"
            )
    lines.append("")
    if result.flips_computed:
        lines.append(
            f"Intents that flipped (`{metric}` averaged over epochs, on the other side of {FLIP_THRESHOLD}): "
            f"{len(result.regressed)} got worse, {len(result.improved)} got better."
        )
        for label, flips in (("Got worse", result.regressed), ("Got better", result.improved)):
            if not flips:
                continue
            lines += ["", f"<details><summary>{label} ({len(flips)})</summary>", ""]
            lines += ["| task | intent | baseline | candidate |", "| --- | --- | ---: | ---: |"]
            for f in flips[:MAX_LISTED]:
                lines.append(f"| {f.task} | `{f.intent}` | {_num(f.baseline, 2)} | {_num(f.candidate, 2)} |")
            if len(flips) > MAX_LISTED:
                lines.append(f"| | and {len(flips) - MAX_LISTED} more (see `--format json`) | | |")
            lines += ["", "</details>"]
    else:
        lines.append(f"Flipped intents are listed only for metrics between 0 and 1; `{metric}` is not.")
    lines += ["", f"Baseline logs: {_names(b.logs)}. Candidate logs: {_names(c.logs)}."]
    if result.warnings:
        lines += ["", "Warnings:", ""] + [f"- {w}" for w in result.warnings]
    return "\n".join(lines) + "\n"


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def render_json(result: GateResult) -> str:
    data = asdict(result)
    data = {"verdict": result.verdict, **data}
    return json.dumps(_clean(data), indent=2) + "\n"


def render_error(message: str, fmt: str) -> str:
    """What `compare` prints on unusable input (exit 2)."""
    if fmt == "json":
        return json.dumps({"verdict": "unusable", "exit_code": EXIT_UNUSABLE, "error": message}, indent=2) + "\n"
    return f"## userlm-bench compare: unusable input\n\n{message}\n"
