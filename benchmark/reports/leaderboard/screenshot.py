"""Headless Chromium: finding and running it, and a PNG of the leaderboard page."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from benchmark.reports.leaderboard.rows import Leaderboard

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
    """The Chromium binary: CHROMIUM_ENV if set, else the first of CHROMIUM_NAMES on PATH (None if none)."""
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
    height = 320 + 40 * len(board.rows) + 40 * max(1, len(board.gaps)) + 24 * len(board.warnings) + 420
    if board.simulators:  # its heading, table, notes and warnings
        height += 120 + 40 * len(board.simulators.rows) + 300 + 24 * len(board.simulators.warnings)
    return height
