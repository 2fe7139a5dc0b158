"""Words and numbers in user turns: tokenisation, stop words, light stemming, Jaccard.

Two views of a text:

- `unigrams`: the paper's unigram set, lower-cased with punctuation and symbols deleted
  (so "don't" is "dont" and "$20,000" is "20000"), split on whitespace. Used by the
  diversity figures, which compare wording as written.
- `content_words` / `stems`: alphanumeric runs (identifiers split at "_"), stop words
  and numbers dropped; `stems` also strips common suffixes. Used to compare meaning.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

import numpy as np
from inspect_ai.model import ChatMessage

_STOP_WORDS_TEXT = """
    a about above after again all also am an and any are as at be because been before being
    below between both but by can could did do does doing done down during each either else
    ever every few for from further get gets got had has have having he her here hers herself
    him himself his how i if in into is it its itself just let lets me might more most must my
    myself no nor not now of off on once only or other our ours ourselves out over own per
    same she should so some such than that the their theirs them themselves then there these
    they this those through to too under until up upon us very via was we were what when where
    which while who whom whose why will with would yet you your yours yourself yourselves
    s t d ll m re ve im ive id youre dont doesnt didnt isnt arent wasnt cant wont thats theres
    whats hes shes its lets ok okay hey hi hello pls please thanks thank thx yeah yes yep um uh
    like really actually basically maybe kinda gonna wanna gotta btw lol oh well many much
    need needs want wants
