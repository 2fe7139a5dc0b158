"""Every leaderboard file, written into one directory: markdown, CSV, HTML, plots and the screenshot."""

from __future__ import annotations

from pathlib import Path

from benchmark.reports.leaderboard.page import render_html
from benchmark.reports.leaderboard.plots import plot_inflation_gaps, plot_task_scores
from benchmark.reports.leaderboard.renderers import render_markdown, write_csv
from benchmark.reports.leaderboard.rows import Leaderboard
from benchmark.reports.leaderboard.screenshot import page_height, screenshot


def write_leaderboard(
    board: Leaderboard, out: Path, command: str | None = None, take_screenshot: bool = False
) -> list[Path]:
    """Write the markdown, CSV, HTML and plot files (and the screenshot) into `out`; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    plots = [("task_score.png", plot_task_scores(board.rows)), ("inflation_gap.png", plot_inflation_gaps(board.gaps))]
    written = []
    for name, data in plots:
        (out / name).write_bytes(data)
        written.append(out / name)
    md = out / "leaderboard.md"
    md.write_text(render_markdown(board, command), encoding="utf-8")
    page = out / "leaderboard.html"
    page.write_text(render_html(board, plots, command), encoding="utf-8")
    written += [md, write_csv(board, out / "leaderboard.csv"), page]
    if take_screenshot:
        written.append(screenshot(page, out / "leaderboard.png", height=page_height(board)))
    return written
