"""What every structured judge call shares: strict JSON replies and a bounded retry loop.

A judge must answer with one JSON object of a given pydantic shape (extra keys rejected, types strict).
A malformed reply is answered with the problem and asked again, at most JUDGE_MAX_RETRIES times; a call
that fails after Inspect's own retries ends the exchange without a value, its error naming the judge model and
server. Inspect's control flow (limits, operator termination, timeouts) is never caught.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageUser,
    GenerateConfig,
    Model,
    ResponseSchema,
)
from pydantic import BaseModel, ValidationError

from benchmark.constants import JUDGE_MAX_RETRIES, JUDGE_ROLE, JUDGE_TEMPERATURE
from benchmark.conversation.model_calls import ModelCallError, naming_the_server

JUDGE_RETRY = "That reply could not be used: {problem}. Answer again with only the JSON object, in the form asked."

_FENCE = re.compile(r"^```(?:json)?\s*\n(.*)\n```$", re.DOTALL)

Shape = TypeVar("Shape", bound=BaseModel)
Value = TypeVar("Value")


class JudgeReplyError(ValueError):
    """The judge's reply is not the JSON object asked for; the message says why."""


def load_reply(text: str, shape: type[Shape]) -> Shape:
    """The reply `text` (bare, or in one ```json fence) as `shape`; JudgeReplyError saying what is wrong."""
    body = text.strip()
    fenced = _FENCE.match(body)
    if fenced:
        body = fenced.group(1).strip()
    try:
        return shape.model_validate(json.loads(body))
    except json.JSONDecodeError as err:
        raise JudgeReplyError(f"not valid JSON ({err.msg} at position {err.pos})") from None
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "reply"
        raise JudgeReplyError(f"field '{where}': {first['msg']}") from None


def judge_config(model: Model, response_schema: ResponseSchema | None = None) -> GenerateConfig:
    """A judge call's config: JUDGE_TEMPERATURE unless the role's own config sets a temperature, and the
    reply's JSON schema when given (structured output, where the provider supports it)."""
    temperature = JUDGE_TEMPERATURE if model.config.temperature is None else None
    return GenerateConfig(temperature=temperature, response_schema=response_schema)


@dataclass
class JudgeExchange(Generic[Value]):
    """The outcome of one judge exchange."""

    value: Value | None = None
    """The parsed reply; None when no reply was usable within the retries, or the call failed."""
    attempts: int = 0
    errors: list[str] = field(default_factory=list)
    """Why each rejected reply was rejected, and a failed call's error."""


async def ask_judge(
    model: Model, messages: Sequence[ChatMessage], parse: Callable[[str], Value], config: GenerateConfig
) -> JudgeExchange[Value]:
    """Ask `model` until `parse` accepts its reply (it raises JudgeReplyError otherwise), at most
    1 + JUDGE_MAX_RETRIES times; each retry shows the rejected reply and why it was rejected."""
    exchange: JudgeExchange[Value] = JudgeExchange()
    history = list(messages)
    for _ in range(JUDGE_MAX_RETRIES + 1):
        exchange.attempts += 1
        try:
            with naming_the_server(JUDGE_ROLE, model):
                output = await model.generate(history, config=config)
        except ModelCallError as err:  # after Inspect's retries: the caller decides what an unjudged sample means
            exchange.errors.append(str(err))
            return exchange
        try:
            if output.error:
                raise JudgeReplyError(f"the judge model returned an error: {output.error}")
            exchange.value = parse(output.completion)
            return exchange
        except JudgeReplyError as err:
            exchange.errors.append(str(err))
            history += [
                ChatMessageAssistant(content=output.completion),
                ChatMessageUser(content=JUDGE_RETRY.format(problem=err)),
            ]
    return exchange
