"""The paper's guardrails on simulated user turns.

Each check returns the reason a draft is rejected, or None to accept it. Rejected
drafts are resampled (bounded) by the conversation loop and kept in the log.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from benchmark.constants import BANNED_OPENERS, MAX_TURN_WORDS, MIN_TURN_WORDS
from benchmark.conversation.userlm import ParsedTurn

_OPENER = re.compile(r"^[\"'“‘(\[]*(" + "|".join(BANNED_OPENERS) + r")\b")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Guardrails:
    """Which guardrails apply. The end-token ban on the first turn always applies."""

    ban_openers: bool = True
    """Reject turns whose first token is one of BANNED_OPENERS ("I", "You", "Here")."""
    word_bounds: bool = True
    """Reject turns shorter than MIN_TURN_WORDS or longer than MAX_TURN_WORDS words."""
    ban_repeats: bool = True
    """Reject verbatim repeats of an earlier user turn, of the intent, or of an assistant message."""
    allow_end: bool = True
    """Let the user end the conversation after the first turn (False: the paper's
    "avoid termination" guardrail; conversations then run to max_turns)."""

    @classmethod
    def none(cls, allow_end: bool = True) -> Guardrails:
        """Only the end-token rules: what the prompted baselines get."""
        return cls(ban_openers=False, word_bounds=False, ban_repeats=False, allow_end=allow_end)


def _normalise(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()


def rejection_reason(
    turn: ParsedTurn,
    *,
    guardrails: Guardrails,
    turn_index: int,
    earlier_user_turns: Sequence[str],
    intent: str,
    earlier_assistant_turns: Sequence[str] = (),
) -> str | None:
    """Why `turn` (the user's turn number `turn_index`, from 0) is rejected, or None.

    A closing turn (the end token, with or without text before it) is judged only by the end-token rules:
    the guardrails shape the turns a conversation goes on from, and rejecting "ok thanks" as too short
    would make the simulator keep talking or resample its way out of leaving.
    """
    if turn.other_side:
        return "assistant_side"
    if turn.ended:
        if turn_index == 0:
            return "end_token_on_first_turn"
        if not guardrails.allow_end:
            return "end_token_banned"
        return None  # leaving is always a valid turn once allowed
    if not turn.text.strip():
        return "empty"
    if guardrails.ban_openers and _OPENER.match(turn.text):
        return "banned_opener"
    if guardrails.word_bounds:
        words = len(turn.text.split())
        if words < MIN_TURN_WORDS:
            return "too_short"
        if words > MAX_TURN_WORDS:
            return "too_long"
    if guardrails.ban_repeats:
        normalised = _normalise(turn.text)
        if normalised == _normalise(intent):
            return "repeats_intent"
        if any(normalised == _normalise(earlier) for earlier in earlier_user_turns):
            return "repeats_earlier_turn"
        if any(normalised == _normalise(reply) for reply in earlier_assistant_turns):
            return "repeats_assistant"  # UserLM parrots its context now and then
    return None
