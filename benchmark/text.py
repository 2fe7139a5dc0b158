"""Words and numbers in user turns and intents: tokenisation, stop words, light stemming, Jaccard, numbers.

One tokeniser, three views of a text:

- `tokens`: lower-cased words, numbers and identifiers, in order. A number keeps its sign and decimal
  point and loses its thousands commas ("-3.5", "$20,000" -> "20000"); words split at hyphens, dots and
  other punctuation ("two-thirds" -> "two", "thirds"; "end.Then" -> "end", "then"); contractions stay one
  word without their apostrophe ("don't" -> "dont"); identifiers stay whole ("has_close_elements").
- `unigrams`: the set of a text's tokens, the paper's unigrams: the diversity figures (lexical and
  first-turn diversity, intent decomposition) compare wording as written.
- `content_words` / `stems`: the tokens without stop words and numbers; `stems` also strips common
  suffixes, and `word_overlap` is the share of one text's stems another holds. Used to compare meaning
  (the offline shard matcher, `intents validate`).
- `number_mentions` / `numbers`: the numbers a text states, one reader for the offline
  shard matcher and `intents validate`. Numerals are read by value ("$1,000" = "1000",
  "3.50" = "3.5", "20k" = "20000"; "2 dozen" and "3 million" are also 24 and 3000000);
  runs of number words too ("twenty-five", "a thousand", "two hundred and five"); and
  loose words that imply a number without having to be matched ("twice", "third", "a").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import numpy as np
from inspect_ai.model import ChatMessage

from benchmark.number_words import DOZEN, SCALES, TENS, UNITS

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

_TOKEN = re.compile(
    r"(?<![\w.])[-+\u2212]?\d+(?:,\d{3})*(?:\.\d+)?(?!\w|[.,]\d)"  # a number: sign, thousands, decimals
    r"|[^\W_]+(?:_[^\W_]+)+"  # an identifier: has_close_elements
    r"|[^\W_]+(?:['\u2019][^\W_]+)*"  # a word, a contraction whole: don't
)
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "hr": ("hour",), "hrs": ("hour",), "yr": ("year",), "yrs": ("year",), "min": ("minute",),
    "mins": ("minute",), "ft": ("foot",), "feet": ("foot",), "deg": ("degree",), "mph": ("mile", "hour"),
    "func": ("function",), "fn": ("function",), "int": ("integer",), "ints": ("integer",), "str": ("string",),
    "dict": ("dictionary",), "bool": ("boolean",), "arg": ("argument",), "args": ("argument",),
    "num": ("number",), "nums": ("number",),
}  # fmt: skip


def tokens(text: str) -> list[str]:
    """The lower-cased words, numbers and identifiers of `text`, in order (see the module docstring)."""
    found = []
    for token in _TOKEN.findall(text.lower()):
        if token[0].isdigit() or token[0] in "-+\u2212":
            token = token.replace(",", "").replace("\u2212", "-").removeprefix("+")
        found.append(token.replace("'", "").replace("\u2019", ""))
    return found


def is_number(token: str) -> bool:
    """Whether a token of `tokens` is a number."""
    return _NUMBER.fullmatch(token) is not None


def unigrams(text: str) -> frozenset[str]:
    """The set of `text`'s tokens: the paper's unigrams."""
    return frozenset(tokens(text))


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
    """The tokens of `text` without stop words and numbers, in order."""
    return [token for token in tokens(text) if token not in STOP_WORDS and not is_number(token)]


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


def word_overlap(text: str, other: str) -> float:
    """Share of `text`'s stems that `other` contains (1.0 if it has none): how much of a shard a turn holds."""
    return overlap(stems(text), stems(other))


def overlap(wanted: AbstractSet[str], present: AbstractSet[str]) -> float:
    """Share of `wanted` that is in `present` (1.0 when nothing is wanted)."""
    return len(wanted & present) / len(wanted) if wanted else 1.0


# --- numbers --------------------------------------------------------------------------

_NUMBER_TOKEN = re.compile(
    r"(?<![a-z_\d.])(\d{1,3}(?:,\d{3})+(?!\d)|\d+)(\.\d+)?(k(?![a-z]))?|(?<![a-z_\d])\.(\d+)|([a-z]+)"
)  # numerals ("1,000", "3.50", "20k", ".5") and words, in lower-cased text
_POWER = re.compile(r"(?<![\w.])(\d+)\s*(?:\^|\*\*)\s*(\d{1,2})(?![\d.])")
_JOIN = re.compile(r"\s*-?\s*")  # what may stand between the words of one number: spaces, one hyphen
_SCALES = {"dozen": DOZEN} | SCALES
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
    """One number stated in a text: its spelling, its possible values, and how it counts."""

    text: str
    """As read, lower-cased: "20k", "2" (of "2 dozen"), "twenty five"."""
    values: frozenset[str]
    """What it states, as canonical strings: "2 dozen" is 2 or 24; "$1,000" is 1000."""
    kind: Literal["numeral", "words", "loose"]
    """Digits; number words ("twenty-five", "a dozen"); or a word or power that states a number without
    having to be matched ("twice", "third", "a", "10^3")."""
    also: frozenset[str] = frozenset()
    """Further values it makes available without demanding them: "2 dozen" also states 12, "964,977"
    states 964 and 977, "two hundred and five" states 2, 100 and 5."""

    @property
    def word(self) -> bool:
        """Spelled as words ("three"), not as a numeral."""
        return self.kind == "words"

    @property
    def required(self) -> bool:
        """Whether a text restating this one must state it too: not loose, and not a bare "one" (too often
        a pronoun: "one of them")."""
        return self.kind != "loose" and self.text != "one"


