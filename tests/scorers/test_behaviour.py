"""`user_behaviour`: per-conversation figures, the judge's reply format, and the judge
path end to end with a scripted judge bound to the `judge` role."""

from __future__ import annotations

import json
import math
import re

import pytest
from inspect_ai import Task, eval
from inspect_ai.model import ChatMessage, GenerateConfig, ModelOutput, get_model
from inspect_ai.tool import ToolChoice, ToolInfo

from benchmark.constants import (
    ADD_DEMANDS,
    INTENT_COVERAGE,
    JUDGE_MAX_RETRIES,
    JUDGE_ROLE,
    REPEAT_REQUIRED,
    SKIP_NONREQUIRED,
    UNJUDGED,
    USER_BEHAVIOUR,
)
from benchmark.figures import behaviour_figures
from benchmark.intents.record import Intent
from benchmark.judging.judge import JUDGE_RETRY, JudgeReplyError, judge_prompt, parse_judge_reply
from benchmark.serving.scripted import scripted_output
from scorers import task_score, user_behaviour
from tasks.gsm8k_multiturn import gsm8k_multiturn


def make_intent(required: list[bool]) -> Intent:
    return Intent.model_validate(
        {
            "id": "toy",
            "source": "gsm8k",
            "source_id": "test/0",
            "intent": "You are a user chatting with an assistant language model to add numbers.",
            "shards": [{"id": i, "text": f"fact {i}", "required": r} for i, r in enumerate(required, start=1)],
            "grading": {"answer": "1"},
        }
    )


def test_figures_by_hand():
    intent = make_intent([True, True, True, False])
    figures = behaviour_figures(intent, [[1], [1, 2], []], [False, True, False])
    assert figures[INTENT_COVERAGE] == pytest.approx(2 / 3)  # shards 1 and 2 of the required 1, 2, 3
    assert figures[REPEAT_REQUIRED] == 1.0  # shard 1 in turns 1 and 2
    assert figures[SKIP_NONREQUIRED] == 1.0  # shard 4 never revealed
    assert figures[ADD_DEMANDS] == 1.0


def test_figures_ties_and_not_applicable():
    intent = make_intent([True, True])
    figures = behaviour_figures(intent, [[1, 1], [2]], None)  # a shard twice in one turn is one turn
    assert figures[INTENT_COVERAGE] == 1.0 and figures[REPEAT_REQUIRED] == 0.0
    assert math.isnan(figures[SKIP_NONREQUIRED])  # no non-required shard: not applicable
    assert math.isnan(figures[ADD_DEMANDS])  # the matcher cannot tell
    assert behaviour_figures(make_intent([True, False]), [[2]], [False])[SKIP_NONREQUIRED] == 0.0


def test_figures_no_user_turns_and_unjudged():
    intent = make_intent([True, False])
    empty = behaviour_figures(intent, [], [])
    assert empty == {INTENT_COVERAGE: 0.0, REPEAT_REQUIRED: 0.0, SKIP_NONREQUIRED: 1.0, ADD_DEMANDS: 0.0}
    assert all(math.isnan(v) for v in behaviour_figures(intent, None, None).values())


def test_parse_judge_reply():
    reply = json.dumps(
        {
            "turns": [
                {"turn": 1, "shards": [2, 1, 2], "adds_demand": False},
                {"turn": 2, "shards": [], "adds_demand": True},
            ]
        }
    )
    assert parse_judge_reply(reply, 2, {1, 2}) == ([[1, 2], []], [False, True])
    assert parse_judge_reply(f"```json\n{reply}\n```", 2, {1, 2})[0] == [[1, 2], []]


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        ("Sure! Here are the labels.", "not valid JSON"),
        ('{"turns": [{"turn": 1, "shards": [1], "adds_demand": false}]} trailing', "not valid JSON"),
        ('{"turns": [{"turn": 1, "shards": [1], "adds_demand": "no"}]}', "adds_demand"),
        ('{"turns": [{"turn": 1, "shards": ["1"], "adds_demand": false}]}', "shards"),
        ('{"turns": [{"turn": 1, "shards": [1], "adds_demand": false, "why": "x"}]}', "why"),
        ('{"turns": [{"turn": 2, "shards": [1], "adds_demand": false}]}', "expected turns 1..1"),
        ('{"turns": [{"turn": 1, "shards": [7], "adds_demand": false}]}', "unknown shard ids [7]"),
        ('[{"turn": 1, "shards": [1], "adds_demand": false}]', "reply"),
    ],
)
def test_parse_judge_reply_rejects_malformed(reply, problem):
    with pytest.raises(JudgeReplyError, match=re.escape(problem)):
        parse_judge_reply(reply, 1, {1, 2})


class ScriptedJudge:
    """A judge model: labels turn k with shard k (and a demand on turn 2), or replies `bad` first."""

    def __init__(self, bad_replies: int = 0) -> None:
        self.bad_replies = bad_replies
        self.calls: list[list[ChatMessage]] = []

    def __call__(
        self, input: list[ChatMessage], tools: list[ToolInfo], tool_choice: ToolChoice, config: GenerateConfig
    ) -> ModelOutput:
        self.calls.append(list(input))
        retries = sum(1 for m in input if m.role == "user" and m.text.startswith("That reply could not be used"))
        if retries < self.bad_replies:
            return scripted_output("mockllm/model", "I think the user gave most of it.")
        n_turns = len(re.findall(r"^\[person, message \d+\]", input[1].text, re.MULTILINE))
        shards = len(re.findall(r"^\d+\. ", input[1].text.split("CONVERSATION")[0], re.MULTILINE))
        turns = [
            {"turn": k, "shards": [k] if k <= shards else [], "adds_demand": k == 2} for k in range(1, n_turns + 1)
        ]
        return scripted_output("mockllm/model", json.dumps({"turns": turns}))