"""
STOP_WORDS: frozenset[str] = frozenset(_STOP_WORDS_TEXT.split())
"""Function words and chat fillers; shipped in code so results never depend on a download."""

_PUNCTUATION_CATEGORIES = ("P", "S")  # Unicode punctuation and symbols ($ % + < = > ^ ` | ~ ...)
_TOKEN = re.compile(r"[a-z0-9]+|[^\sa-z0-9]")  # words, and punctuation marks that end a number
_CONTENT_WORD = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")  # identifiers like has_close_elements stay whole
_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "hr": ("hour",), "hrs": ("hour",), "yr": ("year",), "yrs": ("year",), "min": ("minute",),
    "mins": ("minute",), "ft": ("foot",), "feet": ("foot",), "deg": ("degree",), "mph": ("mile", "hour"),
    "func": ("function",), "fn": ("function",), "int": ("integer",), "ints": ("integer",), "str": ("string",),
    "dict": ("dictionary",), "bool": ("boolean",), "arg": ("argument",), "args": ("argument",),
    "num": ("number",), "nums": ("number",),
}  # fmt: skip
_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d*\.\d+|\d+)(k\b)?", re.IGNORECASE)

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"dozen": 12, "hundred": 100, "thousand": 1000, "million": 1_000_000}


def unigrams(text: str) -> frozenset[str]:
    """The set of lower-cased words of `text` with punctuation and symbols deleted."""
    kept = "".join(char for char in text.lower() if not unicodedata.category(char).startswith(_PUNCTUATION_CATEGORIES))
    return frozenset(kept.split())


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """|a ∩ b| / |a ∪ b|; two empty sets are identical, similarity 1.0."""
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def unigram_difference(a: frozenset[str], b: frozenset[str]) -> float:
    """1 - Jaccard similarity (the paper's Unigram Difference); 0.0 for two empty sets."""
    return 1.0 - jaccard(a, b)


def difference_matrix(sets: Sequence[frozenset[str]]) -> np.ndarray:
    """Unigram difference of every pair of `sets` (a symmetric matrix, zero diagonal), vectorised."""
    vocabulary = {word: i for i, word in enumerate(sorted(set().union(*sets)))}
    incidence = np.zeros((len(sets), len(vocabulary)), dtype=np.float64)
    for row, words in enumerate(sets):
        incidence[row, [vocabulary[word] for word in words]] = 1.0
    shared = incidence @ incidence.T
    sizes = incidence.sum(axis=1)
    union = sizes[:, None] + sizes[None, :] - shared
    with np.errstate(invalid="ignore", divide="ignore"):
        similarity = np.where(union > 0, shared / union, 1.0)  # two empty sets: identical
    return 1.0 - similarity


def mean_pairwise_difference(sets: Sequence[frozenset[str]]) -> float:
    """Mean unigram difference over the unordered pairs of `sets`; NaN with fewer than two."""
    if len(sets) < 2:
        return float("nan")
    upper = np.triu_indices(len(sets), k=1)
    return float(difference_matrix(sets)[upper].mean())


def content_words(text: str) -> list[str]:
    """Lower-cased words (identifiers kept whole) of `text` without stop words and numbers, in order."""
    return [w for w in _CONTENT_WORD.findall(text.lower()) if w not in STOP_WORDS and not w.isdigit()]


def stem(word: str) -> str:
    """A light suffix stripper: plurals, -ing, -ed ("skipping", "skipped", "skips" -> "skip")."""
    if len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    for suffix, shortest in (("ing", 4), ("ed", 3)):  # "string" and "bring" keep their "ing"
        if word.endswith(suffix) and len(word) - len(suffix) >= shortest:
            base = word[: -len(suffix)]
            if len(base) >= 4 and base[-1] == base[-2] and base[-1] not in "lsz":
                base = base[:-1]  # skipp -> skip, runn -> run
            return base
    if word.endswith(("sses", "xes", "ches", "shes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def stems(text: str) -> set[str]:
    """Stemmed content words of `text`, common abbreviations spelled out ("hrs" -> "hour")."""
    return {stem(full) for word in content_words(text) for full in _ABBREVIATIONS.get(word, (word,))}


def _canonical(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _word_numbers(tokens: list[str]) -> list[Decimal]:
    """Values of runs of number words: "twenty five" -> 25, "a thousand" -> 1000,
    "two hundred and five" -> 205, "five six" -> 5 and 6; other words and punctuation end a run."""
    values: list[Decimal] = []
    total = current = 0
    last = ""  # kind of the previous number word: "unit", "tens" or "scale"; "" outside a number
    for i, token in enumerate([*tokens, ""]):
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token == "a" and following in _SCALES and not last:
            token = "one"  # "a thousand", "a dozen"
        if token == "and" and last == "scale" and following in _UNITS:
            continue
        joins = last == "scale" or (last == "tens" and _UNITS.get(token, 99) < 10)
        if last and (token not in _UNITS and token not in _SCALES or token in _UNITS and not joins):
            values.append(Decimal(total + current))
            total = current = 0
            last = ""
        if token in _UNITS:
            current += _UNITS[token]
            last = "tens" if _UNITS[token] >= 20 else "unit"
        elif token in _SCALES:
            if _SCALES[token] < 1000:
                current = (current or 1) * _SCALES[token]
            else:
                total, current = total + (current or 1) * _SCALES[token], 0
            last = "scale"
    return values


def numbers(text: str, words: bool = True) -> set[str]:
    """Numbers in `text` as canonical strings, signs ignored: "$20,000", "20k" and
    "twenty thousand" all give "20000"; "18.00" gives "18"; "1/3" gives "1" and "3".
    With `words=False` only numerals count (not "two" or "one")."""
    found: set[str] = set()
    for match in _NUMBER.finditer(text):
        try:
            value = Decimal(match.group(1).replace(",", ""))
        except InvalidOperation:  # pragma: no cover - the pattern only matches numerals
            continue
        if match.group(2):
            value *= 1000
        found.add(_canonical(value))
    if words:
        found.update(_canonical(value) for value in _word_numbers(_TOKEN.findall(text.lower())))
    return found


def user_texts(messages: Iterable[ChatMessage]) -> list[str]:
    """The text of each user turn of a conversation, in order."""
    return [message.text for message in messages if message.role == "user"]