def canonical(value: Decimal | float | int) -> str:
    """A number as a canonical string: no exponent, no trailing zeros ("18.00" -> "18", 0.5 -> "0.5")."""
    text = format(Decimal(str(value)).normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def number_mentions(text: str) -> list[Mention]:
    """The numbers stated in `text`, in order (powers such as "10^3" last): numerals, with signs, `$` and
    `,` ignored and "20k" read as 20000; runs of number words; and loose words (see `Mention.kind`).
    A "0" before "b", "o" or "x" is a literal's prefix ("0b11"), not a number."""
    lowered = text.lower()
    tokens = list(_NUMBER_TOKEN.finditer(lowered))
    mentions: list[Mention] = []
    index = 0
    while index < len(tokens):
        word = tokens[index].group(5)
        following = _next_word(lowered, tokens, index)
        if word is None:
            index, mention = _numeral(lowered, tokens, index)
        elif word in UNITS or word in TENS or word in _SCALES or (word in ("a", "an") and following in _SCALES):
            index, mention = _word_number(lowered, tokens, index)
        else:
            index, mention = index + 1, Mention(word, _values(*_LOOSE[word]), "loose") if word in _LOOSE else None
        if mention is not None:
            mentions.append(mention)
    for match in _POWER.finditer(text):
        base, exponent = match.groups()
        if len(base) <= 6:
            mentions.append(Mention(match.group(0), _values(int(base) ** int(exponent)), "loose"))
    return mentions


def numbers(text: str) -> set[str]:
    """The values of `text`'s numerals and number words, as canonical strings: "$20,000", "20k" and
    "twenty thousand" all give "20000", "18.00" gives "18", "1/3" gives "1" and "3", "2 dozen" gives "2"
    and "24". Loose words ("twice", "a") and the `also` values do not count."""
    return {value for mention in number_mentions(text) if mention.kind != "loose" for value in mention.values}


def _values(*values: Decimal | float | int) -> frozenset[str]:
    return frozenset(canonical(value) for value in values)


def _next_word(lowered: str, tokens: Sequence[re.Match[str]], index: int) -> str | None:
    """The word after token `index` when only spaces or one hyphen lie between them ("twenty-five")."""
    if index + 1 >= len(tokens) or _JOIN.fullmatch(lowered, tokens[index].end(), tokens[index + 1].start()) is None:
        return None
    return tokens[index + 1].group(5)


def _numeral(lowered: str, tokens: Sequence[re.Match[str]], index: int) -> tuple[int, Mention | None]:
    """Read the numeral at token `index`, with a scale word after it ("2 dozen", "3 million")."""
    token = tokens[index]
    whole, decimals, thousands, leading_dot = token.group(1, 2, 3, 4)
    value = Decimal(f"0.{leading_dot}" if leading_dot else whole.replace(",", "") + (decimals or ""))
    value *= 1000 if thousands else 1
    if value == 0 and lowered[token.end() : token.end() + 1] in ("b", "o", "x"):
        return index + 1, None
    values = {canonical(value)}
    also = {canonical(Decimal(part)) for part in whole.split(",")} if whole and "," in whole else set()
    scale = _next_word(lowered, tokens, index)
    if scale in _SCALES:
        values.add(canonical(value * _SCALES[scale]))
        also.add(canonical(_SCALES[scale]))
        index += 1
    return index + 1, Mention(token.group(0), frozenset(values), "numeral", frozenset(also))


def _word_number(lowered: str, tokens: Sequence[re.Match[str]], start: int) -> tuple[int, Mention]:
    """Read the run of number words from token `start`: "twenty-five", "two hundred and five", "a dozen"."""
    total = current = 0
    parts: list[str] = []
    components: set[int] = set()
    last = ""  # kind of the previous word: "unit", "tens" or "scale"
    scale = 0  # the last scale word's value
    index, word = start, tokens[start].group(5)
    while word is not None:
        following = _next_word(lowered, tokens, index)
        if word in ("a", "an") and not parts and following in _SCALES:
            current, last = 1, "unit"
        elif word == "and" and last == "scale" and (following in UNITS or following in TENS):
            pass
        elif word in UNITS and last in ("", "scale", "tens") and not (last == "tens" and UNITS[word] >= 10):
            current += UNITS[word]
            components.add(UNITS[word])
            last = "unit"
        elif word in TENS and last in ("", "scale"):
            current += TENS[word]
            components.add(TENS[word])
            last = "tens"
        elif word in _SCALES and (last != "scale" or scale < 1000 <= _SCALES[word]):  # "hundred thousand"
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
        index, word = index + 1, following
    also = _values(*components) if len(parts) > 1 else frozenset()
    return index, Mention(" ".join(parts), _values(total + current), "words", also)


def user_texts(messages: Iterable[ChatMessage]) -> list[str]:
    """The text of each user turn of a conversation, in order."""
    return [message.text for message in messages if message.role == "user"]


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """`1 row`, `2 rows`: a count with its noun in the right number."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"
