"""The numbers in a line of plain chat text, with their exact values (LaTeX is rendered first, see `latex`).

Read as chat replies write them: `1,250`, `1 250` (space, thin space U+2009, narrow no-break space U+202F),
`2.5`, `3/8`, `3 1/2`, `4½`, `2.5e3`, `1.2 × 10⁴`, `3.6 × 10^6`, `15K`, `45%` (45), `95¢` (95), `-4` and
`−4` (U+2212), and number words ("twelve", "three hundred fifteen", "a dozen", "half a dozen", "one and a
half", "negative four", "three dollars and fifty cents", "none"). A minus sign counts only directly before
a digit and not after a digit, letter or closing bracket, so `5 − 9` and `16-3` are subtractions. A lone
"one" or "a" is an article or pronoun ("a short one"), not a number. Hand-written because no library reads
these chat spellings, and the word list is small and closed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction

from benchmark.number_words import DOZEN, SCALES, TENS, UNITS

_SEPARATOR = "[,\u2009\u202f\u00a0 ]"
_VULGAR = "½⅓⅔¼¾⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞"
_SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_MAX_EXPONENT = 30  # larger powers of ten are no plausible answer and would be slow to build exactly
_DIGITS = re.compile(
    rf"""(?:(?<![\w)\]}}.])(?P<sign>[-−]))?(?<![\w.,/])
    (?:
        (?P<whole>\d+)[ \u00a0](?P<num>\d+)/(?P<den>\d+)(?![\d/])       # mixed number: 3 1/2
      | (?P<vwhole>\d+)?(?P<vulgar>[{_VULGAR}])                         # 4½, ½
      | (?P<fnum>\d+)/(?P<fden>\d+)(?![\d/])                            # 3/8
      | (?P<int>\d{{1,3}}(?:{_SEPARATOR}\d{{3}})+(?![\d/])|\d+(?!\d))(?P<dec>\.\d+)?
        (?:[eE](?P<exp>[+-]?\d+)(?![\w])
          |\s*(?:×|\*|x|·|⋅)\s*10(?:\^\{{?(?P<pow>[+-]?\d+)\}}?|(?P<sup>[⁺⁻]?[{_SUPERSCRIPT}]+)))?
        (?P<thousands>[kK](?![A-Za-z]))?
    )
    (?!st\b|nd\b|rd\b|th\b)""",
    re.X,
)
_WORD_VALUES = UNITS | TENS
_WORD = re.compile(r"[A-Za-z]+")
_WORD_GAP = re.compile(r"[ \t\u00a0-]+")


@dataclass(frozen=True)
class Number:
    """A number found in a text: where it is and its exact value."""

    start: int
    end: int
    value: Fraction


def find_numbers(text: str) -> list[Number]:
    """Every number in `text` (digits and number words), in order of position."""
    numbers = [number for match in _DIGITS.finditer(text) if (number := _from_digits(match)) is not None]
    return sorted(numbers + _word_numbers(text), key=lambda number: number.start)


def format_number(value: Fraction) -> str:
    """`value` written so that `find_numbers` reads it back: a decimal when it has a finite expansion, else p/q."""
    if _terminates(value):
        return format(to_decimal(value), "f")
    return f"{value.numerator}/{value.denominator}"


def to_decimal(value: Fraction) -> Decimal:
    """`value` as a Decimal: exact when its decimal expansion is finite, else to 28 significant digits."""
    with localcontext() as context:
        if _terminates(value):
            context.prec = len(str(abs(value.numerator))) + 4 * len(str(value.denominator))
        return Decimal(value.numerator) / Decimal(value.denominator)


def _terminates(value: Fraction) -> bool:
    denominator = value.denominator
    for factor in (2, 5):
        while denominator % factor == 0:
            denominator //= factor
    return denominator == 1


def _from_digits(match: re.Match[str]) -> Number | None:
    group = match.group
    if group("den") is not None:
        value = int(group("whole")) + Fraction(int(group("num")), int(group("den")))
    elif group("vulgar") is not None:
        value = int(group("vwhole") or 0) + Fraction(unicodedata.numeric(group("vulgar"))).limit_denominator(10)
    elif group("fden") is not None:
        if int(group("fden")) == 0:
            return None
        value = Fraction(int(group("fnum")), int(group("fden")))
    else:
        value = Fraction(re.sub(_SEPARATOR, "", group("int")) + (group("dec") or ""))
        exponent = _exponent(group("exp"), group("pow"), group("sup"))
        if exponent is None or abs(exponent) > _MAX_EXPONENT:
            return None
        value *= Fraction(10) ** exponent * (1000 if group("thousands") else 1)
    return Number(match.start(), match.end(), -value if group("sign") else value)


def _exponent(exp: str | None, power: str | None, superscript: str | None) -> int | None:
    if superscript is not None:
        sign = -1 if superscript.startswith("⁻") else 1
        return sign * int("".join(str(unicodedata.digit(ch)) for ch in superscript.lstrip("⁺⁻")))
    return int(exp or power or 0)


def _word_numbers(text: str) -> list[Number]:
    """Numbers written in words, each a run of adjacent words."""
    words = [(match.group().lower(), match.start(), match.end()) for match in _WORD.finditer(text)]
    numbers: list[Number] = []
    index = 0
    while index < len(words):
        read = _read_words(text, words, index)
        if read is None:
            index += 1
            continue
        value, end = read
        numbers.append(Number(words[index][1], words[end - 1][2], value))
        index = end
    return numbers


def _read_words(text: str, words: list[tuple[str, int, int]], start: int) -> tuple[Fraction, int] | None:
    """The value of the number words from `start`, and the index after them; None if none start there."""

    def run(index: int, *expected: str) -> bool:
        """Whether words[index:] begin with `expected`, each joined to the one before by spaces or a hyphen."""
        for offset, word in enumerate(expected):
            position = index + offset
            if position >= len(words) or words[position][0] != word:
                return False
            if position > start and not _WORD_GAP.fullmatch(text[words[position - 1][2] : words[position][1]]):
                return False
        return True

    sign, index = (-1, start + 1) if run(start, "negative") else (1, start)
    if run(index, "none") and sign == 1:
        return Fraction(0), index + 1
    if run(index, "half", "a", "dozen"):
        return sign * Fraction(DOZEN, 2), index + 3
    if run(index, "a", "dozen", "and", "a", "half"):
        return sign * Fraction(DOZEN * 3, 2), index + 5
    if run(index, "a", "dozen"):
        return sign * Fraction(DOZEN), index + 2
    total, index = _cardinal(words, index, run)
    if total is None:
        return None
    value = Fraction(total)
    if run(index, "dozen"):
        value, index = value * DOZEN, index + 1
    elif run(index, "and", "a", "half"):
        value, index = value + Fraction(1, 2), index + 3
    elif (run(index, "dollars") or run(index, "dollar")) and run(index + 1, "and"):
        cents, after = _cardinal(words, index + 2, run)
        if cents is not None and (run(after, "cents") or run(after, "cent")):
            value, index = value + Fraction(cents, 100), after + 1
    if index - start == 1 and words[start][0] == "one":
        return None  # a lone "one" is a pronoun or article far more often than an answer
    return sign * value, index


def _cardinal(words: list[tuple[str, int, int]], index: int, run) -> tuple[int | None, int]:
    """A cardinal such as 'three hundred (and) fifteen' or 'twenty-two' from `index`, and the index after it."""
    total = current = 0
    previous = ""  # what the last word was: "unit" (0-19), "ten" (20, 30, ...) or "scale"
    while index < len(words) and run(index, words[index][0]):
        word = words[index][0]
        value = _WORD_VALUES.get(word)
        if value is not None and value < 20 and (not previous or previous == "scale" or previous == "ten" and value):
            current, previous = current + value, "unit"
        elif value is not None and value >= 20 and previous in ("", "scale"):
            current, previous = current + value, "ten"
        elif word in SCALES and previous in ("unit", "ten") or word in SCALES and SCALES[word] >= 1000 and previous:
            current = max(current, 1) * SCALES[word]
            if SCALES[word] > 100:
                total, current = total + current, 0
            previous = "scale"
            if run(index + 1, "and") and index + 2 < len(words) and words[index + 2][0] in _WORD_VALUES:
                index += 1
        else:
            break
        index += 1
    return (total + current, index) if previous else (None, index)
