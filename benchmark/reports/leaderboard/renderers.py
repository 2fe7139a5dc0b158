"""The leaderboard as text: markdown (for a README or a pull request) and CSV (for a spreadsheet)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from benchmark.reports.leaderboard.columns import COLUMN_NOTES, CSV_COLUMNS, GAP_TABLE, TABLE, Column
from benchmark.reports.leaderboard.rows import Leaderboard
from benchmark.reports.leaderboard.simulator_columns import SIMULATOR_NOTES, SIMULATOR_TABLE
from benchmark.reports.leaderboard.simulators import SIMULATOR_CSV_COLUMNS, SimulatorBoard

SIMULATOR_FILES = ("simulators.md", "simulators.csv", "simulators.png")
"""The simulator table's own files, written beside the leaderboard's when fidelity logs were given."""


def _md_cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_table(frame: pd.DataFrame, columns: list[Column]) -> list[str]:
    lines = [
        "| " + " | ".join(c.title for c in columns) + " |",
        "| " + " | ".join("---:" if c.kind == "number" else "---" for c in columns) + " |",
    ]
    for _, row in frame.iterrows():
        lines.append("| " + " | ".join(_md_cell(c.text(row)) for c in columns) + " |")
    return lines


def render_markdown(board: Leaderboard, command: str | None = None) -> str:
    """The rows, the inflation gaps, the column notes and the warnings as one markdown page."""
    lines = ["# userlm-bench leaderboard", ""]
    source = f"From {len(board.logs)} Inspect logs"
    lines += [source + (f", made with `{command}`." if command else "."), ""]
    if board.rows.empty:
        lines += ["No usable assistant-task logs." if board.simulators else "No usable logs.", ""]
    else:
        lines += _md_table(board.rows, TABLE) + [""]
    if board.simulators:
        files = ", ".join(f"`{name}`" for name in SIMULATOR_FILES)
        lines += [f"Simulator fidelity ({len(board.simulators.logs)} `simulator_fidelity` logs): {files}.", ""]
    lines += ["## Inflation gap (prompted minus userlm task score)", ""]
    if board.gaps.empty:
        lines += ["No assistant has both a `prompted` and a `userlm` run of the same task version.", ""]
    else:
        lines += _md_table(board.gaps, GAP_TABLE) + [""]
    plots = "Plots: `task_score.png` (task score by assistant and simulator, 95% CIs), `inflation_gap.png`."
    return "\n".join(lines + _md_footer(COLUMN_NOTES, plots, board.warnings, board.logs))


def write_csv(board: Leaderboard, path: Path) -> Path:
    """The rows, every figure with its interval bounds, at 6 significant digits."""
    return _write_figures_csv(board.rows[CSV_COLUMNS], path)


def render_simulator_markdown(simulators: SimulatorBoard, command: str | None = None) -> str:
    """The simulator table (measured, human reference and published rows), its notes and warnings."""
    lines = ["# userlm-bench simulator fidelity", ""]
    source = f"From {len(simulators.logs)} `simulator_fidelity` logs"
    lines += [source + (f", made with `{command}`." if command else "."), ""]
    lines += _md_table(simulators.rows, SIMULATOR_TABLE) + [""]
    plot = "Plot: `simulators.png` (end F1, first-turn diversity and adherence per simulator, 95% CIs)."
    return "\n".join(lines + _md_footer(SIMULATOR_NOTES, plot, simulators.warnings, simulators.logs))


def write_simulator_csv(simulators: SimulatorBoard, path: Path) -> Path:
    """The simulator rows, every figure with its interval bounds, at 6 significant digits."""
    return _write_figures_csv(simulators.rows[SIMULATOR_CSV_COLUMNS], path)


def _md_footer(notes: Sequence[tuple[str, str]], plots: str, warnings: Sequence[str], logs: Sequence[str]) -> list[str]:
    """The end of a markdown report: the column notes, its plots, its warnings and the logs it read."""
    lines = ["## Columns", ""] + [f"- **{name}**: {note}" for name, note in notes] + ["", plots, ""]
    if warnings:
        lines += ["## Warnings", ""] + [f"- {warning}" for warning in warnings] + [""]
    return lines + ["Logs: " + ", ".join(f"`{name}`" for name in logs), ""]


def _write_figures_csv(rows: pd.DataFrame, path: Path) -> Path:
    rows.to_csv(path, index=False, float_format="%.6g")
    return path
