"""The leaderboard: one row per (assistant, simulator, user model, task, task version).

`userlm-bench leaderboard LOGS... --out DIR` reads Inspect logs (files or directories)
and writes `leaderboard.md`, `leaderboard.csv`, a self-contained `leaderboard.html`
(sortable by clicking a header, no network needed) and two plots, `task_score.png` and
`inflation_gap.png`; with `--screenshot`, also `leaderboard.png` of the HTML page taken
with headless Chromium.

Figures come from the logs' own metrics (the scorers' estimates and 95% bootstrap
intervals over intents). The inflation gap is the paper's headline: for the same
assistant, task and task version, the task score with the `prompted` simulator minus the
task score with the `userlm` simulator. Its interval is a seeded bootstrap over intents,
paired by intent when both logs hold the same intents.

A later log for the same row key replaces an earlier one unless `keep_all`. Logs of
different task versions are never mixed: they stay separate rows (with a warning) and
are never paired for a gap. The user model is part of the key, so the paper's two
prompted baselines (GPT-4o and GPT-4o-mini playing the user) stay two rows.
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from benchmark.constants import (
    CI_HIGH_SUFFIX,
    CI_LEVEL,
    CI_LOW_SUFFIX,
    DEFAULT_USER_MODEL,
    GATE_RESAMPLES,
    GATE_SEED,
    INTENT_COVERAGE,
    LEXICAL_DIVERSITY,
    MIN_INTENTS_FOR_CI,
    TASK_SCORE,
    TURN_RANGE_MAX,
    TURN_RANGE_MIN,
    TURN_VARIANCE,
)
from benchmark.reports.logs import read_logs
from benchmark.stats import pooled_mean

KEY = ["assistant", "simulator", "user_model", "task", "task_version"]
"""A row; a later log with the same key replaces an earlier one (unless keep_all)."""
PROMPTED, USERLM = "prompted", "userlm"
INFLATION_GAP = "inflation_gap"

FIGURES = (TASK_SCORE, INTENT_COVERAGE, TURN_VARIANCE, TURN_RANGE_MIN, TURN_RANGE_MAX, LEXICAL_DIVERSITY)
CSV_COLUMNS = [
    "task",
    "task_version",
    "assistant",
    "simulator",
    "user_model",
    *[name + suffix for name in FIGURES for suffix in ("", CI_LOW_SUFFIX, CI_HIGH_SUFFIX)],
    "conversations",
    "intents",
    "epochs",
    INFLATION_GAP,
    INFLATION_GAP + CI_LOW_SUFFIX,
    INFLATION_GAP + CI_HIGH_SUFFIX,
    "log",
    "created",
]
GAP_COLUMNS = [
    "task",
    "task_version",
    "assistant",
    "prompted_user_model",
    "userlm_user_model",
    "prompted_task_score",
    "userlm_task_score",
    INFLATION_GAP,
    INFLATION_GAP + CI_LOW_SUFFIX,
    INFLATION_GAP + CI_HIGH_SUFFIX,
    "paired",
    "intents",
]

COLUMN_NOTES = [
    ("task / version", "the Inspect task and its `version` (scores of different versions are never compared)"),
    ("assistant", "the model under test (`--model`)"),
    ("simulator", "`-T simulator=`: `userlm` (UserLM-8b protocol), `prompted` (an assistant LM told to play the user)"),
    ("user model", "the model that played the user (model role `user`)"),
    (
        "task score",
        "share of conversations whose final answer solved the task, with its 95% CI (bootstrap over intents)",
    ),
    ("intent coverage", "share of the intent's required shards the user revealed (mean over conversations)"),
    ("turn variance", "variance of user-turn counts across an intent's simulations, averaged over intents"),
    ("turn range", "fewest-most user turns across an intent's simulations, averaged over intents"),
    (
        "lexical diversity",
        "Unigram Difference: mean pairwise 1 - Jaccard of an intent's user sides, averaged over intents",
    ),
    ("conversations / intents / epochs", "scored conversations, distinct intents, simulations per intent"),
    (
        "inflation gap",
        "prompted task score minus userlm task score for the same assistant and task, with its 95% CI "
        "(bootstrap over intents, paired by intent when both runs hold the same intents); shown on the prompted row",
    ),
]

PLOT_COLOURS = {USERLM: "#1f77b4", PROMPTED: "#ff7f0e"}
OTHER_COLOUR = "#7f7f7f"


@dataclass
class Leaderboard:
    rows: pd.DataFrame
    gaps: pd.DataFrame
    logs: list[str]
    warnings: list[str] = field(default_factory=list)


# --- building ---------------------------------------------------------------------------


def _pooled(conversations: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Per-intent sums and counts of scored task_score values, in intent order."""
    scored = conversations.dropna(subset=[TASK_SCORE])
    grouped = scored.groupby("intent")[TASK_SCORE]
    sums, counts = grouped.sum(), grouped.count()
    return sums.to_numpy(float), counts.to_numpy(float), [str(i) for i in sums.index]


