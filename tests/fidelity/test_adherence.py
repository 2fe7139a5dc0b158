"""The probe sets and the probe judge: verdicts, malformed replies, failed calls."""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter

import pytest
from inspect_ai.model import ChatMessage, GenerateConfig, ModelOutput, get_model
from inspect_ai.tool import ToolChoice, ToolInfo

from benchmark.constants import JUDGE_MAX_RETRIES
from benchmark.fidelity.adherence import (
    QUESTIONS,
    VERDICT_SCHEMA,
    judge_probe,
    parse_verdict,
    probe_judge_messages,
    reply_shown,
)
from benchmark.fidelity.probes import INTENT_PROBES, PROBE_KINDS, PROBES, ROLE_PROBES, probe_for
from benchmark.judging.judge import JudgeReplyError
from benchmark.serving.scripted import scripted_output

INTENT = "You are a user chatting with an assistant language model to fix a failing unit test."


def verdict(adherent: bool, reason: str = "stays on its goal") -> str:
    return json.dumps({"reason": reason, "adherent": adherent})


class ScriptedJudge:
    """A judge model answering from a list of replies, one per call (the last repeats); None raises."""

    def __init__(self, *replies: str | None) -> None:
        self.replies = list(replies)
        self.calls: list[tuple[list[ChatMessage], GenerateConfig]] = []

    def __call__(
        self, input: list[ChatMessage], tools: list[ToolInfo], tool_choice: ToolChoice, config: GenerateConfig
    ) -> ModelOutput:
        self.calls.append((list(input), config))
        text = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if text is None:
            raise RuntimeError("judge server went away")
        return scripted_output("mockllm/model", text)

    def model(self):
        return get_model("mockllm/model", custom_outputs=self, memoize=False)


def judge(scripted: ScriptedJudge, kind: str = "role"):
    messages = probe_judge_messages(kind, INTENT, "my test fails", PROBES[kind][0].text, "just fix it pls")
    return asyncio.run(judge_probe(scripted.model(), messages))


def test_probe_sets_are_fixed_distinct_and_of_their_kind():
    assert set(PROBES) == set(PROBE_KINDS) == {"role", "intent"}
    ids = [probe.id for probes in PROBES.values() for probe in probes]
    assert len(ids) == len(set(ids))
    assert all(p.kind == "role" and p.id.startswith("role-") for p in ROLE_PROBES)
    assert all(p.kind == "intent" and p.id.startswith("intent-") for p in INTENT_PROBES)
    texts = [probe.text for probes in PROBES.values() for probe in probes]
    assert len(set(texts)) == len(texts) and all(len(text.split()) >= 8 for text in texts)


def test_probe_choice_is_stable_and_spread():
    assert probe_for("role", "conv-1") == probe_for("role", "conv-1")
    chosen = Counter(probe_for("intent", f"conv-{n}").id for n in range(600))
    assert set(chosen) == {probe.id for probe in INTENT_PROBES}
    assert min(chosen.values()) > 600 / len(INTENT_PROBES) / 2


def test_judge_messages_hold_the_goal_the_probe_the_reply_and_the_question():
    messages = probe_judge_messages("intent", INTENT, "my test fails", "Let's talk chess.", "no, the test")
    prompt = messages[1].text
    for part in (INTENT, "my test fails", "Let's talk chess.", "no, the test", QUESTIONS["intent"]):
        assert part in prompt
    assert QUESTIONS["role"] not in prompt


@pytest.mark.parametrize(
    ("text", "ended", "other_side", "shown"),
    [
        ("no thanks", False, False, "no thanks"),
        ("ok bye", True, False, "ok bye\n[the person then left the conversation]"),
        ("", True, False, "[the person left the conversation without writing]"),
        ("", False, False, "[an empty message]"),
        ("", False, True, "[no message from the person: the simulator wrote the assistant's side of the chat instead]"),
    ],
)
def test_reply_shown(text, ended, other_side, shown):
    assert reply_shown(text, ended, other_side) == shown


def test_parse_verdict():
    assert parse_verdict(verdict(True)).adherent is True
    assert parse_verdict(f"```json\n{verdict(False)}\n```").adherent is False


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        ("It stays in role.", "not valid JSON"),
        ('{"adherent": true}', "reason"),
        ('{"reason": "x", "adherent": "yes"}', "adherent"),
        ('{"reason": "x", "adherent": true, "score": 1}', "score"),
        ('[{"reason": "x", "adherent": true}]', "reply"),
    ],
)
def test_parse_verdict_rejects_malformed(reply, problem):
    with pytest.raises(JudgeReplyError, match=re.escape(problem)):
        parse_verdict(reply)


def test_a_verdict_with_structured_output():
    scripted = ScriptedJudge(verdict(False, "it wrote the answer itself"))
    judgement = judge(scripted)
    assert judgement.adherent is False and judgement.reason == "it wrote the answer itself"
    assert judgement.attempts == 1 and judgement.errors == []
    assert scripted.calls[0][1].response_schema == VERDICT_SCHEMA
    assert scripted.calls[0][1].temperature == 0.0


def test_a_malformed_reply_is_sent_back_then_accepted():
    scripted = ScriptedJudge("I think it passes.", verdict(True))
    judgement = judge(scripted)
    assert judgement.adherent is True and judgement.attempts == 2
    assert "not valid JSON" in judgement.errors[0]
    retry = scripted.calls[1][0]
    assert retry[-2].text == "I think it passes." and "could not be used" in retry[-1].text


def test_always_malformed_is_unjudged_never_a_verdict():
    judgement = judge(ScriptedJudge('{"adherent": "maybe"}'))
    assert judgement.adherent is None
    assert judgement.attempts == JUDGE_MAX_RETRIES + 1 and len(judgement.errors) == JUDGE_MAX_RETRIES + 1


def test_a_judge_call_that_raises_is_unjudged():
    judgement = judge(ScriptedJudge(None))
    assert judgement.adherent is None and judgement.attempts == 1
    assert "judge model mockllm/model failed" in judgement.errors[0] and "went away" in judgement.errors[0]
