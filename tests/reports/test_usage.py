"""`userlm-bench usage`: calls and tokens per conversation from a log, scaled, priced."""

from __future__ import annotations

from inspect_ai import eval

from benchmark.cli import main
from benchmark.reports.usage import read_usage, render
from tasks.gsm8k_multiturn import gsm8k_multiturn


def test_usage_counts_every_call_of_every_role_and_scales(tmp_path, capsys):
    (log,) = eval(
        gsm8k_multiturn(simulator="scripted"),
        model="scripted/assistant",
        limit=3,
        log_dir=str(tmp_path),
        display="none",
    )
    usage = read_usage([tmp_path])
    assert usage.conversations == 3
    records = [s.metadata["conversation"] for s in log.samples]
    assert usage.roles["user"].calls == sum(r["drafts"] for r in records)
    assert usage.roles["assistant"].calls == sum(r["assistant_turns"] for r in records)
    assert usage.roles["user"].input_tokens == log.stats.model_usage["scripted/user"].input_tokens
    table = render(usage, 30, {"assistant": (1.0, 2.0)})
    calls = usage.roles["assistant"].calls * 10
    assert f"| {calls:,} |" in table and "not priced" in table
    assert main(["usage", str(tmp_path), "--intents", "10", "--epochs", "3", "--price", "assistant=1,2"]) == 0
    assert "scaled to 30 conversations" in capsys.readouterr().out
