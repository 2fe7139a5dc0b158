from fractions import Fraction

import pytest

from benchmark.grading.numbers import find_numbers, format_number, to_decimal
from benchmark.text import numbers


def values(text: str) -> list[str]:
    return [format_number(number.value) for number in find_numbers(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,250 × 12 = 15,000.00", ["1250", "12", "15000"]),
        ("1\u2009250 and 15\u202f000 and 2 000", ["1250", "15000", "2000"]),
        ("15K in revenue, a 5 km run", ["15000", "5"]),
        ("2.5e3 seats, 1.2 × 10⁴ grams, 3.6 × 10^6 bolts", ["2500", "12000", "3600000"]),
        ("3 × 1 1/2 = 4 1/2 cups, 4½ and 3/8 and 7/12", ["3", "1.5", "4.5", "4.5", "0.375", "7/12"]),
        ("45% and 95¢", ["45", "95"]),
        ("5 − 9 = −4 and 16-3 and -0.5", ["5", "9", "-4", "16", "3", "-0.5"]),
        ("the 14th day, gmpy2, 3rd", []),
        ("twelve, twenty-two, three hundred and fifteen", ["12", "22", "315"]),
        ("a dozen, half a dozen, a dozen and a half, two dozen", ["12", "6", "18", "24"]),
        ("one and a half hours, negative four, three dollars and fifty cents", ["1.5", "-4", "3.5"]),
        ("none left; Zero!", ["0", "0"]),
        ("two billion, three hundred thousand, four million two hundred", ["2000000000", "300000", "4000200"]),
        ("a short one, one more day", []),
    ],
)
def test_find_numbers(text, expected):
    assert values(text) == expected


@pytest.mark.parametrize(
    ("value", "text", "decimal"),
    [(Fraction(3, 8), "0.375", "0.375"), (Fraction(15000), "15000", "15000"), (Fraction(1, 3), "1/3", None)],
)
def test_format_number_and_to_decimal(value, text, decimal):
    assert format_number(value) == text
    assert values(text) == [text]
    if decimal is not None:
        assert str(to_decimal(value)) == decimal


@pytest.mark.parametrize(
    "text",
    ["two billion", "three hundred thousand", "forty-two", "nineteen", "a dozen", "seven million five hundred"],
)
def test_agrees_with_the_matchers_reading_of_number_words(text):
    """The grader and the matcher (`benchmark.text.numbers`) read one vocabulary: same words, same values."""
    assert set(values(text)) == numbers(text)
