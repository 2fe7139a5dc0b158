"""The performance benchmark's shard processes: what each shard runs, its ideal, the side-by-side measurement."""

from __future__ import annotations

from dataclasses import replace

import pytest

from benchmark.devtools import latency_server
from benchmark.devtools.latency_server import Settings
from benchmark.devtools.perf import measuring, plans, report, tasks
from benchmark.intents.split import RunShard


def test_shards_cut_each_tasks_intents_and_keep_every_conversation():
    assert tasks.conversations_per_task(650, RunShard(1, 2)) == [100, 230]  # 10 of 20 GSM8k, 23 of 45 HumanEval
    assert tasks.conversations_per_task(650, RunShard(2, 2)) == [100, 220]
    for count in (2, 4):
        parts = [tasks.conversations_per_task(130, RunShard(k, count)) for k in range(1, count + 1)]
        assert [sum(column) for column in zip(*parts, strict=True)] == tasks.conversations_per_task(130)
    with pytest.raises(ValueError, match="N must be a multiple of it"):
        tasks.conversations_per_task(20, RunShard(1, 2))
    cut = tasks.loop_workload(130, turns=3, shard=RunShard(2, 4))
    assert cut.task_args == {"allow_end": False, "max_turns": 3, "shard": "2/4"} and cut.sample_id is None


def test_the_ideal_of_shard_processes_is_their_slowest_shards_waves():
    one = plans.Run("x", n=650, c=128, turns=4, latency=0.3)
    assert one.shards() == [None] and one.ideal_seconds == pytest.approx(4 * 2 * 0.3 * (2 + 4))
    two = plans.Run("x", n=650, c=128, turns=4, latency=0.3, processes=2)
    assert two.shards() == [RunShard(1, 2), RunShard(2, 2)]
    assert two.ideal_seconds == pytest.approx(4 * 2 * 0.3 * (1 + 2))  # 100 GSM8k, 230 HumanEval at most
    four = plans.Run("x", n=650, c=128, turns=4, latency=0.3, processes=4)
    assert four.ideal_seconds == pytest.approx(4 * 2 * 0.3 * (1 + 1))  # 50 and 120 at most
    assert plans.FULL.shard_runs == [(128, 650, 1), (128, 650, 2), (128, 650, 4)]


def test_shard_processes_start_together_and_add_up(monkeypatch):
    monkeypatch.setenv(measuring.API_KEY_VAR, "not-a-key")
    run = plans.Run("shards", n=65, c=8, turns=1, latency=0.0, processes=2)
    with latency_server.running(Settings(latency=0.0), max_seconds=300) as server:
        measured = measuring.measure(run, server.url)
    assert measured.run == run and measured.status == "success"
    assert measured.user_turns == 65  # both shards' conversations, one user turn each
    assert measured.wall_seconds > 0 and measured.cpu_seconds > 0 and measured.peak_rss_mb > 0
    # shown as if measured at a latency (whose ideal is not 0), by one process and by two
    shown = [replace(measured, run=replace(run, latency=0.1, processes=count)) for count in (1, 2)]
    text = "\n".join(report._shards_section(shown) + report._goals(shown, [], shown, None))
    assert "## Shard processes (C = 8 per process)" in text
    assert "| 2 | 8 | 65 | 65 |" in text and "| 1.00x |" in text
    assert "- 2 shard processes at most 0.6x the wall time of 1" in text
