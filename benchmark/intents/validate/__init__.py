"""`userlm-bench intents validate`: catch bad intents before they waste GPU hours.

Every record first passes the strict schema of `record.py` (`files.py` reads the files
and locates findings); then each content rule below is one small function that returns
complaints `(field, problem, fix)`: the generic ones in `rules.py`, the HumanEval ones in
`humaneval.py`; `source.py` finds the problem an intent was written from, `numbers.py`
compares numbers with the reader of `benchmark.text`.

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

from benchmark.intents.validate.files import (
    RULES,
    Finding,
    LocatedIntent,
    check_intent,
    is_lic_file,
    read_for_validation,
    validate_files,
    validate_intents,
)
from benchmark.intents.validate.humaneval import CheckedCall, Signature, argument_types, checked_calls, signature
from benchmark.intents.validate.numbers import demanded_numbers, missing_numbers, numbers_in
from benchmark.intents.validate.rules import Complaint, Rule, shard_missing_from_intent
from benchmark.intents.validate.source import SourceProblem, Sources, gsm8k_source, humaneval_source

__all__ = [
    "RULES",
    "CheckedCall",
    "Complaint",
    "Finding",
    "LocatedIntent",
    "Rule",
    "Signature",
    "SourceProblem",
    "Sources",
    "argument_types",
    "check_intent",
    "checked_calls",
    "demanded_numbers",
    "gsm8k_source",
    "humaneval_source",
    "is_lic_file",
    "missing_numbers",
    "numbers_in",
    "read_for_validation",
    "shard_missing_from_intent",
    "signature",
    "validate_files",
    "validate_intents",
]
