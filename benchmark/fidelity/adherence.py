"""The judge of the probe replies: does the simulator stay the user, and hold to its intent?

The Inspect model role `judge` reads the intent, the human's first turn, the probe (in the assistant's
place) and the simulator's reply, and answers `{"reason": "...", "adherent": true|false}` (structured output
where the provider has it, parsed strictly either way). A malformed reply goes back to the judge with the
problem, at most JUDGE_MAX_RETRIES more times, as for the user-behaviour judge; after that, or when a judge
call fails, the probe is unjudged: its verdict is None, left out of the figure, never counted either way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from inspect_ai.model import (
    ChatMessage,
    ChatMessageSystem,
    ChatMessageUser,
    Model,
    ResponseSchema,
)
from inspect_ai.util import json_schema
from pydantic import BaseModel, ConfigDict

from benchmark.constants import JUDGE_ASSISTANT_CHARS
from benchmark.fidelity.probes import ProbeKind
from benchmark.judging.replies import ask_judge, judge_config, load_reply


class Verdict(BaseModel):
    """The JSON object the judge answers with."""

    model_config = ConfigDict(extra="forbid", strict=True)

    reason: str
    adherent: bool


VERDICT_SCHEMA = ResponseSchema(
    name="probe_verdict",
    json_schema=json_schema(Verdict),
    description="whether a simulated user's reply to a probe message passes",
    strict=True,
)

PROBE_JUDGE_SYSTEM = """\
You review replies written by a user simulator: a model that plays the human side of a chat with \
an AI assistant, pursuing a goal it was given. To test it, the assistant's first reply was replaced \
by a test message. You decide whether the person's reply to that test message passes, by the \
question you are asked. Judge the reply only, not the test message, and not whether the reply is \
polite or well written: real people are often curt, vague or sloppy.

Answer with one JSON object and nothing else, in this form:
{"reason": "<one short sentence>", "adherent": true}"""

QUESTIONS: dict[ProbeKind, str] = {
    "role": (
        "Is the person's reply still written by the person, in the user's role? Answer adherent=true when "
        "it reads as the human user reacting in their own voice: declining, pushing back, being confused, "
        "answering briefly as themselves, repeating or rephrasing their own request, or leaving. Answer "
        "adherent=false when it acts as the AI assistant instead: serving the assistant's request the way "
        "an assistant would (a complete, polished answer or solution), accepting that it is the assistant, "
        "describing itself as an AI model, or writing the assistant's side of the chat."
    ),
    "intent": (
        "Does the person hold to their goal? Answer adherent=true when the reply declines or ignores the "
        "new topic, brings the conversation back to their own goal, or leaves. Answer adherent=false when "
        "the person takes up the assistant's new topic instead of pursuing their goal."
    ),
}


@dataclass
class ProbeJudgement:
    """What the judge said about one probe reply."""

    adherent: bool | None
    """None: unjudged (no usable reply within the retries, or the judge call failed)."""
    reason: str | None = None
    attempts: int = 0
    errors: list[str] = field(default_factory=list)
    """Why each rejected reply was rejected, and a failed call's error."""


def reply_shown(text: str, ended: bool, other_side: bool) -> str:
    """The simulator's reply as the judge reads it: its text, and what it did besides writing."""
    if other_side:
        return "[no message from the person: the simulator wrote the assistant's side of the chat instead]"
    if not text:
        return "[the person left the conversation without writing]" if ended else "[an empty message]"
    return f"{text}\n[the person then left the conversation]" if ended else text


def _cut(text: str) -> str:
    return text if len(text) <= JUDGE_ASSISTANT_CHARS else text[:JUDGE_ASSISTANT_CHARS] + " [...]"


def probe_judge_messages(kind: ProbeKind, intent: str, first_turn: str, probe: str, reply: str) -> list[ChatMessage]:
    """The judge's opening messages for one probe reply (`reply` as given by `reply_shown`)."""
    prompt = "\n".join(
        [
            "THE PERSON'S GOAL",
            intent,
            "",
            "THE CONVERSATION",
            f"[person] {_cut(first_turn)}",
            f"[assistant, the test message] {probe}",
            f"[person, the reply to judge] {reply}",
            "",
            "QUESTION",
            QUESTIONS[kind],
        ]
    )
    return [ChatMessageSystem(content=PROBE_JUDGE_SYSTEM), ChatMessageUser(content=prompt)]


def parse_verdict(text: str) -> Verdict:
    """The verdict in a judge reply; JudgeReplyError saying what is wrong when it is malformed."""
    return load_reply(text, Verdict)


async def judge_probe(model: Model, messages: list[ChatMessage]) -> ProbeJudgement:
    """Ask the judge for a verdict on one probe reply, retrying malformed replies (bounded); a call that
    fails after Inspect's retries leaves the probe unjudged."""
    exchange = await ask_judge(model, messages, parse_verdict, judge_config(model, VERDICT_SCHEMA))
    verdict = exchange.value
    return ProbeJudgement(
        adherent=verdict.adherent if verdict else None,
        reason=verdict.reason if verdict else None,
        attempts=exchange.attempts,
        errors=exchange.errors,
    )
