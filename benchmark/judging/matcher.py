"""The offline matcher: which shards a user turn reveals, from shared numbers and words.

Used when no `judge` model is bound. A turn reveals a shard when

- every numeral of the shard appears in the turn (as digits, "20k", or words: "twelve";
  "2 dozen" is met by 2 or 24; number words in a shard, as in "any two numbers", are
  wording, not facts), and
- enough of the shard's stemmed content words appear in it: MATCHER_NUMBER_OVERLAP of
  them for shards with numbers (the numbers already carry most of the information),
  MATCHER_TEXT_OVERLAP for shards without.

Over a conversation (`match_turns`), a shard already revealed in an earlier turn counts again
only when the later turn restates it in the shard's own wording: its numerals and at least
MATCHER_RESTATE_NUMBER_OVERLAP of its content words (MATCHER_RESTATE_TEXT_OVERLAP without
numerals). A later turn that only holds the shard's numbers (reading back the assistant's
"3 bags", computing with them, another shard's example) does not make a repeat. The first
reveal of every shard is unchanged, so which shards were revealed at least once (intent
coverage, skipped shards) does not depend on the restate thresholds; only repeat counts do.

The reveal thresholds were tuned on benchmark/devtools/data/shard_labels.jsonl and the restate
thresholds on the dev split of benchmark/devtools/data/conversation_labels.jsonl (`python -m
benchmark.devtools.matcher_eval --tune`; results/matcher_eval.md has the figures). The matcher
cannot tell whether a user adds demands, so `add_demands` is a judge-only figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from benchmark.constants import MATCHER_NUMBER_OVERLAP, MATCHER_TEXT_OVERLAP
from benchmark.intents.record import Shard
from benchmark.text import number_mentions, numbers, overlap, stems

MATCHER_RESTATE_NUMBER_OVERLAP = 0.8
"""A later turn restates a shard with numerals when all of them and this share of its content words appear
(tuned on the dev conversations: the fewest repeat_required errors of the more frequent kind)."""
MATCHER_RESTATE_TEXT_OVERLAP = 0.65
"""A later turn restates a shard without numerals when this share of its content words appears (tuned)."""


@dataclass(frozen=True)
class MatchRule:
    """Overlap thresholds of the matcher (the defaults are the tuned ones). The restate thresholds are
    meant to be at least the reveal ones: equal, every later match counts as a repeat."""

    number_overlap: float = MATCHER_NUMBER_OVERLAP
    text_overlap: float = MATCHER_TEXT_OVERLAP
    restate_number_overlap: float = MATCHER_RESTATE_NUMBER_OVERLAP
    restate_text_overlap: float = MATCHER_RESTATE_TEXT_OVERLAP


@dataclass(frozen=True)
class _Wanted:
    """What a turn must hold to reveal one shard: a value of each of its numerals, and its stems."""

    numerals: tuple[frozenset[str], ...]
    stems: frozenset[str]

    @classmethod
    def of(cls, shard_text: str) -> _Wanted:
        mentions = number_mentions(shard_text)
        return cls(tuple(m.values for m in mentions if m.kind == "numeral"), frozenset(stems(shard_text)))

    def met_by(self, turn_numbers: set[str], turn_stems: set[str], number_overlap: float, text_overlap: float) -> bool:
        share = overlap(self.stems, turn_stems)
        if self.numerals:
            return all(values & turn_numbers for values in self.numerals) and share >= number_overlap
        return share >= text_overlap


def reveals(shard_text: str, turn: str, rule: MatchRule | None = None) -> bool:
    """Whether `turn` reveals the shard with text `shard_text` (on its own, as a first reveal)."""
    rule = rule or MatchRule()
    return _Wanted.of(shard_text).met_by(numbers(turn), stems(turn), rule.number_overlap, rule.text_overlap)


def match_turns(shards: Sequence[Shard], turns: Sequence[str], rule: MatchRule | None = None) -> list[list[int]]:
    """For each user turn, the ids of the shards it reveals: a shard's first reveal as `reveals` decides,
    a later one only when the turn restates the shard (see the module docstring). Each shard's and each
    turn's numbers and stems are computed once rather than once per pair."""
    rule = rule or MatchRule()
    wanted = [(shard.id, _Wanted.of(shard.text)) for shard in shards]
    any_numerals = any(want.numerals for _, want in wanted)
    seen: set[int] = set()
    revealed = []
    for turn in turns:
        turn_numbers = numbers(turn) if any_numerals else set()
        turn_stems = stems(turn)
        ids = []
        for shard_id, want in wanted:
            again = shard_id in seen
            number_share = rule.restate_number_overlap if again else rule.number_overlap
            text_share = rule.restate_text_overlap if again else rule.text_overlap
            if want.met_by(turn_numbers, turn_stems, number_share, text_share):
                ids.append(shard_id)
        seen.update(ids)
        revealed.append(ids)
    return revealed
