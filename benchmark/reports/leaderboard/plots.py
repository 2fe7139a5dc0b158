"""The leaderboard's plots (matplotlib, headless): task scores by assistant and simulator, and the inflation gaps."""

from __future__ import annotations

import io
import math
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from benchmark.constants import (
    CI_HIGH_SUFFIX,
    CI_LOW_SUFFIX,
    END_F1,
    FIRST_TURN_DIVERSITY,
    INTENT_ADHERENCE,
    ROLE_ADHERENCE,
    TASK_SCORE,
)
from benchmark.reports.leaderboard.columns import INFLATION_GAP, PROMPTED, USERLM
from benchmark.reports.leaderboard.simulators import HUMAN_TURNS, PUBLISHED

if TYPE_CHECKING:
    from matplotlib.figure import Figure

PLOT_COLOURS = {USERLM: "#1f77b4", PROMPTED: "#ff7f0e"}
OTHER_COLOUR = "#7f7f7f"
HUMAN_COLOUR = "#2ca02c"
SIMULATOR_PANELS = (
    (END_F1, "end F1"),
    (FIRST_TURN_DIVERSITY, "first-turn diversity"),
    (ROLE_ADHERENCE, "role adherence"),
    (INTENT_ADHERENCE, "intent adherence"),
)
"""The simulator plot's panels: (figure, title)."""


def _pyplot() -> ModuleType:
    """matplotlib's pyplot on the Agg backend (no display needed), imported only when a plot is drawn."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(figure: Figure) -> bytes:
    """The figure as PNG bytes; the figure is closed."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    _pyplot().close(figure)
    return buffer.getvalue()


def plot_task_scores(rows: pd.DataFrame) -> bytes:
    """Task score by assistant (x) and simulator / user model (bars), one panel per task, 95% CI error bars."""
    plt = _pyplot()
    panels = sorted({(t, v) for t, v in zip(rows["task"], rows["task_version"], strict=True)}) or [("", "")]
    figure, axes = plt.subplots(1, len(panels), figsize=(max(5.5, 4.8 * len(panels)), 4.2), squeeze=False)
    for axis, (task, version) in zip(axes[0], panels, strict=True):
        data = rows[(rows["task"] == task) & (rows["task_version"] == version)]
        assistants = sorted(set(data["assistant"]))
        series = sorted({(s, u) for s, u in zip(data["simulator"], data["user_model"], strict=True)})
        width = 0.8 / max(1, len(series))
        shade: dict[str, int] = {}
        for k, (simulator, user) in enumerate(series):
            shade[simulator] = shade.get(simulator, -1) + 1
            subset = data[(data["simulator"] == simulator) & (data["user_model"] == user)]
            subset = subset.groupby("assistant").tail(1).set_index("assistant")
            xs, ys, lows, highs = [], [], [], []
            for i, assistant in enumerate(assistants):
                if assistant not in subset.index:
                    continue
                r = subset.loc[assistant]
                y = float(r[TASK_SCORE]) if math.isfinite(r[TASK_SCORE]) else 0.0
                low, high = r[TASK_SCORE + CI_LOW_SUFFIX], r[TASK_SCORE + CI_HIGH_SUFFIX]
                xs.append(i - 0.4 + width * (k + 0.5))
                ys.append(y)
                lows.append(max(0.0, y - low) if math.isfinite(low) else 0.0)
                highs.append(max(0.0, high - y) if math.isfinite(high) else 0.0)
            bars = axis.bar(
                xs,
                ys,
                width * 0.92,
                yerr=[lows, highs],
                capsize=4,
                color=PLOT_COLOURS.get(simulator, OTHER_COLOUR),
                alpha=max(0.35, 1.0 - 0.3 * shade[simulator]),  # a second user model of a simulator: lighter
                label=f"{simulator} ({user})",
                edgecolor="white",
            )
            axis.bar_label(bars, labels=[f"{y:.2f}" for y in ys], fontsize=7, padding=2, label_type="center")
        axis.set_xticks(range(len(assistants)), assistants, rotation=15, ha="right")
        axis.set_ylim(0, 1.05)
        axis.set_ylabel("task score")
        axis.set_title(f"{task} {version}".strip(), fontsize=11)
        axis.grid(axis="y", alpha=0.3)
        if series:
            axis.legend(fontsize=8, title="simulator (user model)", title_fontsize=8, loc="upper right")
    figure.suptitle("Task score by assistant and simulator (95% CI over intents)", fontsize=12)
    figure.tight_layout()
    return _png(figure)


