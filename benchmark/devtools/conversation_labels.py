"""Hand-labelled whole conversations, and `user_behaviour`'s figures on them under the labels and the matcher.

The labelled set, benchmark/devtools/data/conversation_labels.jsonl, holds conversations with
curated GSM8k and HumanEval intents: 3 to 8 casual user turns, each with the assistant reply
before it, and for every user turn the shards it reveals, written by hand. Some users restate a
required shard on purpose, some never give a non-required one, and some read back numbers the
assistant said. Each line also states the conversation-level truth (`repeat_required`,
`skip_nonrequired`, `intent_coverage`), which must follow from its turn labels.

How a turn was labelled (as in shard_labels.jsonl, plus what only a conversation shows):

- A turn reveals a shard when the user gives its information, in any wording, or answers the
  assistant's question with it ("how many hours?" "11"; "is it 2 humps for camels?" "yes").
- Giving part of a shard (a number without what it counts, one of several examples without the
  rule) does not reveal it.
- An echo does not reveal: reading back what the assistant's reply just before stated, to check
  it or to compute with it ("so 12 cars times 20k is 240k right?" after the assistant wrote
  12 x $20,000). The value is the assistant's; the user adds nothing.
- A restatement does: the user stating their own information again, in a correction, a reminder
  or a check in their own words ("like i said jean is 2 years older than mark"), is a reveal in
  that turn, so a required shard restated is a repeat.

Splits were fixed before the matcher was run on the conversations: alternately dev and test within each
(source, repeat_required, skip_nonrequired) stratum in file order, and for the last four of each source
(added so that both splits hold conversations with incomplete coverage) alternately by hand. Only `dev`
tunes anything.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmark.constants import INTENT_COVERAGE, REPEAT_REQUIRED, SKIP_NONREQUIRED
from benchmark.figures import behaviour_figures
from benchmark.intents.record import Intent
from benchmark.intents.sets import curated_intents
from benchmark.judging.matcher import MatchRule, match_turns

CONVERSATIONS_PATH = Path(__file__).parent / "data" / "conversation_labels.jsonl"
SPLITS = ("dev", "test")
MIN_TURNS, MAX_TURNS = 3, 8
_RESTATE_GRID = [round(0.05 * step, 2) for step in range(21)]


@dataclass(frozen=True)
class LabelledTurn:
    """One user turn, the assistant reply before it ("" for the opening turn), and the shards it reveals."""

    user: str
    shards: tuple[int, ...]
    assistant: str = ""


@dataclass(frozen=True)
class LabelledConversation:
    id: str
    split: str
    intent: Intent
    turns: tuple[LabelledTurn, ...]
    repeat_required: bool
    skip_nonrequired: bool | None
    """None for intents without non-required shards (the scorer's figure is NaN there)."""
    intent_coverage: float
    note: str = ""

    def labelled_figures(self) -> dict[str, float]:
        """The scorer's figures from the hand labels of each turn."""
        return behaviour_figures(self.intent, [list(turn.shards) for turn in self.turns], None)

    def matched_figures(self, rule: MatchRule) -> dict[str, float]:
        """The scorer's figures from the matcher's labels of each turn, as `user_behaviour` computes them."""
        return behaviour_figures(self.intent, match_turns(self.intent.shards, [t.user for t in self.turns], rule), None)


def read_conversations(path: Path = CONVERSATIONS_PATH) -> list[LabelledConversation]:
    """The labelled conversations; ValueError naming the line when one is malformed: an unknown intent or
    shard, a repeated id, a split other than dev/test, too few or too many turns, or conversation-level
    truth that does not follow from the turn labels."""
    intents = {intent.id: intent for source in ("gsm8k", "humaneval") for intent in curated_intents(source)}
    conversations: list[LabelledConversation] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                conversations.append(_parse(json.loads(line), intents, {c.id for c in conversations}))
            except (KeyError, TypeError, ValueError) as err:
                raise ValueError(f"{path.name}:{number}: {err}") from None
    return conversations


def _parse(row: dict, intents: dict[str, Intent], taken: set[str]) -> LabelledConversation:
    if row["intent_id"] not in intents:
        raise ValueError(f"unknown intent '{row['intent_id']}'")
    intent = intents[row["intent_id"]]
    if row["id"] in taken:
        raise ValueError(f"repeated id '{row['id']}'")
    if row["split"] not in SPLITS:
        raise ValueError(f"split '{row['split']}' is not one of {SPLITS}")
    turns = tuple(LabelledTurn(t["user"], tuple(t["shards"]), t.get("assistant", "")) for t in row["turns"])
    if not MIN_TURNS <= len(turns) <= MAX_TURNS:
        raise ValueError(f"{len(turns)} user turns, expected {MIN_TURNS} to {MAX_TURNS}")
    known = {shard.id for shard in intent.shards}
    for k, turn in enumerate(turns, start=1):
        if unknown := sorted(set(turn.shards) - known):
            raise ValueError(f"turn {k}: unknown shard ids {unknown} of '{intent.id}'")
    conversation = LabelledConversation(
        id=row["id"],
        split=row["split"],
        intent=intent,
        turns=turns,
        repeat_required=row["repeat_required"],
        skip_nonrequired=row["skip_nonrequired"],
        intent_coverage=row["intent_coverage"],
        note=row.get("note", ""),
    )
    figures = conversation.labelled_figures()
    skip = None if math.isnan(figures[SKIP_NONREQUIRED]) else bool(figures[SKIP_NONREQUIRED])
    if (bool(figures[REPEAT_REQUIRED]), skip) != (conversation.repeat_required, conversation.skip_nonrequired):
        raise ValueError(f"'{conversation.id}': repeat_required/skip_nonrequired disagree with its turn labels")
    if abs(figures[INTENT_COVERAGE] - conversation.intent_coverage) > 5e-4:
        raise ValueError(f"'{conversation.id}': intent_coverage disagrees with its turn labels")
    return conversation


def binary_pairs(
    conversations: Sequence[LabelledConversation], rule: MatchRule, figure: str
) -> list[tuple[bool, bool]]:
    """(label, matcher) of a binary figure for each conversation where the labels define it."""
    pairs = []
    for conversation in conversations:
        truth = conversation.labelled_figures()[figure]
        if not math.isnan(truth):
            pairs.append((bool(truth), bool(conversation.matched_figures(rule)[figure])))
    return pairs


def tune_restate(conversations: Sequence[LabelledConversation], rule: MatchRule) -> MatchRule:
    """The restate thresholds (at least the reveal ones) with the fewest repeat_required errors of the more
    frequent kind, max(false repeats, missed repeats): that bounds both the errors and the bias of the
    figure's mean. Ties: fewer errors, then the stricter rule."""
    best: tuple[tuple[int, int, float, float], MatchRule] | None = None
    for number_overlap in [share for share in _RESTATE_GRID if share >= rule.number_overlap]:
        for text_overlap in [share for share in _RESTATE_GRID if share >= rule.text_overlap]:
            candidate = MatchRule(rule.number_overlap, rule.text_overlap, number_overlap, text_overlap)
            pairs = binary_pairs(conversations, candidate, REPEAT_REQUIRED)
            false_repeats = sum(guess and not truth for truth, guess in pairs)
            missed = sum(truth and not guess for truth, guess in pairs)
            key = (-max(false_repeats, missed), -(false_repeats + missed), number_overlap, text_overlap)
            if best is None or key > best[0]:
                best = (key, candidate)
    assert best is not None
    return best[1]
