"""Every leaderboard file, written into one directory: markdown, CSV, HTML, plots and the screenshot.

With `simulator_fidelity` logs, the simulator table's files (renderers.SIMULATOR_FILES) are written too and
its table and plot join the HTML page; without them, nothing of it is written.
"""

from __future__ import annotations

from pathlib import Path

from benchmark.reports.leaderboard.page import render_html
from benchmark.reports.leaderboard.plots import plot_inflation_gaps, plot_simulators, plot_task_scores
from benchmark.reports.leaderboard.renderers import (
    SIMULATOR_FILES,
    render_markdown,
    render_simulator_markdown,
    write_csv,
    write_simulator_csv,
)
from benchmark.reports.leaderboard.rows import Leaderboard
from benchmark.reports.leaderboard.screenshot import page_height, screenshot


def write_leaderboard(
    board: Leaderboard, out: Path, command: str | None = None, take_screenshot: bool = False
) -> list[Path]:
    """Write the markdown, CSV, HTML and plot files (and the screenshot) into `out`; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    plots = [("task_score.png", plot_task_scores(board.rows)), ("inflation_gap.png", plot_inflation_gaps(board.gaps))]
    simulators = board.simulators
    if simulators:
        plots.append((SIMULATOR_FILES[2], plot_simulators(simulators.rows)))
    written = []
    for name, data in plots:
        (out / name).write_bytes(data)
        written.append(out / name)
    md = out / "leaderboard.md"
    md.write_text(render_markdown(board, command), encoding="utf-8")
    page = out / "leaderboard.html"
    page.write_text(render_html(board, plots, command), encoding="utf-8")
    written += [md, write_csv(board, out / "leaderboard.csv"), page]
    if simulators:
        simulators_md = out / SIMULATOR_FILES[0]
        simulators_md.write_text(render_simulator_markdown(simulators, command), encoding="utf-8")
        written += [simulators_md, write_simulator_csv(simulators, out / SIMULATOR_FILES[1])]
    if take_screenshot:
        written.append(screenshot(page, out / "leaderboard.png", height=page_height(board)))
    return written