def plot_inflation_gaps(gaps: pd.DataFrame) -> bytes:
    """The inflation gap per assistant and task (horizontal bars with 95% CIs)."""
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(7.5, max(2.4, 0.45 * len(gaps) + 1.6)))
    if gaps.empty:
        axis.text(
            0.5,
            0.5,
            "No assistant has both a prompted and a userlm run\nof the same task version: no inflation gap.",
            ha="center",
            va="center",
            fontsize=11,
        )
        axis.set_axis_off()
    else:
        labels = [
            f"{g.assistant} · {g.task}\n(prompted: {g.prompted_user_model})" for g in gaps.itertuples(index=False)
        ]
        values = gaps[INFLATION_GAP].fillna(0.0).to_numpy(float)
        low = (values - gaps[INFLATION_GAP + CI_LOW_SUFFIX].fillna(gaps[INFLATION_GAP])).to_numpy(float)
        high = (gaps[INFLATION_GAP + CI_HIGH_SUFFIX].fillna(gaps[INFLATION_GAP]) - values).to_numpy(float)
        ys = np.arange(len(gaps))[::-1]
        colours = ["#d62728" if v > 0 else "#2ca02c" for v in values]
        bars = axis.barh(ys, values, xerr=[np.clip(low, 0, None), np.clip(high, 0, None)], color=colours, capsize=4)
        axis.bar_label(bars, labels=[f"{v:+.3f}" for v in values], fontsize=8, padding=4)
        axis.axvline(0, color="#333333", linewidth=1)
        axis.set_yticks(ys, labels, fontsize=8)
        span = max(0.1, float(np.nanmax(np.abs(np.concatenate([values - low, values + high])))) * 1.15)
        axis.set_xlim(-span, span)
        axis.set_xlabel("prompted minus userlm task score (positive: the prompted user inflates the score)")
        axis.grid(axis="x", alpha=0.3)
    axis.set_title("Inflation gap (95% CI, bootstrap over intents)", fontsize=12)
    figure.tight_layout()
    return _png(figure)


def _simulator_label(row: pd.Series) -> str:
    if row["origin"] == PUBLISHED:
        return f"{row['simulator_model']} (published)"
    if row["origin"] == HUMAN_TURNS:
        return f"human ({row['conversation_source']})"
    detail = ", ".join(part for part in (row["protocol"], row["conversation_source"]) if part)
    return f"{row['simulator_model']} ({detail})" if detail else str(row["simulator_model"])


def plot_simulators(rows: pd.DataFrame) -> bytes:
    """End F1, first-turn diversity and adherence per simulator row (horizontal bars, 95% CI error bars);
    the published rows hatched, the human reference rows green, a missing figure marked n/a."""
    plt = _pyplot()
    figure, axes = plt.subplots(
        1, len(SIMULATOR_PANELS), figsize=(3.6 * len(SIMULATOR_PANELS) + 2.5, 0.42 * len(rows) + 1.8), sharey=True
    )
    ys = np.arange(len(rows))[::-1]
    published = (rows["origin"] == PUBLISHED).to_numpy()
    colours = [
        HUMAN_COLOUR if origin == HUMAN_TURNS or name == "human" else PLOT_COLOURS.get(protocol, OTHER_COLOUR)
        for origin, name, protocol in zip(rows["origin"], rows["simulator_model"], rows["protocol"], strict=True)
    ]
    for axis, (name, title) in zip(axes, SIMULATOR_PANELS, strict=True):
        values = rows[name].to_numpy(float)
        shown = np.nan_to_num(values)
        low = np.clip(shown - rows[name + CI_LOW_SUFFIX].fillna(rows[name]).fillna(0).to_numpy(float), 0, None)
        high = np.clip(rows[name + CI_HIGH_SUFFIX].fillna(rows[name]).fillna(0).to_numpy(float) - shown, 0, None)
        bars = axis.barh(ys, shown, xerr=[low, high], color=colours, capsize=3, edgecolor="white")
        for bar, is_published in zip(bars, published, strict=True):
            if is_published:
                bar.set_hatch("///")
                bar.set_alpha(0.55)
        labels = ["n/a" if math.isnan(v) else f"{v:.2f}" for v in values]
        axis.bar_label(bars, labels=labels, fontsize=7, padding=3)
        axis.set_xlim(0, 1.12)
        axis.set_title(title, fontsize=11)
        axis.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(ys, [_simulator_label(row) for _, row in rows.iterrows()], fontsize=8)
    figure.suptitle(
        "Simulator fidelity (shares; 95% CI over conversations; hatched: published, Naous et al. Table 2)",
        fontsize=12,
    )
    figure.tight_layout()
    return _png(figure)