def inflation_gap(
    prompted: pd.DataFrame, userlm: pd.DataFrame, resamples: int = GATE_RESAMPLES, seed: int = GATE_SEED
) -> tuple[float, float, float, bool, int]:
    """Prompted minus userlm task score (pooled over conversations), its interval, whether the
    bootstrap was paired by intent, and the number of intents (of the prompted run)."""
    p_sums, p_counts, p_ids = _pooled(prompted)
    u_sums, u_counts, u_ids = _pooled(userlm)
    if not len(p_ids) or not len(u_ids):
        return math.nan, math.nan, math.nan, False, len(p_ids)
    estimate = p_sums.sum() / p_counts.sum() - u_sums.sum() / u_counts.sum()
    paired = p_ids == u_ids
    if min(len(p_ids), len(u_ids)) < MIN_INTENTS_FOR_CI:
        return float(estimate), math.nan, math.nan, paired, len(p_ids)
    rng = np.random.default_rng(seed)
    p_idx = rng.integers(0, len(p_ids), size=(resamples, len(p_ids)))
    u_idx = p_idx if paired else rng.integers(0, len(u_ids), size=(resamples, len(u_ids)))
    resampled = p_sums[p_idx].sum(1) / p_counts[p_idx].sum(1) - u_sums[u_idx].sum(1) / u_counts[u_idx].sum(1)
    tail = (1 - CI_LEVEL) / 2 * 100
    low, high = np.percentile(resampled, [tail, 100 - tail])
    return float(estimate), float(low), float(high), paired, len(p_ids)


def _select(evals: pd.DataFrame, keep_all: bool) -> tuple[pd.DataFrame, list[str]]:
    warnings = []
    for row in evals[evals["status"] != "success"].itertuples():
        warnings.append(f"{Path(row.log).name}: status '{row.status}', left out (rerun it or use inspect eval-retry)")
    usable = evals[evals["status"] == "success"].sort_values("created", kind="stable")
    if not keep_all:
        latest = usable.groupby(KEY, dropna=False).tail(1)
        for row in usable[~usable["eval_id"].isin(latest["eval_id"])].itertuples():
            warnings.append(
                f"{Path(row.log).name}: replaced by a later log of the same row (use --keep-all to keep it)"
            )
        usable = latest
    versions = usable.groupby(["assistant", "simulator", "task"])["task_version"].nunique()
    for (assistant, simulator, task), count in versions[versions > 1].items():
        found = sorted(set(usable.loc[(usable["assistant"] == assistant) & (usable["task"] == task), "task_version"]))
        warnings.append(
            f"{task} for {assistant} ({simulator}) has logs of {count} task versions ({', '.join(found)}): "
            "kept as separate rows, never compared"
        )
    return usable, warnings


