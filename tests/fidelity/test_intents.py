"""Intents for conversations without one: the writer role (scripted here), retries, failures and the cache."""

import asyncio
import json
from pathlib import Path

import pytest
from inspect_ai.model import ChatMessage, GenerateConfig, ModelOutput, get_model
from inspect_ai.tool import ToolChoice, ToolInfo

from benchmark.constants import WRITER_MAX_ATTEMPTS
from benchmark.fidelity.conversations import ConversationError, HumanConversation, read_conversations
from benchmark.fidelity.intents import (
    INTENT_MAX_WORDS,
    INTENT_SCHEMA,
    WRITER_MESSAGE_CHARS,
    complete_intents,
    content_hash,
    parse_intent_reply,
    write_intent,
    writer_messages,
)
from benchmark.intents.record import INTENT_PREFIX
from benchmark.serving.scripted import scripted_output

HUMAN = Path(__file__).parent / "data" / "human_conversations.jsonl"


def reply(goal: str) -> str:
    return json.dumps({"intent": f"{INTENT_PREFIX} {goal}"})


class ScriptedWriter:
    """A writer model that answers each conversation from a script keyed by its first user turn."""

    def __init__(self, script: dict[str, list[str]]) -> None:
        self.script = {opening: list(replies) for opening, replies in script.items()}
        self.calls: list[tuple[list[ChatMessage], GenerateConfig]] = []

    def __call__(
        self, input: list[ChatMessage], tools: list[ToolInfo], tool_choice: ToolChoice, config: GenerateConfig
    ) -> ModelOutput:
        self.calls.append((list(input), config))
        transcript = input[1].text
        opening = next(key for key in self.script if key in transcript)
        replies = self.script[opening]
        return scripted_output("mockllm/model", replies.pop(0) if len(replies) > 1 else replies[0])

    def model(self):
        return get_model("mockllm/model", custom_outputs=self, memoize=False)


@pytest.fixture
def conversations() -> list[HumanConversation]:
    return read_conversations(HUMAN)


def without_intent(conversations: list[HumanConversation], count: int) -> list[HumanConversation]:
    return [c for c in conversations if c.intent is None][:count]


def test_missing_intents_are_written_cached_and_not_asked_for_again(conversations, tmp_path):
    todo = without_intent(conversations, 2)
    given = next(c for c in conversations if c.intent is not None)
    cache = tmp_path / "cache" / "intents.jsonl"
    writer = ScriptedWriter(
        {
            todo[0].user_turns[0]: [
                reply("get a cover letter for a barista job, then make it shorter and less formal.")
            ],
            todo[1].user_turns[0]: [reply("find out whether coffee on an empty stomach is bad for you.")],
        }
    )
    report = asyncio.run(complete_intents([todo[0], given, todo[1]], writer.model(), cache))
    assert [o.status for o in report.outcomes] == ["written", "given", "written"]
    assert [c.id for c in report.conversations] == [todo[0].id, given.id, todo[1].id]
    assert report.conversations[0].intent == json.loads(writer.script[todo[0].user_turns[0]][0])["intent"]
    assert report.conversations[1] == given
    assert len(writer.calls) == 2 and report.writer_calls == 2
    records = [json.loads(line) for line in cache.read_text(encoding="utf-8").splitlines()]
    assert sorted((r["id"], r["content_hash"]) for r in records) == sorted((c.id, content_hash(c)) for c in todo)
    # structured output: the reply's schema goes with every call
    assert writer.calls[0][1].response_schema == INTENT_SCHEMA
    assert INTENT_SCHEMA.json_schema.required == ["intent"]

    again = ScriptedWriter({})
    rerun = asyncio.run(complete_intents([todo[0], given, todo[1]], again.model(), cache))
    assert again.calls == []
    assert [o.status for o in rerun.outcomes] == ["cached", "given", "cached"]
    assert rerun.conversations == report.conversations
    # nothing to write: no model needed
    assert asyncio.run(complete_intents(todo, None, cache)).count("cached") == 2


def test_a_changed_conversation_misses_the_cache(conversations, tmp_path):
    (first,) = without_intent(conversations, 1)
    cache = tmp_path / "intents.jsonl"
    asyncio.run(
        complete_intents([first], ScriptedWriter({first.user_turns[0]: [reply("a first goal.")]}).model(), cache)
    )
    changed = first.model_copy(update={"messages": first.messages[:2]})
    writer = ScriptedWriter({first.user_turns[0]: [reply("a second goal.")]})
    report = asyncio.run(complete_intents([changed], writer.model(), cache))
    assert report.outcomes[0].status == "written" and len(writer.calls) == 1
    assert report.conversations[0].intent == f"{INTENT_PREFIX} a second goal."


