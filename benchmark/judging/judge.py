"""The LLM judge: label each user turn with the shards it reveals and whether it adds a demand.

Used when the Inspect model role `judge` is bound. One structured call per conversation;
the reply must be one JSON object, checked strictly. A malformed reply is answered with
the problem and asked again, at most JUDGE_MAX_RETRIES times; after that the conversation
is unjudged (its figures are missing, never 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from inspect_ai.model import ChatMessage, ChatMessageSystem, ChatMessageUser, Model, get_model, model_roles
from pydantic import BaseModel, ConfigDict

from benchmark.constants import JUDGE_ASSISTANT_CHARS, JUDGE_ROLE
from benchmark.intents.record import Intent
from benchmark.judging.replies import JUDGE_RETRY as JUDGE_RETRY  # re-exported: fidelity.adherence reads it here
from benchmark.judging.replies import JudgeReplyError, ask_judge, judge_config, load_reply

JUDGE_SYSTEM = """\
You annotate conversations between a person and an AI assistant. Before the conversation \
the person had a task in mind, described below, and split into numbered pieces of \
information called shards. Your job is to say, for every message the person wrote, which \
shards that message gives to the assistant.

How to decide:
- A message gives a shard when someone reading it (with the conversation before it) would \
learn the shard's information. Any wording counts: paraphrase, abbreviations, numbers \
written as words, a short answer to the assistant's question.
- Giving only part of a shard (a number without what it refers to, one of several \
examples the shard lists) does not count.
- A message may give several shards or none. A shard given again in a later message \
counts again in that message.
- adds_demand is true when the message asks for something the task does not contain: a \
new requirement, a different or extra task, a constraint found neither in the task nor in \
its shards. Thanks, small talk, clarifying questions and requests the task implies are \
not demands.

Answer with one JSON object and nothing else, in this form:
{"turns": [{"turn": 1, "shards": [1, 3], "adds_demand": false}, ...]}
with exactly one entry for each message of the person, numbered as shown, in order."""


class _TurnLabel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    turn: int
    shards: list[int]
    adds_demand: bool


class _Reply(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    turns: list[_TurnLabel]


@dataclass
class JudgeLabels:
    """What the judge said about one conversation."""

    shards: list[list[int]] | None
    """For each user turn, the shard ids it reveals; None when the conversation is unjudged."""
    adds_demand: list[bool] | None
    """For each user turn, whether it asks for something not in the intent; None when unjudged."""
    attempts: int = 0
    errors: list[str] = field(default_factory=list)
    """Why each rejected reply was rejected."""


def judge_model() -> Model | None:
    """The model bound to the `judge` role, or None when the role is not bound (never the model under test)."""
    return get_model(role=JUDGE_ROLE) if model_roles().get(JUDGE_ROLE) is not None else None


def judge_prompt(intent: Intent, conversation: Sequence[ChatMessage]) -> str:
    """The user message of the judge call: the task, its shards and the numbered conversation."""
    lines = ["TASK", intent.intent, "", "SHARDS"]
    lines += [f"{shard.id}. {shard.text}" for shard in intent.shards]
    lines += ["", "CONVERSATION"]
    turn = 0
    for message in conversation:
        if message.role == "user":
            turn += 1
            lines.append(f"[person, message {turn}] {message.text}")
        elif message.role == "assistant":
            text = message.text
            if len(text) > JUDGE_ASSISTANT_CHARS:
                text = text[:JUDGE_ASSISTANT_CHARS] + " [...]"
            lines.append(f"[assistant] {text}")
    return "\n".join(lines)


def parse_judge_reply(text: str, n_turns: int, shard_ids: set[int]) -> tuple[list[list[int]], list[bool]]:
    """The per-turn shard ids and demand flags of a reply; JudgeReplyError when it is malformed."""
    reply = load_reply(text, _Reply)
    numbers = [label.turn for label in reply.turns]
    if numbers != list(range(1, n_turns + 1)):
        raise JudgeReplyError(f"expected turns 1..{n_turns} in order, got {numbers}")
    for label in reply.turns:
        unknown = sorted(set(label.shards) - shard_ids)
        if unknown:
            raise JudgeReplyError(f"turn {label.turn}: unknown shard ids {unknown}; shards are {sorted(shard_ids)}")
    return [sorted(set(label.shards)) for label in reply.turns], [label.adds_demand for label in reply.turns]


async def judge_conversation(model: Model, intent: Intent, conversation: Sequence[ChatMessage]) -> JudgeLabels:
    """Ask `model` to label the user turns of `conversation`, retrying malformed replies (bounded); a call
    that fails after Inspect's retries leaves the conversation unjudged (the sample stays)."""
    n_turns = sum(1 for message in conversation if message.role == "user")
    shard_ids = {shard.id for shard in intent.shards}
    messages = [ChatMessageSystem(content=JUDGE_SYSTEM), ChatMessageUser(content=judge_prompt(intent, conversation))]
    exchange = await ask_judge(
        model, messages, lambda text: parse_judge_reply(text, n_turns, shard_ids), judge_config(model)
    )
    shards, demands = exchange.value if exchange.value is not None else (None, None)
    return JudgeLabels(shards=shards, adds_demand=demands, attempts=exchange.attempts, errors=exchange.errors)
