"""The gate's result as text: a markdown summary for a pull request, JSON, and the unusable-input message."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path
from typing import Any

from benchmark.constants import CI_LEVEL, EXIT_UNUSABLE, FLIP_THRESHOLD
from benchmark.reports.gate.results import GateResult

MAX_LISTED = 20
"""Intents listed per direction in a summary (the JSON output lists all)."""


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
        f"one-sided paired t-test over {result.intents} intents, epochs averaged per intent; intervals: "
        f"bootstrap over intents, {s.resamples} resamples, seed {s.seed}"
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
