"""How the validator compares numbers: those a text demands, those it states, and which are missing."""

from __future__ import annotations

from collections.abc import Iterable

from benchmark.text import Mention, number_mentions


def numbers_in(text: str) -> frozenset[str]:
    """Every value `text` states, including loose words ("twice", "third"), scale parts and powers ("10^3")."""
    return frozenset(value for mention in number_mentions(text) for value in mention.values | mention.also)


def demanded_numbers(text: str, words: bool = True) -> list[Mention]:
    """The numbers of `text` another text must match: numerals, and number words unless `words` is False."""
    return [m for m in number_mentions(text) if m.required and (words or not m.word)]


def missing_numbers(text: str, other: str, words: bool = True) -> list[Mention]:
    """Numbers demanded by `text` that `other` does not state."""
    available = numbers_in(other)
    return [m for m in demanded_numbers(text, words) if not m.values & available]


def shown(mentions: Iterable[Mention]) -> str:
    """The mentions' spellings for a complaint: "'3', 'twelve'"."""
    return ", ".join(dict.fromkeys(f"'{m.text}'" for m in mentions))
