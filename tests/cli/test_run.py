"""`userlm-bench run`: shard processes sharing a log dir, their outcomes, the merged rows, and what it refuses.

The processes are real `inspect eval` runs of the registered tasks with the offline scripted models.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from benchmark.cli import main
from benchmark.reports.leaderboard import CSV_COLUMNS, build_leaderboard
from benchmark.serving.sharded_eval import ShardedEval, check_eval_args, inspect_command

GSM8K = "userlm_bench/gsm8k_multiturn"
SCRIPTED = ("--model", "scripted/assistant", "-T", "simulator=scripted", "--epochs", "2")

FLAKY_TASKS = '''
"""GSM8k with the scripted models, whose solver breaks in shard 2 of 2 (status error, yet `inspect eval` exits 0),
and a task without a `shard` parameter."""
import asyncio

from inspect_ai import Task, task, task_with
from inspect_ai.dataset import Sample
from inspect_ai.solver import generate, solver

from userlm_bench import gsm8k_multiturn


@solver
def broken():
    async def solve(state, generate):
        raise RuntimeError("this shard breaks")

    return solve


@solver
def slow():
    async def solve(state, generate):
        await asyncio.sleep(600)
        return state

    return solve


@task
def flaky(shard: str | None = None, stall: bool = False):
    real = gsm8k_multiturn(simulator="scripted", shard=shard)
    if stall:
        return task_with(real, solver=slow())
    return task_with(real, solver=broken()) if shard == "2/2" else real


@task
def unsharded():
    return Task(dataset=[Sample(input="hi", target="x")], solver=generate())
'''


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "benchmark.cli", "run", *args], capture_output=True, text=True, timeout=300, cwd=cwd
    )


@pytest.fixture
def flaky_tasks(tmp_path: Path) -> Path:
    path = tmp_path / "flaky.py"
    path.write_text(FLAKY_TASKS)
    return path


def test_two_shards_merge_into_the_row_of_a_whole_run(tmp_path: Path) -> None:
    whole_dir, shards_dir = tmp_path / "whole", tmp_path / "shards"
    whole = subprocess.run(
        [inspect_command(), "eval", GSM8K, *SCRIPTED, "--log-dir", str(whole_dir), "--display", "none"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert whole.returncode == 0, whole.stderr[-2000:]
    done = run_cli("--shards", "2", "--log-dir", str(shards_dir), GSM8K, "--", *SCRIPTED, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0] == "shard 1/2: ok" and "shard 2/2: ok" in lines
    assert len(list(shards_dir.glob("*.eval"))) == 2
    assert all(line.endswith("  success") for line in lines if line.startswith(f"  {shards_dir}"))
    assert "complete (2 shards)" in done.stdout  # the summary's merged row
    assert "[1/2] " in done.stderr and "[2/2] " in done.stderr  # each shard's streamed output
    merged = build_leaderboard([shards_dir]).rows
    alone = build_leaderboard([whole_dir]).rows
    assert len(merged) == 1 and merged.iloc[0]["shards"] == 2 and merged.iloc[0]["coverage"] == "complete"
    figures = [column for column in CSV_COLUMNS if column not in ("log", "created", "shards")]
    pd.testing.assert_frame_equal(alone[figures], merged[figures])  # every figure, to the last digit


def test_a_failed_shard_keeps_its_log_and_says_how_to_rerun_it(tmp_path: Path, flaky_tasks: Path) -> None:
    logs = tmp_path / "logs"
    done = run_cli("--shards", "2", "--log-dir", str(logs), f"{flaky_tasks}@flaky", "--", *SCRIPTED, cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr[-3000:]
    out = done.stdout
    assert "shard 1/2: ok" in out
    assert "shard 2/2: FAILED (flaky: error)" in out  # `inspect eval` itself exited 0
    assert "this shard breaks" in out  # its last output, repeated
    rerun = f"inspect eval {flaky_tasks}@flaky -T shard=2/2 --log-dir {logs} --display plain {' '.join(SCRIPTED)}"
    assert f"  re-run it:  {rerun}" in out
    (error_log,) = [line.split()[0] for line in out.splitlines() if line.strip().endswith("  error")]
    assert Path(error_log).is_file()
    assert f"  or retry its log:  inspect eval-retry --log-dir {logs} {error_log}" in out
    assert "partial: 10 of 20 intents" in out  # the merged row of what succeeded
    assert "status 'error', left out" in done.stderr


def test_logs_of_a_task_without_a_shard_parameter_fail_the_run(tmp_path: Path, flaky_tasks: Path) -> None:
    logs = tmp_path / "logs"
    done = run_cli("--shards", "2", "--log-dir", str(logs), f"{flaky_tasks}@unsharded", "--", *SCRIPTED, cwd=tmp_path)
    assert done.returncode == 1
    assert "shard 1/2: FAILED (no log written)" in done.stdout and "shard 2/2: FAILED (no log written)" in done.stdout
    assert "logs not cut by shard" in done.stdout
    assert done.stdout.count("  unsharded  success") == 2  # each process ran all of it


def test_an_interrupt_stops_every_shard_and_exits_130(tmp_path: Path, flaky_tasks: Path) -> None:
    logs = tmp_path / "logs"
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmark.cli", "run", "--shards", "2", "--log-dir", str(logs)]
        + [f"{flaky_tasks}@flaky", "--", *SCRIPTED, "-T", "stall=true"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    deadline = time.monotonic() + 120
    while len(list(logs.glob("*.eval"))) < 2 and time.monotonic() < deadline:  # both evals started
        time.sleep(0.5)
    children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
    assert len(children) == 2
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err[-3000:]
    assert "interrupted; the logs written so far are in" in err
    for pid in map(int, children):
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


# --- arguments, without processes ------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--shards", "2"], "name the tasks to run"),
        (["--shards", "2", "--", "--model", "x"], "name the tasks to run"),
        (["--shards", "2", GSM8K, "--model", "x"], "--model among the tasks: this command's options go before"),
        (["--shards", "2", GSM8K, "--", "--log-dir", "elsewhere"], "--log-dir after `--`"),
        (["--shards", "2", GSM8K, "--", "-T", "shard=1/2"], "-T shard after `--`"),
        (["--shards", "2", GSM8K, "--", "-Tshard=1/2"], "-T shard after `--`"),
        (["--shards", "2", GSM8K, "--", "--display", "full"], "--display full: several processes share"),
        (["--shards", "2", GSM8K, "--", "--detach"], "--detach"),
    ],
)
def test_bad_arguments_are_user_errors(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("userlm-bench run: error: ") and message in err


def test_the_shard_count_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["run", "--shards", "0", GSM8K])
    assert stop.value.code == 2 and "must be 1 or more" in capsys.readouterr().err


def test_each_shard_runs_the_command_a_matrix_job_would() -> None:
    plan = ShardedEval(tasks=(GSM8K,), shards=3, log_dir="logs", eval_args=("--model", "openai/gpt-4o"))
    assert [str(shard) for shard in plan.run_shards()] == ["1/3", "2/3", "3/3"]
    assert plan.command(plan.run_shards()[1]) == (
        f"inspect eval {GSM8K} -T shard=2/3 --log-dir logs --display plain --model openai/gpt-4o"
    )
    whole = ShardedEval(tasks=(GSM8K,), shards=1, log_dir="logs", eval_args=("--display", "none"))
    assert whole.run_shards() == [None]
    assert whole.command(None) == f"inspect eval {GSM8K} --log-dir logs --display none"  # the user's display
    check_eval_args(["-T", "simulator=prompted", "--display=log", "--max-connections", "8"])  # all allowed
