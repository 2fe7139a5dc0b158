"""The offline `rules` build: derive each intent automatically, then repair what validate rejects."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from pydantic import ValidationError

from benchmark.intents.build.report import BuildReport, Outcome, Progress, no_progress
from benchmark.intents.build.selection import BuildItem
from benchmark.intents.record import Grading, Intent, Shard
from benchmark.intents.sentences import split_sentences
from benchmark.intents.validate import (
    Complaint,
    SourceProblem,
    check_intent,
    checked_calls,
    missing_numbers,
    numbers_in,
    signature,
)


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
        holder = next((s for s in shards if not s.required and mention.values & numbers_in(s.text)), None)
        if holder is not None:
            shards = [Shard(id=s.id, text=s.text, required=True) if s is holder else s for s in shards]
            continue
        sentence = next((s for s in split_sentences(source.text) if mention.values & numbers_in(s)), None)
        if sentence is not None and all(sentence != s.text for s in shards):
            shards.append(Shard(id=len(shards) + 1, text=sentence, required=True))
    return _with(intent, shards=shards)


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


def build_rules(items: Sequence[BuildItem], source: str, progress: Progress = no_progress) -> BuildReport:
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
