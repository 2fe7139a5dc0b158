"""The human-conversation format: strict reading with located errors, writing, and the shipped fixture."""

import json
from collections import Counter
from pathlib import Path

import pytest

from benchmark.errors import UserError
from benchmark.fidelity.conversations import (
    MAX_REPORTED_PROBLEMS,
    ConversationError,
    HumanConversation,
    Message,
    read_conversations,
    write_conversations,
)
from benchmark.intents.record import INTENT_PREFIX

DATA = Path(__file__).parent / "data"
HUMAN = DATA / "human_conversations.jsonl"

HI = {"role": "user", "content": "hi"}
HELLO = {"role": "assistant", "content": "Hello! How can I help?"}


def write_lines(path: Path, *records) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ConversationError) as caught:
        read_conversations(path)
    return caught.value.problems


def test_the_fixture_validates():
    conversations = read_conversations(HUMAN)
    assert len(conversations) >= 24
    assert len({c.id for c in conversations}) == len(conversations)
    turns = Counter(len(c.user_turns) for c in conversations)
    assert set(turns) == {1, 2, 3, 4, 5, 6} and turns[1] >= 3
    with_intent = [c for c in conversations if c.intent is not None]
    assert 0 < len(with_intent) < len(conversations)
    assert all(c.intent.startswith(INTENT_PREFIX) for c in with_intent)


def test_every_problem_of_a_file_is_reported_with_line_field_and_fix(tmp_path):
    path = write_lines(
        tmp_path / "convs.jsonl",
        {"id": "ok-1", "messages": [HI, HELLO]},
        {"id": "c2", "messages": [HI, HELLO, {"role": "system", "content": "be nice"}, HELLO]},
        {"id": "c3", "messages": [HELLO, HI, HELLO]},
        {"id": "c4", "messages": [HI, HI, HELLO]},
        {"id": "c5", "messages": [HI]},
        {"id": "c6", "messages": [HI, HELLO, HI]},
        {"id": "c7", "messages": [HI, HELLO], "turns": 1},
        {"id": "c8", "messages": [{"role": "user", "content": 42}, HELLO]},
        {"id": "ok-1", "messages": [HI, HELLO]},
        '{"id": "c10", "messages": [',
        "[1, 2]",
        {"id": "c12", "messages": [HI, HELLO], "intent": "Help me with my homework."},
        {"id": "c13", "messages": [{"role": "user", "content": "  "}, HELLO]},
        {"messages": [HI, HELLO]},
        {"id": "c 15", "messages": [HI, {"role": "assistant", "text": "hi"}]},
    )
    name = str(path)
    assert problems_of(path) == [
        f"{name}:2: field 'messages[2].role': 'system' is not allowed; use \"user\" or \"assistant\"",
        f"{name}:3: field 'messages[0].role': is 'assistant'; a conversation starts with the user",
        f"{name}:4: field 'messages[1].role': 'user' twice in a row (messages 0 and 1); user and assistant must "
        "alternate: merge the two messages or drop one",
        f"{name}:5: field 'messages': has no assistant reply; add the assistant's reply",
        f"{name}:6: field 'messages[2]': is a user turn with no assistant reply after it; end with the assistant's "
        "reply (drop the unanswered turn)",
        f"{name}:7: field 'turns': unknown field; fields are id, messages, intent, source",
        f"{name}:8: field 'messages[0].content': expected a string, got a number; use the message text as a string",
        f"{name}:9: field 'id': 'ok-1' already used on line 1; ids must be unique",
        f"{name}:10: not valid JSON (Expecting value); each line must be one JSON object",
        f"{name}:11: expected a JSON object with id and messages, got a list",
        f"{name}:12: field 'intent': must start with '{INTENT_PREFIX}'; write the goal after it, or leave the "
        "intent out to have one written",
        f"{name}:13: field 'messages[0].content': must not be blank; write the message text or drop the turn "
        "with its reply",
        f"{name}:14: field 'id': missing; add a unique id such as \"conv-1\"",
        f"{name}:15: field 'id': 'c 15' is not a usable id; use letters, digits and . _ : - only, no spaces",
        f"{name}:15: field 'messages[1].content': missing; add the message text as a string",
        f"{name}:15: field 'messages[1].text': unknown field; a message has only role and content",
    ]


def test_wrong_types_name_what_was_expected(tmp_path):
    path = write_lines(
        tmp_path / "types.jsonl",
        {"id": 7, "messages": "hi there"},
        {"id": "c2", "messages": [HI, "Hello!"], "source": ""},
    )
    assert problems_of(path) == [
        f"{path}:1: field 'id': expected a string, got a number; use a unique id such as \"conv-1\"",
        f"{path}:1: field 'messages': expected a list, got a string; use a list of "
        '{"role": ..., "content": ...} objects, user first',
        f"{path}:2: field 'messages[1]': expected an object, got a string; use "
        '{"role": "user" or "assistant", "content": "..."}',
        f"{path}:2: field 'source': must not be blank; name the source, e.g. \"wildchat\", or leave it out",
    ]


def test_an_empty_or_missing_file_says_what_to_pass(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n  \n", encoding="utf-8")
    with pytest.raises(ConversationError, match="empty.jsonl: no conversations in file; expected one JSON object"):
        read_conversations(empty)
    with pytest.raises(ConversationError, match="nope.jsonl: conversation file not found"):
        read_conversations(tmp_path / "nope.jsonl")


def test_a_long_list_of_problems_is_cut_in_the_message_but_kept_whole(tmp_path):
    path = write_lines(tmp_path / "bad.jsonl", *[{"id": f"c{i}", "messages": [HI]} for i in range(25)])
    with pytest.raises(ConversationError) as caught:
        read_conversations(path)
    assert len(caught.value.problems) == 25
    lines = str(caught.value).splitlines()
    assert len(lines) == MAX_REPORTED_PROBLEMS + 1 and lines[-1] == "... and 5 more problems"
    assert isinstance(caught.value, UserError)


def test_write_then_read_round_trips_and_leaves_absent_fields_out(tmp_path):
    conversations = read_conversations(HUMAN)
    out = tmp_path / "out.jsonl"
    write_conversations(out, conversations)
    assert read_conversations(out) == conversations
    first = json.loads(out.read_text(encoding="utf-8").splitlines()[3])
    assert set(first) == {"id", "messages"}


def test_records_can_be_built_in_code():
    conversation = HumanConversation(
        id="x-1", messages=[Message(role="user", content="hi"), Message(role="assistant", content="hey")]
    )
    assert conversation.user_turns == ["hi"] and conversation.intent is None
