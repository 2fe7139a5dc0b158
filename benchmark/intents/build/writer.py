"""The `llm` build: the `writer` role's prompts, its reply format and parsing, and the retry loop."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Sequence

from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageUser,
    GenerateConfig,
    Model,
    ResponseSchema,
    get_model,
    model_roles,
)
from inspect_ai.util import json_schema
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from benchmark.constants import WRITER_MAX_ATTEMPTS, WRITER_MAX_TOKENS, WRITER_ROLE, WRITER_TEMPERATURE
from benchmark.intents.build.report import BuildReport, Outcome, Progress, no_progress
from benchmark.intents.build.selection import BuildItem
from benchmark.intents.record import INTENT_PREFIX, Intent, Shard
from benchmark.intents.validate import Complaint, check_intent


class WriterShard(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    text: str = Field(description="one piece of information, in the user's words")
    required: bool = Field(description="whether the assistant needs it to solve the problem")


class WriterReply(BaseModel):
    """The JSON object the writer answers with."""

    model_config = ConfigDict(extra="forbid", strict=True)

    intent: str = Field(description=f"starts with '{INTENT_PREFIX}'")
    shards: list[WriterShard]


WRITER_SYSTEM = f"""\
You prepare material for a benchmark in which a simulated person chats with an AI \
assistant to get help with a problem, giving away the details a little at a time, the \
way real people do. For the problem you are given, write two things.

"intent": one paragraph that tells the simulated person what they want. Begin with \
exactly "{INTENT_PREFIX}" and continue with their goal and every fact the assistant will \
need: each number, name and condition of the problem. Address the person as "you" and \
never solve the problem.

"shards": the pieces of information a complete request is made of, each written the way \
this person might type it, casual and short, one fact per shard.
- Shard 1 is the opening request: what they want, without the details.
- "required": true for anything the assistant cannot do without; false only for a \
preference or an aside that does not change the answer (at most two of those).
- Every number in the problem appears in some required shard, spelled as the problem \
spells it (digits or words).
- No shard contains a number the problem does not: never an intermediate result and \
never the answer.
- No two shards say the same thing.
- Whatever a required shard says, the intent says too.

{{specific}}

Answer with a single JSON object and nothing else:
{{{{"intent": "...", "shards": [{{{{"text": "...", "required": true}}}}, ...]}}}}"""

WRITER_GSM8K = """\
This problem is a grade-school math word problem; the person wants its final number. \
Keep the problem's own numbers exactly as written ("$1,200", "three", "1/4")."""

WRITER_HUMANEVAL = """\
This problem is a Python function to write. You also see the tests that grade it, so \
you know which behaviour matters; do not copy test code. The intent must name the \
function {entry_point}, say what each parameter is and what it returns, and state the \
behaviours the tests check: edge cases (say what an empty input gives if the tests try \
one) and one or two example calls with their results taken from the problem or tests. \
Shards may only use numbers that appear in the problem or its tests."""


def writer_messages(item: BuildItem) -> list[ChatMessage]:
    """The writer's opening messages for `item`: our instructions and the problem."""
    if item.source == "gsm8k":
        specific = WRITER_GSM8K
        task = f"The problem:\n{item.problem.text}"
    else:
        assert item.problem.problem is not None
        specific = WRITER_HUMANEVAL.format(entry_point=item.problem.problem.entry_point)
        task = (
            f"The function to write:\n```python\n{item.problem.problem.prompt}```\n\n"
            f"The tests it must pass:\n```python\n{item.problem.problem.test}```"
        )
    return [ChatMessageSystem(content=WRITER_SYSTEM.format(specific=specific)), ChatMessageUser(content=task)]


def retry_message(complaints: Sequence[Complaint]) -> ChatMessageUser:
    """What the writer is told when its reply is rejected."""
    listed = "\n".join(f"- {complaint}" for complaint in complaints)
    return ChatMessageUser(
        content=f"That answer was rejected:\n{listed}\nWrite the whole JSON object again with these problems fixed."
    )


_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.S)


