"""The offline matcher: which shards a user turn reveals, from shared numbers and words.

Used when no `judge` model is bound. A turn reveals a shard when

- every numeral of the shard appears in the turn (as digits, "20k", or words: "twelve";
  "2 dozen" is met by 2 or 24; number words in a shard, as in "any two numbers", are
  wording, not facts), and
- enough of the shard's stemmed content words appear in it: MATCHER_NUMBER_OVERLAP of
  them for shards with numbers (the numbers already carry most of the information),
  MATCHER_TEXT_OVERLAP for shards without.

The thresholds were tuned on benchmark/devtools/data/shard_labels.jsonl (`python -m
benchmark.devtools.matcher_eval` prints precision and recall). The matcher cannot tell whether
a user adds demands, so `add_demands` is a judge-only figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from benchmark.constants import MATCHER_NUMBER_OVERLAP, MATCHER_TEXT_OVERLAP
from benchmark.intents.record import Shard
from benchmark.text import number_mentions, numbers, overlap, stems


@dataclass(frozen=True)
class MatchRule:
    """Overlap thresholds of the matcher (the defaults are the tuned ones)."""

    number_overlap: float = MATCHER_NUMBER_OVERLAP
    text_overlap: float = MATCHER_TEXT_OVERLAP


@dataclass(frozen=True)
class _Wanted:
    """What a turn must hold to reveal one shard: a value of each of its numerals, and its stems."""

    numerals: tuple[frozenset[str], ...]
    stems: frozenset[str]

    @classmethod
    def of(cls, shard_text: str) -> _Wanted:
        mentions = number_mentions(shard_text)
        return cls(tuple(m.values for m in mentions if m.kind == "numeral"), frozenset(stems(shard_text)))

    def met_by(self, turn_numbers: set[str], turn_stems: set[str], rule: MatchRule) -> bool:
        share = overlap(self.stems, turn_stems)
        if self.numerals:
            return all(values & turn_numbers for values in self.numerals) and share >= rule.number_overlap
        return share >= rule.text_overlap


def reveals(shard_text: str, turn: str, rule: MatchRule | None = None) -> bool:
    """Whether `turn` reveals the shard with text `shard_text`."""
    return _Wanted.of(shard_text).met_by(numbers(turn), stems(turn), rule or MatchRule())


def match_turns(shards: Sequence[Shard], turns: Sequence[str], rule: MatchRule | None = None) -> list[list[int]]:
    """For each user turn, the ids of the shards it reveals (as `reveals` decides, with each shard's and
    each turn's numbers and stems computed once rather than once per pair)."""
    rule = rule or MatchRule()
    wanted = [(shard.id, _Wanted.of(shard.text)) for shard in shards]
    any_numerals = any(want.numerals for _, want in wanted)
    revealed = []
    for turn in turns:
        turn_numbers = numbers(turn) if any_numerals else set()
        turn_stems = stems(turn)
        revealed.append([shard_id for shard_id, want in wanted if want.met_by(turn_numbers, turn_stems, rule)])
    return revealed
