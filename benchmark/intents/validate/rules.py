"""The content rules every intent must pass: opening shard, duplicates, carried shards, numbers, grading."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from benchmark.constants import INTENT_CARRY_WORD_SHARE
from benchmark.intents.record import Intent, Shard
from benchmark.intents.validate.numbers import demanded_numbers, missing_numbers, shown
from benchmark.intents.validate.source import SourceProblem
from benchmark.text import stems, word_overlap


@dataclass(frozen=True)
class Complaint:
    """One problem with an intent: which rule, the field, what is wrong and how to fix it."""

    rule: str
    field: str
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"{self.field}: {self.problem}" + (f" ({self.fix})" if self.fix else "")


Rule = Callable[[Intent, SourceProblem | None], list[Complaint]]


HUMANEVAL_FREE_NUMBERS = frozenset({"0", "1"})
"""Numbers a HumanEval shard may state without the prompt or tests stating them."""


def words_in(text: str) -> set[str]:
    """The lower-cased words and identifiers of `text`, stop words kept (a parameter may be called `a`)."""
    return set(re.findall(r"[a-z_][a-z0-9_]*", text.lower()))


def _normal(text: str) -> str:
    """Lower case, single spaces, no sentence punctuation; symbols that carry meaning ("<>", "[]") stay."""
    return " ".join(re.sub(r"[.,;:!?]+(?=\s|$)", " ", text.lower()).split())


def _field(shard: Shard, part: str = "text") -> str:
    return f"shards[id={shard.id}].{part}"


def opening_shard_required(intent: Intent, source: SourceProblem | None) -> list[Complaint]:
    if intent.shards[0].required:
        return []
    return [
        Complaint(
            "opening_shard_required",
            _field(intent.shards[0], "required"),
            "shard 1 is the opening request but is not required",
            "set required to true, or move the opening request to shard 1",
        )
    ]


def no_duplicate_shards(intent: Intent, source: SourceProblem | None) -> list[Complaint]:
    complaints = []
    for later in intent.shards:
        for earlier in intent.shards:
            if earlier.id == later.id:
                continue
            a, b = _normal(later.text), _normal(earlier.text)
            same = a == b and earlier.id < later.id
            inside = a != b and len(a.split()) >= 3 and f" {a} " in f" {b} "
            if same or inside:
                how = "repeats" if same else "is wholly contained in"
                complaints.append(
                    Complaint(
                        "no_duplicate_shards",
                        _field(later),
                        f"{how} shard {earlier.id}",
                        f"remove shard {later.id} or make it state something shard {earlier.id} does not",
                    )
                )
                break
    return complaints


_IDENTIFIER = re.compile(r"\b[A-Za-z]\w*_\w+\b|\b[A-Za-z_]\w*(?=\(\))")
"""Code identifiers in prose: snake_case names, and names called with empty parentheses ("round()")."""
_QUOTED = re.compile(r"(?<!\w)'([^'\n]+?)'(?!\w)|(?<!\w)\"([^\"\n]+?)\"(?!\w)")


def shard_missing_from_intent(shard: Shard, intent_text: str, source: str = "gsm8k") -> str | None:
    """Why the intent text does not carry `shard`, or None when it does.

    Checked offline are the facts a shard states literally: quoted literals ('xyzXYZ'),
    code identifiers (has_close_elements, round()) and numbers must all be in the intent
    text. Wording is compared only for GSM8k shards without numbers, which restate a
    sentence of the story: INTENT_CARRY_WORD_SHARE of their content words must be there.
    HumanEval shards paraphrase behaviour freely, which word overlap cannot judge (that
    takes the `judge` model), and their number words are wording ("two lists").
    """
    words = source == "gsm8k"
    literals = [a or b for a, b in _QUOTED.findall(shard.text)]
    absent = [literal for literal in literals if literal not in intent_text]
    if absent:
        return "the intent text does not quote " + ", ".join(f"'{literal}'" for literal in dict.fromkeys(absent))
    names = _IDENTIFIER.findall(shard.text)
    unnamed = [name for name in names if name.lower() not in words_in(intent_text)]
    if unnamed:
        return "the intent text does not name " + ", ".join(dict.fromkeys(unnamed))
    if demanded_numbers(shard.text, words):
        missing = missing_numbers(shard.text, intent_text, words)
        return f"the intent text does not state {shown(missing)}" if missing else None
    if not words:
        return None
    share = word_overlap(shard.text, intent_text)
    if share < INTENT_CARRY_WORD_SHARE:
        absent = sorted(stems(shard.text) - stems(intent_text))
        return f"the intent text has only {share:.0%} of its content words (missing: {', '.join(absent[:6])})"
    return None


def intent_carries_required_shards(intent: Intent, source: SourceProblem | None) -> list[Complaint]:
    complaints = []
    for shard in intent.required_shards:
        why = shard_missing_from_intent(shard, intent.intent, intent.source)
        if why:
            complaints.append(
                Complaint(
                    "intent_carries_required_shards",
                    "intent",
                    f"does not carry required shard {shard.id}: {why}",
                    f"state shard {shard.id}'s facts in the intent text",
                )
            )
    return complaints


def source_numbers_in_required_shards(intent: Intent, source: SourceProblem | None) -> list[Complaint]:
    if source is None or intent.source != "gsm8k":
        return []
    required = " ".join(shard.text for shard in intent.required_shards)
    missing = missing_numbers(source.text, required)
    if not missing:
        return []
    return [
        Complaint(
            "source_numbers_in_required_shards",
            "shards",
            f"the problem's number(s) {shown(missing)} are in no required shard",
            "state each in a required shard, or mark the shard that states it required",
        )
    ]


def shard_numbers_in_source(intent: Intent, source: SourceProblem | None) -> list[Complaint]:
    if source is None:
        return []
    words = intent.source == "gsm8k"
    complaints = []
    for shard in intent.shards:
        foreign = missing_numbers(shard.text, source.text, words=words)
        if not words:  # in code specs 0 and 1 are structure (empty totals, first items), not facts
            foreign = [m for m in foreign if not m.values <= HUMANEVAL_FREE_NUMBERS]
        if foreign:
            complaints.append(
                Complaint(
                    "shard_numbers_in_source",
                    _field(shard),
                    f"states {shown(foreign)}, which the source problem does not",
                    "state only the problem's own numbers; never computed results",
                )
            )
    return complaints


def grading_matches_source(intent: Intent, source: SourceProblem | None) -> list[Complaint]:
    if intent.source == "humaneval":
        if intent.grading.task_id == intent.source_id:
            return []
        return [
            Complaint(
                "grading_matches_source",
                "grading.task_id",
                f"'{intent.grading.task_id}' but the intent was written from '{intent.source_id}'",
                f"set it to '{intent.source_id}'",
            )
        ]
    if source is None or source.gold is None or intent.grading.answer is None:
        return []
    if Decimal(intent.grading.answer) == Decimal(source.gold):
        return []
    return [
        Complaint(
            "grading_matches_source",
            "grading.answer",
            f"'{intent.grading.answer}' but the problem's gold answer is '{source.gold}'",
            f"set it to '{source.gold}'",
        )
    ]
