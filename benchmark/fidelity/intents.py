"""Intents for human conversations that have none, written by the Inspect model role `writer`.

A simulator replaying a human conversation needs the intent the human pursued, in the form UserLM-8b
is conditioned on ("You are a user chatting with an assistant language model to ..."). The UserLM
paper had GPT-4o write one per conversation; here any model bound to `--model-role writer=...` reads
the conversation and answers `{"intent": "..."}` (structured output where the provider has it, parsed
strictly either way). A reply that does not parse or breaks the intent rules goes back to the writer
with the complaint, up to WRITER_MAX_ATTEMPTS calls; a conversation it never gets right is reported as
failed and left out, never given a bad intent.

Written intents are cached in a JSONL file keyed by the conversation id and a hash of its messages,
so a rerun on the same conversations makes no writer calls; a changed conversation is written anew.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageUser,
    Model,
    ResponseSchema,
)
from inspect_ai.util import json_schema
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from benchmark.constants import WRITER_MAX_ATTEMPTS, WRITER_ROLE
from benchmark.fidelity.conversations import ConversationError, HumanConversation
from benchmark.intents.build import writer_config
from benchmark.intents.record import INTENT_PREFIX

INTENT_MAX_WORDS = 90
"""A written intent is one paragraph of at most this many words: a goal, not a transcript."""
WRITER_MESSAGE_CHARS = 1500
"""Each message of the conversation is shown to the writer up to this length (long pastes are cut)."""

Status = Literal["given", "cached", "written", "failed"]


class IntentReply(BaseModel):
    """The JSON object the writer answers with."""

    model_config = ConfigDict(extra="forbid", strict=True)

    intent: str = Field(description=f"one paragraph starting '{INTENT_PREFIX}'")


INTENT_SCHEMA = ResponseSchema(
    name="conversation_intent",
    json_schema=json_schema(IntentReply),
    description="the intent behind one human conversation with an assistant",
    strict=True,
)

WRITER_SYSTEM = f"""\
You help evaluate user simulators: models that play the human side of a chat with an AI \
assistant. You will read a real conversation between a person and an assistant. Describe, \
for someone who will play that person, what the person wanted from the conversation.

- Begin with exactly "{INTENT_PREFIX}" and continue with the person's goal.
- Address the person as "you".
- Stay at the level of goals: what they were after and the further things they asked for as \
the conversation went on, in order. Leave out their exact wording, numbers, code and pasted \
text, unless the goal makes no sense without one of those details. Whoever plays the person \
must find their own words.
- Describe only what the person wanted, never the assistant's answers, and add nothing the \
person did not ask for.
- Write one paragraph of at most {INTENT_MAX_WORDS} words.

For example, for a conversation in which someone asks for names for a cupcake shop and then \
asks for ones with puns, a good answer is:
{{"intent": "{INTENT_PREFIX} come up with a name for a small bakery that only sells cupcakes, \
and then get some options that are puns."}}

Answer with a single JSON object and nothing else: {{"intent": "..."}}"""


def content_hash(conversation: HumanConversation) -> str:
    """A short hash of the conversation's messages: the cache key besides its id."""
    messages = [message.model_dump() for message in conversation.messages]
    canonical = json.dumps(messages, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def _shown(text: str) -> str:
    return text if len(text) <= WRITER_MESSAGE_CHARS else text[:WRITER_MESSAGE_CHARS] + " [...]"


def writer_messages(conversation: HumanConversation) -> list[ChatMessage]:
    """The writer's opening messages: our instructions and the conversation as a transcript."""
    transcript = "\n\n".join(
        f"[{'person' if m.role == 'user' else 'assistant'}]\n{_shown(m.content)}" for m in conversation.messages
    )
    return [ChatMessageSystem(content=WRITER_SYSTEM), ChatMessageUser(content=f"The conversation:\n\n{transcript}")]


_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.S)


def parse_intent_reply(text: str) -> str | list[str]:
    """The intent in a writer reply, or what is wrong with the reply (each problem with its fix)."""
    body = text.strip()
    fenced = _FENCE.match(body)
    if fenced:
        body = fenced.group(1)
    try:
        intent = IntentReply.model_validate(json.loads(body)).intent.strip()
    except json.JSONDecodeError as err:
        return [f'the reply is not one JSON object ({err.msg}); answer with only {{"intent": "..."}}']
    except ValidationError:
        return ['the reply must be exactly {"intent": "<one paragraph>"}: one string field, nothing else']
    problems = []
    if not intent.startswith(INTENT_PREFIX):
        problems.append(f'the intent must begin with exactly "{INTENT_PREFIX}"')
    elif len(intent.removeprefix(INTENT_PREFIX).split()) < 3:
        problems.append("the intent must go on to say what the person wanted")
    if "\n" in intent:
        problems.append("the intent must be one paragraph, without line breaks")
    if len(intent.split()) > INTENT_MAX_WORDS:
        problems.append(f"the intent has {len(intent.split())} words; keep it to {INTENT_MAX_WORDS} or fewer")
    return problems or intent


def retry_message(problems: Sequence[str]) -> ChatMessageUser:
    """What the writer is told when its reply is rejected."""
    listed = "\n".join(f"- {problem}" for problem in problems)
    return ChatMessageUser(content=f"That answer was rejected:\n{listed}\nWrite the JSON object again with this fixed.")


# --- outcomes ---------------------------------------------------------------------------


@dataclass
class IntentOutcome:
    """What happened to one conversation: its intent given, cached, written, or failed."""

    conversation: HumanConversation
    """With its intent, unless the status is "failed"."""
    status: Status
    attempts: int = 0
    """Writer calls made for it."""
    problems: tuple[str, ...] = ()
    """Why the last reply was rejected (a failed conversation) or what the writer was told to fix."""


