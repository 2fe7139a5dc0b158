"""Sentence splitting for problem statements and docstrings."""

from __future__ import annotations

import re

_SENTENCE_BREAK = re.compile(r"(?<=[.?!])[\"')\]]*\s+(?=[A-Z0-9\"'$(])")
_ABBREVIATION = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|Mt|vs|etc|approx|No)|\b[A-Z]|[ap]\.m)\.$")


def split_sentences(text: str) -> list[str]:
    """Split a word problem into sentences, keeping "Mr. Lee" and "8 a.m. It" intact."""
    pieces: list[str] = []
    for piece in _SENTENCE_BREAK.split(" ".join(text.split())):
        if pieces and _ABBREVIATION.search(pieces[-1]) and not pieces[-1].endswith(("a.m.", "p.m.")):
            pieces[-1] = f"{pieces[-1]} {piece}"
        else:
            pieces.append(piece)
    return [piece.strip() for piece in pieces if piece.strip()]
