"""Smoke tests of the performance benchmark's machinery (benchmark.devtools.perf, benchmark.devtools.latency_server).

No timing assertions: performance claims come only from the benchmark's own output (results/perf.md).
"""

from __future__ import annotations

import asyncio

import pytest

from benchmark.constants import END_TOKEN
from benchmark.conversation.guardrails import Guardrails, rejection_reason
from benchmark.conversation.userlm import parse_user_turn
from benchmark.devtools import latency_server
from benchmark.devtools.latency_server import Settings, assistant_reply, completion, serve, user_turn
from benchmark.devtools.perf import measuring, plans, report, tasks
from benchmark.intents.sets import curated_intents


@pytest.mark.parametrize("source", ["gsm8k", "humaneval"])
def test_server_user_turns_pass_every_guardrail(source):
    rails = Guardrails(allow_end=False)
    for intent in curated_intents(source):
        earlier: list[str] = []
        for k in range(12):
            turn = parse_user_turn(user_turn(intent.intent, k))
            reason = rejection_reason(
                turn, guardrails=rails, turn_index=k, earlier_user_turns=earlier, intent=intent.intent
            )
            assert reason is None, (intent.id, k, turn.text, reason)
            earlier.append(turn.text)


def test_server_user_ends_only_when_asked():
    assert user_turn("You are a user chatting with an assistant language model to add 2 and 3.", 2, end_after=2) == (
        END_TOKEN
    )
    assert END_TOKEN not in user_turn("You are a user chatting with an assistant language model to add 2 and 3.", 9)


def test_server_replies_carry_usage_and_pick_the_side_by_model_name():
    messages = [
        {"role": "system", "content": "You are a user chatting with an assistant language model to add 2 and 3."},
        {"role": "user", "content": "Add 2 and 3 please"},
    ]
    user = completion({"model": "user", "messages": messages}, Settings(latency=0), created=1)
    assistant = completion({"model": "assistant", "messages": messages}, Settings(latency=0), created=1)
    for answer in (user, assistant):
        assert (
            answer["usage"]["total_tokens"] == answer["usage"]["prompt_tokens"] + answer["usage"]["completion_tokens"]
        )
    assert "the answer is 5" in assistant["choices"][0]["message"]["content"]
    assert user["choices"][0]["message"]["content"] != assistant["choices"][0]["message"]["content"]
    assert "def has_close_elements" in assistant_reply("write a python function has_close_elements", code=True)
    assert "def " not in assistant_reply("write a python function has_close_elements", code=False)


def test_server_refuses_non_loopback_hosts():
    with pytest.raises(SystemExit, match="loopback only"):
        asyncio.run(serve(Settings(latency=0), "0.0.0.0", 0, max_seconds=1, idle_seconds=1, parent=None))


def test_n_maps_to_intents_and_epochs():
    assert tasks.intents_and_epochs(8) == (8, 1)
    assert tasks.intents_and_epochs(650) == (65, 10)
    with pytest.raises(ValueError):
        tasks.intents_and_epochs(100)
    mixed = {intent.source for intent in tasks.interleaved_intents(4)}
    assert mixed == {"gsm8k", "humaneval"}
    assert tasks.conversations_per_task(650) == [200, 450]
    assert tasks.conversations_per_task(1) == [1]  # the first interleaved intent is a HumanEval one


def test_the_loop_runs_the_shipped_task_files():
    every = tasks.loop_workload(650, turns=4)
    expected = ["gsm8k_multiturn.py@gsm8k_multiturn", "humaneval_multiturn.py@humaneval_multiturn"]
    assert [spec.rsplit("/", 1)[-1] for spec in every.tasks] == expected
    assert every.task_args == {"allow_end": False, "max_turns": 4}
    assert every.sample_id is None  # all of the paper's intents: no selection
    few = tasks.loop_workload(3, turns=2)
    assert len(few.sample_id) == 3
    assert {selector.split(":")[0] for selector in few.sample_id} == {"gsm8k_multiturn", "humaneval_multiturn"}


def test_ideal_wall_time_adds_up_the_tasks_waves():
    run = plans.Run("x", n=65, c=32, turns=4, latency=0.25)
    assert run.ideal_seconds == pytest.approx(4 * 2 * 0.25 * 3)  # 20 GSM8k in one wave, 45 HumanEval in two
    assert plans.Run("x", n=65, c=128, turns=4, latency=0.25).ideal_seconds == pytest.approx(4 * 2 * 0.25 * 2)


def test_benchmark_runs_the_real_loop_over_http_and_reports(monkeypatch):
    monkeypatch.setenv(measuring.API_KEY_VAR, "not-a-key")
    with latency_server.running(Settings(latency=0.0), max_seconds=120) as server:
        url = server.url
        assert server.health()["status"] == "ok"
        measured = measuring.worker(plans.Run("smoke", n=3, c=2, turns=2, latency=0.0, rescore=True), url)
        floor = measuring.worker(plans.Run("smoke", n=2, c=2, turns=2, latency=0.0, task="floor"), url)
    assert (floor.status, floor.user_turns) == ("success", 2 * 2)
    assert measured.status == "success"
    assert measured.user_turns == 3 * 2  # every draft passed the guardrails: exactly `turns` per conversation
    assert measured.wall_seconds > 0 and measured.cpu_seconds > 0 and measured.peak_rss_mb > 0
    scorers = ["task_score", "user_behaviour", "turn_stats", "lexical_stats"]
    assert measured.rescore["conversations"] == 3
    assert list(measured.rescore["inspect"]) == [measuring.ALL_SCORERS, *scorers]
    assert list(measured.rescore["direct"]) == scorers
    plan = plans.Plan(
        latency=0.0,
        turns=2,
        concurrency=[(2, 3)],
        growth_c=2,
        growth_n=[3],
        scorer_n=3,
        settings_runs=[],
        floor_runs=[(2, 3)],
    )
    fake = measuring.Measured(**{**measured.__dict__, "run": plans.Run("smoke", n=3, c=2, turns=2, latency=0.1)})
    floor_run = plans.Run("floor", n=3, c=2, turns=2, latency=0.1, task="floor")
    fake_floor = measuring.Measured(**{**fake.__dict__, "run": floor_run})
    results = {
        "load_start": 0.0,
        "load_end": 0.0,
        "seconds": 1.0,
        "concurrency": [fake],
        "growth": [fake],
        "floor": [fake_floor],
        "rescore": measured.rescore,
    }
    text = report.report(plan, "python -m benchmark.devtools.perf --small", results)
    assert "| C | N | turns | wall s | ideal s | wall / ideal | CPU ms / turn | CPU / wall | peak MB | load |" in text
    assert "| 2 | 3 | 6 |" in text
    assert "## Inspect's own floor" in text
    assert "| task_score | direct: score |" in text


def test_regenerating_the_report_keeps_the_notes(tmp_path):
    out = tmp_path / "perf.md"
    report.write_report(out, "# old tables\n")
    out.write_text(out.read_text() + "\n" + report.NOTES_MARKER + "\nhand-written analysis\n")
    report.write_report(out, "# new tables\n")
    text = out.read_text()
    assert text.startswith("# new tables\n") and "old tables" not in text
    assert text.endswith(report.NOTES_MARKER + "\nhand-written analysis\n")