def build_leaderboard(
    paths: Iterable[str | Path], keep_all: bool = False, resamples: int = GATE_RESAMPLES, seed: int = GATE_SEED
) -> Leaderboard:
    """Rows and inflation gaps of the logs named by `paths`; raises benchmark.reports.logs.LogReadError."""
    logs = read_logs(paths)
    chosen, warnings = _select(logs.evals, keep_all)
    conversations = logs.conversations
    rows = []
    for row in chosen.itertuples():
        convs = conversations[conversations["eval_id"] == row.eval_id]
        record = {column: getattr(row, column) for column in KEY}
        for name in FIGURES:
            for suffix in ("", CI_LOW_SUFFIX, CI_HIGH_SUFFIX):
                record[name + suffix] = float(getattr(row, name + suffix, math.nan))
        if not math.isfinite(record[TASK_SCORE + CI_LOW_SUFFIX]) and len(convs):
            sums, counts, _ = _pooled(convs)
            estimate, (low, high) = pooled_mean(list(sums), [int(c) for c in counts])
            record[TASK_SCORE] = record[TASK_SCORE] if math.isfinite(record[TASK_SCORE]) else estimate
            record[TASK_SCORE + CI_LOW_SUFFIX], record[TASK_SCORE + CI_HIGH_SUFFIX] = low, high
        record["conversations"] = int(convs[TASK_SCORE].notna().sum())
        record["intents"] = int(convs["intent"].nunique())
        record["epochs"] = int(row.epochs) if pd.notna(row.epochs) else 0
        record["log"] = Path(row.log).name
        record["created"] = row.created.isoformat()
        record["eval_id"] = row.eval_id
        rows.append(record)
    frame = pd.DataFrame(rows, columns=[*CSV_COLUMNS, "eval_id"])
    gaps = _gaps(frame, conversations, resamples, seed)
    frame = frame.sort_values(["task", "task_version", TASK_SCORE], ascending=[True, True, False], kind="stable")
    frame = frame.drop(columns="eval_id").reset_index(drop=True)
    return Leaderboard(rows=frame, gaps=gaps, logs=[Path(p).name for p in chosen["log"]], warnings=warnings)


def _reference(userlm_rows: pd.DataFrame) -> pd.Series:
    """The userlm row a gap is measured against: the default UserLM-8b run if any, else the latest."""
    default = userlm_rows[userlm_rows["user_model"] == DEFAULT_USER_MODEL]
    pool = default if len(default) else userlm_rows
    return pool.sort_values("created", kind="stable").iloc[-1]


def _gaps(rows: pd.DataFrame, conversations: pd.DataFrame, resamples: int, seed: int) -> pd.DataFrame:
    for suffix in ("", CI_LOW_SUFFIX, CI_HIGH_SUFFIX):
        rows[INFLATION_GAP + suffix] = math.nan
    gaps = []
    for (assistant, task, version), group in rows.groupby(["assistant", "task", "task_version"], sort=True):
        prompted, userlm = group[group["simulator"] == PROMPTED], group[group["simulator"] == USERLM]
        if prompted.empty or userlm.empty:
            continue
        reference = _reference(userlm)
        u_convs = conversations[conversations["eval_id"] == reference["eval_id"]]
        for index, p in prompted.iterrows():
            p_convs = conversations[conversations["eval_id"] == p["eval_id"]]
            estimate, low, high, paired, intents = inflation_gap(p_convs, u_convs, resamples, seed)
            rows.loc[index, [INFLATION_GAP, INFLATION_GAP + CI_LOW_SUFFIX, INFLATION_GAP + CI_HIGH_SUFFIX]] = [
                estimate,
                low,
                high,
            ]
            gaps.append(
                [
                    task,
                    version,
                    assistant,
                    p["user_model"],
                    reference["user_model"],
                    p[TASK_SCORE],
                    reference[TASK_SCORE],
                    estimate,
                    low,
                    high,
                    paired,
                    intents,
                ]
            )
    return pd.DataFrame(gaps, columns=GAP_COLUMNS)


# --- formatting ---------------------------------------------------------------------------


def _fmt(value: float, digits: int = 3, sign: bool = False) -> str:
    if value is None or not isinstance(value, int | float) or not math.isfinite(value):
        return ""
    value = round(float(value), digits) + 0.0
    return f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"


def _with_ci(value: float, low: float, high: float, sign: bool = False) -> str:
    text = _fmt(value, sign=sign)
    if text and math.isfinite(low) and math.isfinite(high):
        text += f" [{_fmt(low, sign=sign)}, {_fmt(high, sign=sign)}]"
    return text