@dataclass
class IntentReport:
    """The outcome of every conversation, in input order."""

    outcomes: list[IntentOutcome] = field(default_factory=list)

    @property
    def conversations(self) -> list[HumanConversation]:
        """The conversations that have an intent (failed ones left out)."""
        return [o.conversation for o in self.outcomes if o.status != "failed"]

    @property
    def failed(self) -> list[IntentOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def writer_calls(self) -> int:
        return sum(o.attempts for o in self.outcomes)

    def count(self, status: Status) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def summary(self) -> list[str]:
        lines = [
            f"intents for {len(self.outcomes)} conversations: given {self.count('given')}, "
            f"cached {self.count('cached')}, written {self.count('written')}, failed {self.count('failed')} "
            f"({self.writer_calls} writer calls)"
        ]
        lines += [f"  {o.conversation.id}: {'; '.join(o.problems)}" for o in self.failed]
        return lines


# --- the cache ----------------------------------------------------------------------------


class IntentCache:
    """Written intents on disk, one JSON object per line: {"id", "content_hash", "intent"}."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._intents: dict[tuple[str, str], str] = {}
        if self.path.is_file():
            self._read()

    def _read(self) -> None:
        with self.path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                    key = (record["id"], record["content_hash"])
                    intent = record["intent"]
                except (json.JSONDecodeError, KeyError, TypeError):
                    raise ConversationError(
                        f"{self.path}:{number}: not an intent cache record (id, content_hash, intent); "
                        "delete the line or the file to write those intents again"
                    ) from None
                if not isinstance(intent, str) or not intent.startswith(INTENT_PREFIX):
                    raise ConversationError(
                        f"{self.path}:{number}: field 'intent': must be a string starting '{INTENT_PREFIX}'; "
                        "delete the line or the file to write that intent again"
                    )
                self._intents[key] = intent

    def get(self, conversation: HumanConversation) -> str | None:
        return self._intents.get((conversation.id, content_hash(conversation)))

    def put(self, conversation: HumanConversation, intent: str) -> None:
        key = (conversation.id, content_hash(conversation))
        self._intents[key] = intent
        self.path.parent.mkdir(parents=True, exist_ok=True)
        record = {"id": key[0], "content_hash": key[1], "intent": intent}
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


# --- writing ------------------------------------------------------------------------------


def _with_intent(conversation: HumanConversation, intent: str) -> HumanConversation:
    return HumanConversation.model_validate({**conversation.model_dump(exclude_none=True), "intent": intent})


async def write_intent(
    model: Model, conversation: HumanConversation, max_attempts: int = WRITER_MAX_ATTEMPTS
) -> IntentOutcome:
    """Ask the writer for the conversation's intent until a reply passes or `max_attempts` calls are spent."""
    messages = writer_messages(conversation)
    config = writer_config(model).model_copy(update={"response_schema": INTENT_SCHEMA})
    told: list[str] = []
    problems: list[str] = []
    for attempt in range(1, max_attempts + 1):
        try:
            output = await model.generate(messages, config=config)
        except Exception as err:  # a failed call fails this conversation, not the whole run
            return IntentOutcome(
                conversation, "failed", attempt, (f"the writer call failed: {type(err).__name__}: {err}",)
            )
        if output.error:
            return IntentOutcome(conversation, "failed", attempt, (f"model error: {output.error}",))
        parsed = parse_intent_reply(output.completion)
        if isinstance(parsed, str):
            return IntentOutcome(_with_intent(conversation, parsed), "written", attempt, tuple(told))
        problems = parsed
        told.extend(problems)
        messages = [*messages, ChatMessageAssistant(content=output.completion), retry_message(problems)]
    return IntentOutcome(conversation, "failed", max_attempts, tuple(problems))


def writer_needed(pending: int, cache_path: str | Path) -> ConversationError:
    """The error for `pending` conversations that need the writer role when it is not bound."""
    return ConversationError(
        f"{pending} conversations have no intent and none is cached in {cache_path}: bind a writer "
        f"model with --model-role {WRITER_ROLE}=PROVIDER/MODEL (e.g. {WRITER_ROLE}=openai/gpt-4o)"
    )


async def complete_intents(
    conversations: Sequence[HumanConversation],
    model: Model | None,
    cache_path: str | Path,
    max_attempts: int = WRITER_MAX_ATTEMPTS,
) -> IntentReport:
    """Give every conversation an intent: its own, the cached one, or one the writer writes (concurrently,
    Inspect limits connections). `model` may be None when nothing needs writing."""
    cache = IntentCache(cache_path)
    report = IntentReport()
    pending: list[int] = []
    for conversation in conversations:
        if conversation.intent is not None:
            report.outcomes.append(IntentOutcome(conversation, "given"))
        elif (cached := cache.get(conversation)) is not None:
            report.outcomes.append(IntentOutcome(_with_intent(conversation, cached), "cached"))
        else:
            pending.append(len(report.outcomes))
            report.outcomes.append(IntentOutcome(conversation, "failed"))
    if pending and model is None:
        raise writer_needed(len(pending), cache.path)

    async def one(index: int) -> None:
        assert model is not None
        outcome = await write_intent(model, report.outcomes[index].conversation, max_attempts)
        if outcome.status == "written":
            assert outcome.conversation.intent is not None
            cache.put(outcome.conversation, outcome.conversation.intent)
        report.outcomes[index] = outcome

    await asyncio.gather(*(one(index) for index in pending))
    return report