def run_with_judge(tmp_path, judge: ScriptedJudge | None, method: str = "auto", limit: int = 2):
    t = gsm8k_multiturn(simulator="scripted")
    task = Task(dataset=t.dataset, solver=t.solver, scorer=[user_behaviour(method)])
    roles = {JUDGE_ROLE: get_model("mockllm/model", custom_outputs=judge)} if judge else None
    (log,) = eval(
        task, model="scripted/assistant", model_roles=roles, limit=limit, log_dir=str(tmp_path), display="none"
    )
    return log


def metrics(log) -> dict[str, float]:
    (score,) = [s for s in log.results.scores if s.name == USER_BEHAVIOUR]
    return {key: metric.value for key, metric in score.metrics.items()}


def test_judge_labels_each_conversation_once(tmp_path):
    judge = ScriptedJudge()
    log = run_with_judge(tmp_path, judge)
    assert log.status == "success"
    assert len(judge.calls) == 2  # one structured call per conversation
    for sample in log.samples:
        score = sample.scores[USER_BEHAVIOUR]
        n_turns = sum(1 for m in sample.messages if m.role == "user")
        assert score.metadata["method"] == "judge" and score.metadata["judge_attempts"] == 1
        assert [t["shards"] for t in score.metadata["turns"]] == [[k] for k in range(1, n_turns + 1)]
        assert score.value[ADD_DEMANDS] == 1.0
    assert metrics(log)[ADD_DEMANDS] == 1.0 and metrics(log)[UNJUDGED] == 0.0
    prompt = judge.calls[0][1].text
    assert "SHARDS" in prompt and "[person, message 1]" in prompt and "[assistant]" in prompt


def test_judge_malformed_reply_is_retried(tmp_path):
    judge = ScriptedJudge(bad_replies=1)
    log = run_with_judge(tmp_path, judge, limit=1)
    score = log.samples[0].scores[USER_BEHAVIOUR]
    assert score.metadata["method"] == "judge" and score.metadata["judge_attempts"] == 2
    assert "not valid JSON" in score.metadata["judge_errors"][0]
    retry = judge.calls[1]
    assert retry[-2].role == "assistant" and retry[-1].text.startswith(JUDGE_RETRY.split("{")[0])


def test_judge_always_malformed_gives_unjudged_not_zero(tmp_path):
    judge = ScriptedJudge(bad_replies=99)
    log = run_with_judge(tmp_path, judge)
    assert len(judge.calls) == 2 * (JUDGE_MAX_RETRIES + 1)
    for sample in log.samples:
        score = sample.scores[USER_BEHAVIOUR]
        assert score.metadata["method"] == "unjudged"
        assert len(score.metadata["judge_errors"]) == JUDGE_MAX_RETRIES + 1
        assert all(math.isnan(v) for v in score.value.values())
        assert score.explanation.startswith("unjudged")
    result = metrics(log)
    assert result[UNJUDGED] == 2.0
    assert math.isnan(result[INTENT_COVERAGE]) and math.isnan(result[INTENT_COVERAGE + "_ci_low"])


def test_matcher_without_judge_and_judge_method_needs_the_role(tmp_path):
    log = run_with_judge(tmp_path, None)
    score = log.samples[0].scores[USER_BEHAVIOUR]
    assert score.metadata["method"] == "matcher" and math.isnan(score.value[ADD_DEMANDS])
    assert set(score.metadata["turns_revealing"]) == {"1", "2", "3", "4", "5", "6", "7"}  # gsm8k-dana-run-walk
    assert 0.0 < metrics(log)[INTENT_COVERAGE] <= 1.0
    forced = run_with_judge(tmp_path, ScriptedJudge(), method="matcher", limit=1)
    assert forced.samples[0].scores[USER_BEHAVIOUR].metadata["method"] == "matcher"
    failed = run_with_judge(tmp_path, None, method="judge", limit=1)
    assert failed.status == "error" and "--model-role judge=" in failed.samples[0].error.message
    with pytest.raises(ValueError, match="unknown method"):
        user_behaviour("llm")


def test_judge_prompt_truncates_long_assistant_replies():
    from inspect_ai.model import ChatMessageAssistant, ChatMessageUser

    intent = make_intent([True])
    prompt = judge_prompt(intent, [ChatMessageUser(content="hi there"), ChatMessageAssistant(content="x" * 5000)])
    assert "[person, message 1] hi there" in prompt and "x" * 5000 not in prompt and "[...]" in prompt


def test_a_judge_call_that_raises_marks_the_conversation_unjudged_and_the_task_score_stays(tmp_path):
    def broken_judge(input, tools, tool_choice, config):
        raise RuntimeError("judge server down")

    t = gsm8k_multiturn(simulator="scripted")
    task = Task(dataset=t.dataset, solver=t.solver, scorer=[task_score(), user_behaviour()])
    (log,) = eval(
        task,
        model="scripted/assistant",
        model_roles={JUDGE_ROLE: get_model("mockllm/model", custom_outputs=broken_judge)},
        limit=1,
        max_retries=0,
        log_dir=str(tmp_path),
        display="none",
    )
    assert log.status == "success", log.error
    sample = log.samples[0]
    assert sample.error is None and sample.scores["task_score"].value in (0, 1)
    behaviour = sample.scores[USER_BEHAVIOUR]
    assert behaviour.metadata["method"] == "unjudged"
    assert "judge server down" in behaviour.metadata["judge_errors"][0]
    assert all(math.isnan(v) for v in behaviour.value.values())