def _range(low: float, high: float) -> str:
    return f"{_fmt(low, 1)}-{_fmt(high, 1)}" if math.isfinite(low) and math.isfinite(high) else ""


@dataclass(frozen=True)
class _Column:
    title: str
    kind: str  # "text" | "number"
    text: object  # row -> str
    value: object  # row -> sort value
    tip: object = None  # row -> tooltip


def _ci_tip(name: str):
    return lambda r: (
        f"95% CI [{_fmt(r[name + CI_LOW_SUFFIX])}, {_fmt(r[name + CI_HIGH_SUFFIX])}]"
        if math.isfinite(r[name + CI_LOW_SUFFIX])
        else "no interval (fewer than 2 intents, or one epoch)"
    )


TABLE: list[_Column] = [
    _Column("task", "text", lambda r: r["task"], lambda r: r["task"]),
    _Column("version", "text", lambda r: r["task_version"], lambda r: r["task_version"]),
    _Column("assistant", "text", lambda r: r["assistant"], lambda r: r["assistant"]),
    _Column("simulator", "text", lambda r: r["simulator"], lambda r: r["simulator"]),
    _Column("user model", "text", lambda r: r["user_model"], lambda r: r["user_model"]),
    _Column(
        "task score [95% CI]",
        "number",
        lambda r: _with_ci(r[TASK_SCORE], r[TASK_SCORE + CI_LOW_SUFFIX], r[TASK_SCORE + CI_HIGH_SUFFIX]),
        lambda r: r[TASK_SCORE],
    ),
    _Column(
        "intent coverage",
        "number",
        lambda r: _fmt(r[INTENT_COVERAGE]),
        lambda r: r[INTENT_COVERAGE],
        _ci_tip(INTENT_COVERAGE),
    ),
    _Column(
        "turn variance", "number", lambda r: _fmt(r[TURN_VARIANCE]), lambda r: r[TURN_VARIANCE], _ci_tip(TURN_VARIANCE)
    ),
    _Column(
        "turn range",
        "number",
        lambda r: _range(r[TURN_RANGE_MIN], r[TURN_RANGE_MAX]),
        lambda r: r[TURN_RANGE_MAX] - r[TURN_RANGE_MIN],
        lambda r: "mean per-intent fewest and most user turns; sorts by their difference",
    ),
    _Column(
        "lexical diversity",
        "number",
        lambda r: _fmt(r[LEXICAL_DIVERSITY]),
        lambda r: r[LEXICAL_DIVERSITY],
        _ci_tip(LEXICAL_DIVERSITY),
    ),
    _Column("conversations", "number", lambda r: str(r["conversations"]), lambda r: r["conversations"]),
    _Column("intents", "number", lambda r: str(r["intents"]), lambda r: r["intents"]),
    _Column("epochs", "number", lambda r: str(r["epochs"]), lambda r: r["epochs"]),
    _Column(
        "inflation gap [95% CI]",
        "number",
        lambda r: _with_ci(r[INFLATION_GAP], r[INFLATION_GAP + CI_LOW_SUFFIX], r[INFLATION_GAP + CI_HIGH_SUFFIX], True),
        lambda r: r[INFLATION_GAP],
    ),
]

GAP_TABLE: list[_Column] = [
    _Column("task", "text", lambda g: g["task"], lambda g: g["task"]),
    _Column("version", "text", lambda g: g["task_version"], lambda g: g["task_version"]),
    _Column("assistant", "text", lambda g: g["assistant"], lambda g: g["assistant"]),
    _Column("prompted user", "text", lambda g: g["prompted_user_model"], lambda g: g["prompted_user_model"]),
    _Column("userlm user", "text", lambda g: g["userlm_user_model"], lambda g: g["userlm_user_model"]),
    _Column("prompted score", "number", lambda g: _fmt(g["prompted_task_score"]), lambda g: g["prompted_task_score"]),
    _Column("userlm score", "number", lambda g: _fmt(g["userlm_task_score"]), lambda g: g["userlm_task_score"]),
    _Column(
        "inflation gap [95% CI]",
        "number",
        lambda g: _with_ci(g[INFLATION_GAP], g[INFLATION_GAP + CI_LOW_SUFFIX], g[INFLATION_GAP + CI_HIGH_SUFFIX], True),
        lambda g: g[INFLATION_GAP],
    ),
    _Column("paired by intent", "text", lambda g: "yes" if g["paired"] else "no", lambda g: str(g["paired"])),
    _Column("intents", "number", lambda g: str(g["intents"]), lambda g: g["intents"]),
]