def parse_reply(text: str, item: BuildItem) -> Intent | list[Complaint]:
    """The intent in a writer reply, or why the reply is unusable (strict: one JSON object, our fields)."""
    body = text.strip()
    fenced = _FENCE.match(body)
    if fenced:
        body = fenced.group(1)
    if not body:
        return [Complaint("reply", "reply", "was empty", "answer with the JSON object")]
    try:
        reply = WriterReply.model_validate(json.loads(body))
    except json.JSONDecodeError as err:
        return [Complaint("reply", "reply", f"is not one JSON object ({err.msg})", "answer with only the JSON object")]
    except ValidationError as err:
        return [
            Complaint(
                "reply",
                ".".join(str(p) for p in e["loc"]) or "reply",
                e["msg"],
                'use exactly {"intent": string, "shards": [{"text": string, "required": boolean}]}',
            )
            for e in err.errors()
        ]
    try:
        return Intent(
            id=item.id,
            source=item.source,
            source_id=item.source_id,
            intent=reply.intent,
            shards=[Shard(id=i, text=s.text, required=s.required) for i, s in enumerate(reply.shards, start=1)],
            grading=item.grading(),
        )
    except ValidationError as err:
        complaints = []
        for e in err.errors():
            where = ".".join(str(p) for p in e["loc"]) or "reply"
            message = e["msg"].removeprefix("Value error, ")
            if where == "reply" and ": " in message:
                where, message = message.split(": ", 1)
            complaints.append(Complaint("schema", where, message, "follow the instructions for that field"))
        return complaints


def writer_config(model: Model) -> GenerateConfig:
    """Structured output for WriterReply, with our sampling where the role's own config is silent."""
    own = model.config
    return GenerateConfig(
        response_schema=ResponseSchema(
            name="intent",
            json_schema=json_schema(WriterReply),
            description="an intent and its shards for one problem",
            strict=True,
        ),
        temperature=WRITER_TEMPERATURE if own.temperature is None else None,
        max_tokens=WRITER_MAX_TOKENS if own.max_tokens is None else None,
    )


class WriterError(RuntimeError):
    """No writer model: the message says how to bind one."""


def writer_model() -> Model:
    """The model bound to the `writer` role; an error naming the flag when none is bound."""
    if model_roles().get(WRITER_ROLE) is None:
        raise WriterError(
            f"--method llm needs a writer model: pass --model-role {WRITER_ROLE}=PROVIDER/MODEL "
            f"(e.g. --model-role {WRITER_ROLE}=openai/gpt-4o), or use --method rules offline"
        )
    return get_model(role=WRITER_ROLE)


async def write_intent(model: Model, item: BuildItem, max_attempts: int = WRITER_MAX_ATTEMPTS) -> Outcome:
    """Ask the writer for `item`'s intent until validate accepts it or `max_attempts` calls are spent."""
    messages = writer_messages(item)
    config = writer_config(model)
    told: list[str] = []
    complaints: list[Complaint] = []
    for attempt in range(1, max_attempts + 1):
        try:
            output = await model.generate(messages, config=config)
        except Exception as err:  # a failed call fails this problem, not the whole build
            complaints = [Complaint("reply", "reply", f"the writer call failed: {type(err).__name__}: {err}", "")]
            return Outcome(item, None, complaints, tuple(dict.fromkeys(told)), attempt)
        if output.error:
            complaints = [Complaint("reply", "reply", f"model error: {output.error}", "")]
            return Outcome(item, None, complaints, tuple(dict.fromkeys(told)), attempt)
        parsed = parse_reply(output.completion, item)
        complaints = parsed if isinstance(parsed, list) else check_intent(parsed, item.problem)
        if not complaints and isinstance(parsed, Intent):
            return Outcome(item, parsed, [], tuple(dict.fromkeys(told)), attempt)
        told.extend(c.rule for c in complaints)
        messages = [*messages, ChatMessageAssistant(content=output.completion), retry_message(complaints)]
    return Outcome(item, None, complaints, tuple(dict.fromkeys(told)), max_attempts)


async def build_llm(
    items: Sequence[BuildItem],
    source: str,
    model: Model,
    max_attempts: int = WRITER_MAX_ATTEMPTS,
    progress: Progress = no_progress,
) -> BuildReport:
    """Write every item's intent with the writer model, concurrently (Inspect limits connections)."""
    report = BuildReport("llm", source)
    done = 0

    async def one(item: BuildItem) -> Outcome:
        nonlocal done
        outcome = await write_intent(model, item, max_attempts)
        done += 1
        progress(done, len(items), outcome)
        return outcome

    report.outcomes = list(await asyncio.gather(*(one(item) for item in items)))
    return report
