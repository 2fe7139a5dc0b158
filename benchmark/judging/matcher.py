"""The offline matcher: which shards a user turn reveals, from shared numbers and words.

Used when no `judge` model is bound. A turn reveals a shard when

- every numeral of the shard appears in the turn (as digits, "20k", or words: "twelve";
  number words in a shard, as in "any two numbers", are wording, not facts), and
- enough of the shard's stemmed content words appear in it: MATCHER_NUMBER_OVERLAP of
  them for shards with numbers (the numbers already carry most of the information),
  MATCHER_TEXT_OVERLAP for shards without.

The thresholds were tuned on benchmark/data/shard_labels.jsonl (`python -m
benchmark.devtools.matcher_eval` prints precision and recall). The matcher cannot tell whether
a user adds demands, so `add_demands` is a judge-only figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from benchmark.constants import MATCHER_NUMBER_OVERLAP, MATCHER_TEXT_OVERLAP
from benchmark.intents.record import Shard
from benchmark.text import numbers, stems


@dataclass(frozen=True)
class MatchRule:
    """Overlap thresholds of the matcher (the defaults are the tuned ones)."""

    number_overlap: float = MATCHER_NUMBER_OVERLAP
    text_overlap: float = MATCHER_TEXT_OVERLAP


def word_overlap(shard_text: str, turn: str) -> float:
    """Share of the shard's stemmed content words that the turn contains (1.0 if it has none)."""
    wanted = stems(shard_text)
    return len(wanted & stems(turn)) / len(wanted) if wanted else 1.0


def reveals(shard_text: str, turn: str, rule: MatchRule | None = None) -> bool:
    """Whether `turn` reveals the shard with text `shard_text`."""
    rule = rule or MatchRule()
    shard_numbers = numbers(shard_text, words=False)
    if shard_numbers:
        return shard_numbers <= numbers(turn) and word_overlap(shard_text, turn) >= rule.number_overlap
    return word_overlap(shard_text, turn) >= rule.text_overlap


def match_turns(shards: Sequence[Shard], turns: Sequence[str], rule: MatchRule | None = None) -> list[list[int]]:
    """For each user turn, the ids of the shards it reveals (as `reveals` decides, with each shard's and
    each turn's numbers and stems computed once rather than once per pair)."""
    rule = rule or MatchRule()
    wanted = [(shard.id, numbers(shard.text, words=False), stems(shard.text)) for shard in shards]
    revealed = []
    for turn in turns:
        turn_stems = stems(turn)
        turn_numbers = numbers(turn) if any(shard_numbers for _, shard_numbers, _ in wanted) else set()
        ids = []
        for shard_id, shard_numbers, shard_stems in wanted:
            overlap = len(shard_stems & turn_stems) / len(shard_stems) if shard_stems else 1.0
            if shard_numbers:
                hit = shard_numbers <= turn_numbers and overlap >= rule.number_overlap
            else:
                hit = overlap >= rule.text_overlap
            if hit:
                ids.append(shard_id)
        revealed.append(ids)
    return revealed
