"""The leaderboard as text: markdown (for a README or a pull request) and CSV (for a spreadsheet)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from benchmark.reports.leaderboard.columns import COLUMN_NOTES, CSV_COLUMNS, GAP_TABLE, TABLE, Column
from benchmark.reports.leaderboard.rows import Leaderboard


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
    """The rows, every figure with its interval bounds, at 6 significant digits."""
    board.rows[CSV_COLUMNS].to_csv(path, index=False, float_format="%.6g")
    return path
