"""The LLM judge: label each user turn with the shards it reveals and whether it adds a demand.

Used when the Inspect model role `judge` is bound. One structured call per conversation;
the reply must be one JSON object, checked strictly. A malformed reply is answered with
the problem and asked again, at most JUDGE_MAX_RETRIES times; after that the conversation
is unjudged (its figures are missing, never 0).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageUser,
    GenerateConfig,
    Model,
    get_model,
    model_roles,
)
from pydantic import BaseModel, ConfigDict, ValidationError

from benchmark.constants import JUDGE_ASSISTANT_CHARS, JUDGE_MAX_RETRIES, JUDGE_ROLE, JUDGE_TEMPERATURE
from benchmark.conversation.model_calls import INSPECT_CONTROL
from benchmark.intents.record import Intent

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

JUDGE_RETRY = "That reply could not be used: {problem}. Answer again with only the JSON object, in the form asked."

_FENCE = re.compile(r"^```(?:json)?\s*\n(.*)\n```$", re.DOTALL)


class JudgeReplyError(ValueError):
    """The judge's reply is not the JSON object asked for; the message says why."""


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
    body = text.strip()
    fenced = _FENCE.match(body)
    if fenced:
        body = fenced.group(1).strip()
    try:
        reply = _Reply.model_validate(json.loads(body))
    except json.JSONDecodeError as err:
        raise JudgeReplyError(f"not valid JSON ({err.msg} at position {err.pos})") from None
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "reply"
        raise JudgeReplyError(f"field '{where}': {first['msg']}") from None
    numbers = [label.turn for label in reply.turns]
    if numbers != list(range(1, n_turns + 1)):
        raise JudgeReplyError(f"expected turns 1..{n_turns} in order, got {numbers}")
    for label in reply.turns:
        unknown = sorted(set(label.shards) - shard_ids)
        if unknown:
            raise JudgeReplyError(f"turn {label.turn}: unknown shard ids {unknown}; shards are {sorted(shard_ids)}")
    return [sorted(set(label.shards)) for label in reply.turns], [label.adds_demand for label in reply.turns]


async def judge_conversation(model: Model, intent: Intent, conversation: Sequence[ChatMessage]) -> JudgeLabels:
    """Ask `model` to label the user turns of `conversation`, retrying malformed replies (bounded)."""
    n_turns = sum(1 for message in conversation if message.role == "user")
    shard_ids = {shard.id for shard in intent.shards}
    config = GenerateConfig(temperature=JUDGE_TEMPERATURE) if model.config.temperature is None else GenerateConfig()
    messages: list[ChatMessage] = [
        ChatMessageSystem(content=JUDGE_SYSTEM),
        ChatMessageUser(content=judge_prompt(intent, conversation)),
    ]
    labels = JudgeLabels(shards=None, adds_demand=None)
    for _ in range(JUDGE_MAX_RETRIES + 1):
        labels.attempts += 1
        try:
            output = await model.generate(messages, config=config)
        except INSPECT_CONTROL:
            raise
        except Exception as err:  # after Inspect's retries: this conversation is unjudged, the sample stays
            labels.errors.append(f"the judge call failed: {type(err).__name__}: {err}")
            return labels
        try:
            if output.error:
                raise JudgeReplyError(f"the judge model returned an error: {output.error}")
            labels.shards, labels.adds_demand = parse_judge_reply(output.completion, n_turns, shard_ids)
            return labels
        except JudgeReplyError as err:
            labels.errors.append(str(err))
            messages += [
                ChatMessageAssistant(content=output.completion),
                ChatMessageUser(content=JUDGE_RETRY.format(problem=err)),
            ]
    return labels