def _md_cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_table(frame: pd.DataFrame, columns: list[_Column]) -> list[str]:
    lines = [
        "| " + " | ".join(c.title for c in columns) + " |",
        "| " + " | ".join("---:" if c.kind == "number" else "---" for c in columns) + " |",
    ]
    for _, row in frame.iterrows():
        lines.append("| " + " | ".join(_md_cell(c.text(row)) for c in columns) + " |")
    return lines


def render_markdown(board: Leaderboard, command: str | None = None) -> str:
    lines = ["# userlm-bench leaderboard", ""]
    source = f"From {len(board.logs)} Inspect logs"
    lines += [source + (f", made with `{command}`." if command else "."), ""]
    if board.rows.empty:
        lines += ["No usable logs.", ""]
    else:
        lines += _md_table(board.rows, TABLE) + [""]
    lines += ["## Inflation gap (prompted minus userlm task score)", ""]
    if board.gaps.empty:
        lines += ["No assistant has both a `prompted` and a `userlm` run of the same task version.", ""]
    else:
        lines += _md_table(board.gaps, GAP_TABLE) + [""]
    lines += ["## Columns", ""] + [f"- **{name}**: {note}" for name, note in COLUMN_NOTES] + [""]
    lines += ["Plots: `task_score.png` (task score by assistant and simulator, 95% CIs), `inflation_gap.png`.", ""]
    if board.warnings:
        lines += ["## Warnings", ""] + [f"- {w}" for w in board.warnings] + [""]
    lines += ["Logs: " + ", ".join(f"`{name}`" for name in board.logs), ""]
    return "\n".join(lines)


def write_csv(board: Leaderboard, path: Path) -> Path:
    board.rows[CSV_COLUMNS].to_csv(path, index=False, float_format="%.6g")
    return path


# --- HTML ----------------------------------------------------------------------------------

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 24px;
       color: #1b1f24; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
