"""userlm-bench as a user installs it: a wheel built from this tree, a fresh virtual environment, a
directory outside the repository, the tasks by their registry names."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.conftest import ROOT


def run(argv: list[str], cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("VIRTUAL_ENV", "PYTHON"))}
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(argv)}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin directory of a fresh virtual environment with the wheel of this tree installed."""
    root = tmp_path_factory.mktemp("installed")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", str(ROOT), "-w", str(root / "dist")], root)
    (wheel,) = (root / "dist").glob("userlm_bench-*.whl")
    venv.create(root / "venv", with_pip=True)
    bin_dir = root / "venv" / "bin"
    run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)], root)
    return bin_dir


def test_registered_task_runs_outside_the_repository_and_its_log_loads(installed, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    args = ["--model", "scripted/assistant", "-T", "simulator=scripted", "--limit", "2", "--display", "none"]
    run([str(installed / "inspect"), "eval", "userlm_bench/gsm8k_multiturn", *args, "--log-dir", "logs"], outside)
    (log,) = (outside / "logs").glob("*.eval")
    board = run([str(installed / "userlm-bench"), "leaderboard", "logs", "--out", "board"], outside)
    assert "1 row" in board.stdout
    rows = (outside / "board" / "leaderboard.csv").read_text().splitlines()
    assert len(rows) == 2 and "gsm8k_multiturn" in rows[1] and "scripted/assistant" in rows[1]
    assert (outside / "board" / "leaderboard.html").read_text().count("<table") >= 1  # the packaged template
    assert log.stat().st_size > 0


def test_inspect_lists_the_installed_tasks(installed, tmp_path):
    where = run(
        [str(installed / "python"), "-c", "import userlm_bench, os; print(os.path.dirname(userlm_bench.__file__))"],
        tmp_path,
    )
    package = where.stdout.strip()
    assert "site-packages" in package and not package.startswith(str(ROOT))
    listed = run(
        [str(installed / "inspect"), "list", "tasks", "--json"], Path(package)
    )  # Inspect takes no absolute path
    names = {task["name"] for task in json.loads(listed.stdout)}
    assert {"gsm8k_multiturn", "humaneval_multiturn", "simulator_fidelity"} <= names
