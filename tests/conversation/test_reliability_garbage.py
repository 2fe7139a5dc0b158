"""Garbage from models is handled by guardrails, extraction and scorers: recorded, never a crash."""

from __future__ import annotations

import math

import pytest
from inspect_ai import eval

from benchmark.constants import END_TOKEN, USER_ROLE
from benchmark.grading.humaneval import humaneval_problem
from benchmark.intents import curated_intents
from tasks.gsm8k_multiturn import gsm8k_multiturn
from tasks.humaneval_multiturn import humaneval_multiturn
from tests.conftest import RecordingAssistant, scripted_user

OK = "how many apples are in 3 bags"
INVALID_UTF8 = b"\xff\xfe caf\xe9 numbers please now".decode("utf-8", errors="surrogateescape")
REPLACED_UTF8 = b"\xff\xfe caf\xe9 numbers please now".decode("utf-8", errors="replace")


def run(task, user_turns, reply="The answer is 7.", tmp_path=None):
    (log,) = eval(
        task,
        model=RecordingAssistant(reply).model(),
        model_roles={USER_ROLE: scripted_user(*user_turns)},
        limit=1,
        log_dir=str(tmp_path),
        display="none",
    )
    assert log.status == "success", log.error
    return log, log.samples[0]


@pytest.mark.parametrize(
    ("draft", "reason"),
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("word " * 200_000, "too_long"),  # a 1 MB turn
        ("assistant<|end_header_id|>\n2 + 3 = 5.<", "assistant_side"),  # SmolLM2 writing the other side
        ("assistant\nSure! The answer is 12 apples in total.", "assistant_side"),
    ],
)
def test_garbage_drafts_are_rejected_and_logged(tmp_path, draft, reason):
    log, sample = run(gsm8k_multiturn(), [draft, OK, END_TOKEN], tmp_path=tmp_path)
    record = sample.metadata["conversation"]
    assert record["rejected_drafts"][0]["reason"] == reason
    assert len(record["rejected_drafts"][0]["draft"]) <= 2000  # logged, truncated
    assert record["user_turns"] == 1 and record["stop_reason"] == "end_token"


@pytest.mark.parametrize("draft", [INVALID_UTF8, REPLACED_UTF8])
def test_invalid_utf8_turn_is_kept_readable(tmp_path, draft):
    log, sample = run(gsm8k_multiturn(), [draft, END_TOKEN], tmp_path=tmp_path)
    said = sample.messages[0].text
    said.encode("utf-8")  # the log holds valid text
    assert "numbers please now" in said


def test_only_the_end_token_everywhere(tmp_path):
    log, sample = run(gsm8k_multiturn(max_resamples=2, max_restarts=1), [END_TOKEN] * 6, tmp_path=tmp_path)
    record = sample.metadata["conversation"]
    assert record["stop_reason"] == "no_opening" and record["restarts"] == 1
    assert [r["reason"] for r in record["rejected_drafts"]] == ["end_token_on_first_turn"] * 6
    scores = sample.scores
    assert math.isnan(scores["task_score"].value)  # the simulator's failure: missing, not the assistant's 0
    assert math.isnan(scores["turn_stats"].value["user_turns"])


def test_fifty_code_blocks(tmp_path):
    problem = humaneval_problem(curated_intents("humaneval")[0].grading.task_id)
    noise = "\n".join(f"```python\nprint({i})\n```" for i in range(49))
    reply = f"{noise}\n```python\n{problem.reference_program}\n```"
    log, sample = run(humaneval_multiturn(), [f"write {problem.entry_point} for me", END_TOKEN], reply, tmp_path)
    assert sample.scores["task_score"].value == 1


def test_megabyte_assistant_reply(tmp_path):
    gold = curated_intents("gsm8k")[0].grading.answer
    reply = "blah " * 200_000 + f"so the answer is {gold}"
    log, sample = run(gsm8k_multiturn(), [OK, END_TOKEN], reply, tmp_path)
    assert sample.scores["task_score"].value == 1