def test_a_malformed_reply_goes_back_to_the_writer_with_the_complaint(conversations):
    (first,) = without_intent(conversations, 1)
    writer = ScriptedWriter(
        {first.user_turns[0]: ["Sure! The user wants a cover letter.", reply("get a cover letter.")]}
    )
    outcome = asyncio.run(write_intent(writer.model(), first))
    assert outcome.status == "written" and outcome.attempts == 2
    assert outcome.conversation.intent == f"{INTENT_PREFIX} get a cover letter."
    (opening, _), (retry, _) = writer.calls
    assert opening[0].role == "system" and "[person]\ncan u help me write a cover letter" in opening[1].text
    assert retry[2].text == "Sure! The user wants a cover letter."
    assert "the reply is not one JSON object" in retry[3].text
    assert outcome.problems == (retry[3].text.splitlines()[1].removeprefix("- "),)


def test_a_writer_that_never_gets_it_right_fails_that_conversation_only(conversations, tmp_path):
    bad, good = without_intent(conversations, 2)
    writer = ScriptedWriter(
        {
            bad.user_turns[0]: [json.dumps({"intent": "The user wants a cover letter."})],
            good.user_turns[0]: [reply("learn whether coffee on an empty stomach is bad.")],
        }
    )
    cache = tmp_path / "intents.jsonl"
    report = asyncio.run(complete_intents([bad, good], writer.model(), cache))
    assert [o.status for o in report.outcomes] == ["failed", "written"]
    assert report.outcomes[0].attempts == WRITER_MAX_ATTEMPTS
    assert report.failed[0].problems == (f'the intent must begin with exactly "{INTENT_PREFIX}"',)
    assert [c.id for c in report.conversations] == [good.id]
    assert report.summary() == [
        f"intents for 2 conversations: given 0, cached 0, written 1, failed 1 ({WRITER_MAX_ATTEMPTS + 1} writer calls)",
        f'  {bad.id}: the intent must begin with exactly "{INTENT_PREFIX}"',
    ]
    assert [json.loads(line)["id"] for line in cache.read_text(encoding="utf-8").splitlines()] == [good.id]


def test_a_failing_writer_call_is_reported(conversations, tmp_path):
    (first,) = without_intent(conversations, 1)

    def broken_api(input, tools, tool_choice, config):
        raise RuntimeError("quota exceeded")

    model = get_model("mockllm/model", custom_outputs=broken_api, memoize=False)
    report = asyncio.run(complete_intents([first], model, tmp_path / "intents.jsonl"))
    assert report.failed[0].problems == ("the writer call failed: RuntimeError: quota exceeded",)
    assert report.conversations == []


def test_without_a_writer_the_error_says_how_to_bind_one(conversations, tmp_path):
    with pytest.raises(ConversationError, match="2 conversations have no intent .* --model-role writer=PROVIDER/MODEL"):
        asyncio.run(complete_intents(without_intent(conversations, 2), None, tmp_path / "intents.jsonl"))


def test_reply_rules():
    assert parse_intent_reply("```json\n" + reply("fix a bug.") + "\n```") == f"{INTENT_PREFIX} fix a bug."
    assert parse_intent_reply(reply("go")) == ["the intent must go on to say what the person wanted"]
    long = reply("do " + "many things " * INTENT_MAX_WORDS)
    assert parse_intent_reply(long) == [
        f"the intent has {2 * INTENT_MAX_WORDS + 12} words; keep it to {INTENT_MAX_WORDS} or fewer"
    ]
    assert parse_intent_reply(reply("fix a bug.\n\nThen test it.")) == [
        "the intent must be one paragraph, without line breaks"
    ]
    assert parse_intent_reply(json.dumps({"intent": f"{INTENT_PREFIX} x y z", "notes": "-"})) == [
        'the reply must be exactly {"intent": "<one paragraph>"}: one string field, nothing else'
    ]


def test_the_prompt_shows_the_conversation_with_long_messages_cut(conversations):
    long = HumanConversation(
        id="long-1",
        messages=[
            {"role": "user", "content": "fix this\n" + "x = 1\n" * 1000},
            {"role": "assistant", "content": "Done."},
        ],
    )
    system, task = writer_messages(long)
    assert INTENT_PREFIX in system.text and "at most" in system.text
    assert task.text.startswith("The conversation:\n\n[person]\nfix this\n")
    assert task.text.endswith(" [...]\n\n[assistant]\nDone.")
    assert len(task.text) < WRITER_MESSAGE_CHARS + 100


def test_a_corrupt_cache_line_is_located(conversations, tmp_path):
    cache = tmp_path / "intents.jsonl"
    cache.write_text('{"id": "human-03", "intent": "x"}\n', encoding="utf-8")
    with pytest.raises(ConversationError, match="intents.jsonl:1: not an intent cache record"):
        asyncio.run(complete_intents(without_intent(conversations, 1), None, cache))