p.meta { color: #57606a; margin: 0 0 16px; font-size: 13px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border-bottom: 1px solid #d0d7de; padding: 5px 8px; white-space: nowrap; }
th { background: #f6f8fa; text-align: left; cursor: pointer; user-select: none; position: sticky; top: 0;
     white-space: normal; vertical-align: bottom; max-width: 110px; }
th.number, td.number { text-align: right; font-variant-numeric: tabular-nums; }
th:hover { background: #eaeef2; }
th::after { content: " \\2195"; color: #8c959f; font-size: 11px; }
th[aria-sort="ascending"]::after { content: " \\25B2"; color: #1b1f24; }
th[aria-sort="descending"]::after { content: " \\25BC"; color: #1b1f24; }
tbody tr:nth-child(even) { background: #fbfcfd; } tbody tr:hover { background: #fff8c5; }
td.sim-userlm { color: #1f77b4; font-weight: 600; } td.sim-prompted { color: #d46b08; font-weight: 600; }
.ci { color: #57606a; display: block; font-size: 11px; }
ul.warn li { color: #9a6700; } dl { font-size: 13px; } dt { font-weight: 600; margin-top: 6px; }
dd { margin-left: 16px; color: #424a53; }
div.plots { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
img { max-width: min(100%, 700px); border: 1px solid #d0d7de; }
"""

_JS = """
(function () {
  function value(cell, type) {
    var raw = cell.getAttribute("data-value");
    if (raw === null || raw === "") return null;
    if (type === "number") { var n = parseFloat(raw); return isNaN(n) ? null : n; }
    return raw.toLowerCase();
  }
  function sortBy(table, index, direction) {
    var headers = table.tHead.rows[0].cells, type = headers[index].getAttribute("data-type");
    var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
    var sign = direction === "ascending" ? 1 : -1;
    rows.sort(function (a, b) {
      var x = value(a.cells[index], type), y = value(b.cells[index], type);
      if (x === null && y === null) return 0;
      if (x === null) return 1;
      if (y === null) return -1;
      return x < y ? -sign : x > y ? sign : 0;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    for (var i = 0; i < headers.length; i++) headers[i].removeAttribute("aria-sort");
    headers[index].setAttribute("aria-sort", direction);
  }
  var tables = document.querySelectorAll("table.sortable");
  Array.prototype.forEach.call(tables, function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      th.addEventListener("click", function () {
        var next = th.getAttribute("aria-sort") === "descending" ? "ascending" :
          th.getAttribute("aria-sort") === "ascending" ? "descending" :
          th.getAttribute("data-type") === "number" ? "descending" : "ascending";
        sortBy(table, index, next);
      });
    });
  });
  // leaderboard.html#sort=<column key>[:asc|:desc] opens the page sorted
  var match = /sort=([^:&]+)(?::(asc|desc))?/.exec(decodeURIComponent(location.hash));
  if (match) {  // by clicking the header, as a reader would
    var th = document.querySelector('#leaderboard th[data-key="' + match[1] + '"]');
    var wanted = match[2] === "asc" ? "ascending" : "descending";
    for (var clicks = 0; th && clicks < 2 && th.getAttribute("aria-sort") !== wanted; clicks++) th.click();
  }
  document.body.setAttribute("data-ready", "1");
})();
"""

_KEYS = {
    "task score [95% CI]": TASK_SCORE,
    "inflation gap [95% CI]": INFLATION_GAP,
    "user model": "user_model",
    "intent coverage": INTENT_COVERAGE,
    "turn variance": TURN_VARIANCE,
    "turn range": "turn_range",
    "lexical diversity": LEXICAL_DIVERSITY,
}


def _sort_value(value: object) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | np.integer | np.floating):
        return repr(float(value)) if math.isfinite(float(value)) else ""
    return "" if value is None else str(value)


def _html_table(frame: pd.DataFrame, columns: list[_Column], table_id: str) -> str:
    head = "".join(
        f'<th class="{c.kind}" data-type="{c.kind}" data-key="{html.escape(_KEYS.get(c.title, c.title))}" '
        f'scope="col">{html.escape(c.title)}</th>'
        for c in columns
    )
    body = []
    for _, row in frame.iterrows():
        cells = []
        for c in columns:
            classes = [c.kind]
            if c.title == "simulator":
                classes.append(f"sim-{html.escape(str(row['simulator']))}")
            text = html.escape(str(c.text(row)))
            if " [" in text:
                main, rest = text.split(" [", 1)
                text = f'{main} <span class="ci">[{rest}</span>'
            tip = f' title="{html.escape(c.tip(row))}"' if c.tip else ""
            value = html.escape(_sort_value(c.value(row)))
            cells.append(f'<td class="{" ".join(classes)}" data-value="{value}"{tip}>{text}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<table id="{table_id}" class="sortable"><thead><tr>{head}</tr></thead>'
        f"<tbody>\n{chr(10).join(body)}\n</tbody></table>"
    )


def render_html(board: Leaderboard, plots: Sequence[tuple[str, bytes]] = (), command: str | None = None) -> str:
    """The leaderboard as one self-contained page: inline CSS, JS and images, no network."""
    meta = f"{len(board.logs)} Inspect logs" + (
        f" &middot; made with <code>{html.escape(command)}</code>" if command else ""
    )
    meta += " &middot; click a column header to sort"
    parts = [
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>userlm-bench leaderboard</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>userlm-bench leaderboard</h1>",
        f'<p class="meta">{meta}</p>',
        _html_table(board.rows, TABLE, "leaderboard") if not board.rows.empty else "<p>No usable logs.</p>",
        "<h2>Inflation gap: prompted minus userlm task score</h2>",
        _html_table(board.gaps, GAP_TABLE, "gaps")
        if not board.gaps.empty
        else "<p>No assistant has both a <code>prompted</code> and a <code>userlm</code> run of the same task "
        "version.</p>",
    ]
    if board.warnings:
        parts += ["<h2>Warnings</h2>", '<ul class="warn">']
        parts += [f"<li>{html.escape(w)}</li>" for w in board.warnings] + ["</ul>"]
    if plots:
        parts.append('<h2>Plots</h2><div class="plots">')
        for name, png in plots:
            data = base64.b64encode(png).decode("ascii")
            parts.append(f'<img alt="{html.escape(name)}" src="data:image/png;base64,{data}">')
        parts.append("</div>")
    parts += ["<h2>Columns</h2>", "<dl>"]
    for name, note in COLUMN_NOTES:
        parts.append(f"<dt>{html.escape(name)}</dt><dd>{html.escape(note).replace('`', '')}</dd>")
    parts += ["</dl>", f"<script>{_JS}</script>", "</body></html>", ""]
    return "\n".join(parts)


# --- plots ---------------------------------------------------------------------------------


def _figure_png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


def plot_task_scores(rows: pd.DataFrame) -> bytes:
    """Task score by assistant (x) and simulator / user model (bars), one panel per task, 95% CI error bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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
    png = _figure_png(figure)
    plt.close(figure)
    return png


def plot_inflation_gaps(gaps: pd.DataFrame) -> bytes:
    """The inflation gap per assistant and task (horizontal bars with 95% CIs)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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
    png = _figure_png(figure)
    plt.close(figure)
    return png


# --- screenshot ----------------------------------------------------------------------------

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--hide-scrollbars",
)
CHROMIUM_ENV = "USERLM_BENCH_CHROMIUM"
"""Environment variable naming the Chromium binary when it is not on PATH under a usual name."""


def find_chromium() -> str | None:
    explicit = os.environ.get(CHROMIUM_ENV)
    if explicit:
        return explicit
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


def run_chromium(url: str, *args: str, chromium: str | None = None, timeout: float = 90) -> str:
    """Run headless Chromium on `url` with `args` (e.g. --screenshot=FILE or --dump-dom); its stdout."""
    binary = chromium or find_chromium()
    if binary is None:
        raise FileNotFoundError(
            f"Chromium not found: install it (Debian: apt-get install chromium) or set {CHROMIUM_ENV}"
        )
    with tempfile.TemporaryDirectory(prefix="userlm-bench-chromium-") as profile:
        done = subprocess.run(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, url],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"Chromium exited with {done.returncode}: {done.stderr.strip()[-800:]}")
    return done.stdout


def screenshot(
    page: Path, png: Path, width: int = 1500, height: int | None = None, chromium: str | None = None
) -> Path:
    """A PNG of the page as headless Chromium renders it."""
    png.unlink(missing_ok=True)
    target = png.resolve()
    run_chromium(
        page.resolve().as_uri(), f"--screenshot={target}", f"--window-size={width},{height or 900}", chromium=chromium
    )
    if not target.is_file() or target.stat().st_size == 0:
        raise RuntimeError(f"Chromium wrote no screenshot to {png}")
    return png


def page_height(board: Leaderboard) -> int:
    """Window height that shows the tables, warnings and the top of the plots."""
    return 320 + 40 * len(board.rows) + 40 * max(1, len(board.gaps)) + 24 * len(board.warnings) + 420


# --- all outputs -----------------------------------------------------------------------------


def write_leaderboard(
    board: Leaderboard, out: Path, command: str | None = None, take_screenshot: bool = False
) -> list[Path]:
    """Write the markdown, CSV, HTML and plot files (and the screenshot) into `out`; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    score_png, gap_png = plot_task_scores(board.rows), plot_inflation_gaps(board.gaps)
    written = []
    for name, data in (("task_score.png", score_png), ("inflation_gap.png", gap_png)):
        (out / name).write_bytes(data)
        written.append(out / name)
    md = out / "leaderboard.md"
    md.write_text(render_markdown(board, command), encoding="utf-8")
    page = out / "leaderboard.html"
    page.write_text(
        render_html(board, [("task_score.png", score_png), ("inflation_gap.png", gap_png)], command), encoding="utf-8"
    )
    written += [md, write_csv(board, out / "leaderboard.csv"), page]
    if take_screenshot:
        written.append(screenshot(page, out / "leaderboard.png", height=page_height(board)))
    return written
