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

`simulator_fidelity` logs make no assistant row: they make the simulator table, one row per simulator
model, protocol, conversation set, with_intent and task version (the newest complete log of each), with
the human reference of the same conversations and the paper's published Table 2 rows; it is written as
`simulators.md`, `simulators.csv`, `simulators.png` and a table in the HTML page, and only when such logs
were given.

A later log for the same row key replaces an earlier one unless `keep_all`. Logs of
different task versions are never mixed: they stay separate rows (with a warning) and
are never paired for a gap. The user model is part of the key, so the paper's two
prompted baselines (GPT-4o and GPT-4o-mini playing the user) stay two rows.

Modules: `rows` (logs to rows and gaps), `columns` (schemas, displayed columns, notes),
`simulators` (fidelity logs to the simulator table's rows), `simulator_columns` (its displayed
columns and notes), `renderers` (markdown, CSV), `page` (HTML from `templates/`), `plots`,
`screenshot` (Chromium), `outputs` (every file at once).
"""

from benchmark.reports.leaderboard.columns import CSV_COLUMNS, GAP_COLUMNS, INFLATION_GAP
from benchmark.reports.leaderboard.outputs import write_leaderboard
from benchmark.reports.leaderboard.page import render_html
from benchmark.reports.leaderboard.plots import plot_inflation_gaps, plot_simulators, plot_task_scores
from benchmark.reports.leaderboard.renderers import (
    SIMULATOR_FILES,
    render_markdown,
    render_simulator_markdown,
    write_csv,
    write_simulator_csv,
)
from benchmark.reports.leaderboard.rows import KEY, Leaderboard, build_leaderboard, inflation_gap
from benchmark.reports.leaderboard.screenshot import find_chromium, page_height, run_chromium, screenshot
from benchmark.reports.leaderboard.simulators import (
    SIMULATOR_CSV_COLUMNS,
    SIMULATOR_KEY,
    SimulatorBoard,
    build_simulator_board,
    published_rows,
)

__all__ = [
    "CSV_COLUMNS",
    "GAP_COLUMNS",
    "INFLATION_GAP",
    "KEY",
    "Leaderboard",
    "SIMULATOR_CSV_COLUMNS",
    "SIMULATOR_FILES",
    "SIMULATOR_KEY",
    "SimulatorBoard",
    "build_leaderboard",
    "build_simulator_board",
    "find_chromium",
    "inflation_gap",
    "page_height",
    "plot_inflation_gaps",
    "plot_simulators",
    "plot_task_scores",
    "published_rows",
    "render_html",
    "render_markdown",
    "render_simulator_markdown",
    "run_chromium",
    "screenshot",
    "write_csv",
    "write_leaderboard",
    "write_simulator_csv",
]
