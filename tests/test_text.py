"""Tokenisation, stop words, numbers and Jaccard (benchmark.text), with hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from benchmark.text import (
    STOP_WORDS,
    content_words,
    difference_matrix,
    is_number,
    jaccard,
    mean_pairwise_difference,
    number_mentions,
    numbers,
    overlap,
    stem,
    stems,
    tokens,
    unigram_difference,
    unigrams,
    word_overlap,
)


def test_unigrams_lowercase_and_strip_punctuation():
    assert unigrams("Don't pay $20,000 -- it's 18.00!") == {"dont", "pay", "20000", "its", "18.00"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3.5 apples", ["3.5", "apples"]),  # the decimal point stays (it used to read "35")
        ("the end.Then more", ["the", "end", "then", "more"]),  # dotted words split ("endthen")
        ("two-thirds of it", ["two", "thirds", "of", "it"]),  # hyphenated words split ("twothirds")
        ("a loss of -4 or \u22124.5", ["a", "loss", "of", "-4", "or", "-4.5"]),  # signs stay, Unicode minus too
        ("5-3=2", ["5", "3", "2"]),  # a minus between numbers is no sign
        ("$1,250.75 each", ["1250.75", "each"]),
        ("is 3. Next", ["is", "3", "next"]),  # a full stop is not a decimal point
        ("has_close_elements(numbers)", ["has_close_elements", "numbers"]),
        ("caf\u00e9 au lait", ["caf\u00e9", "au", "lait"]),  # letters beyond ASCII stay
        ("I don\u2019t know", ["i", "dont", "know"]),
    ],
)
def test_one_tokeniser(text, expected):
    assert tokens(text) == expected
    assert unigrams(text) == frozenset(expected)
    assert content_words(text) == [t for t in expected if t not in STOP_WORDS and not is_number(t)]
    assert unigrams("A b  C? a.") == {"a", "b", "c"}
    assert unigrams("") == frozenset()
    assert unigrams("?! ...") == frozenset()


def test_jaccard_and_difference_by_hand():
    abc, abd = unigrams("a b c"), unigrams("a b d")
    assert jaccard(abc, abd) == pytest.approx(2 / 4)  # {a, b} over {a, b, c, d}
    assert unigram_difference(abc, abd) == pytest.approx(0.5)
    assert unigram_difference(abc, abc) == 0.0
    assert unigram_difference(unigrams("a"), unigrams("b")) == 1.0


def test_two_empty_sets_are_identical():
    empty = frozenset()
    assert jaccard(empty, empty) == 1.0
    assert unigram_difference(empty, empty) == 0.0
    assert unigram_difference(empty, unigrams("a b")) == 1.0


def test_mean_pairwise_difference_by_hand():
    sets = [unigrams("a b c"), unigrams("a b d"), unigrams("a b c")]
    # pairs: (1,2) 0.5, (1,3) 0.0 (a tie: identical sides), (2,3) 0.5
    assert mean_pairwise_difference(sets) == pytest.approx(1 / 3)
    assert mean_pairwise_difference([frozenset(), frozenset()]) == 0.0
    assert math.isnan(mean_pairwise_difference([unigrams("a")]))


def test_difference_matrix_matches_scalar_definition():
    sets = [unigrams("a b c"), unigrams("a b d"), frozenset(), unigrams("x"), frozenset()]
    matrix = difference_matrix(sets)
    for i, a in enumerate(sets):
        for j, b in enumerate(sets):
            assert matrix[i, j] == pytest.approx(unigram_difference(a, b))
    assert np.allclose(np.diag(matrix), 0.0)


def test_numbers_digits_words_and_formats():
    assert numbers("He has $20,000, or 20k, or twenty thousand") == {"20000"}
    assert numbers("18.00 and .5 and 1/3") == {"18", "0.5", "1", "3"}
    assert numbers("two years ago mark was five years older") == {"2", "5"}
    assert numbers("two hundred and five, a dozen") == {"205", "12"}
    assert numbers("five and six, one hundred twenty three") == {"5", "6", "123"}
    assert numbers("[1, 2, -4, 5] and 0b11 and lst1") == {"1", "2", "4", "5"}  # "0b" is a literal's prefix
    assert numbers("2 dozen, 3 billion") == {"2", "24", "3", "3000000000"}
    assert numbers("twice a day, the third one") == {"1"}  # loose words do not count; a bare "one" does
    assert numbers("twenty-five, twenty, five") == {"25", "20", "5"}  # a hyphen joins, a comma ends a number


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("billion", [("billion", {"1000000000"}, "words", set())]),
        ("3 billion", [("3", {"3", "3000000000"}, "numeral", {"1000000000"})]),
        ("2 dozen", [("2", {"2", "24"}, "numeral", {"12"})]),
        ("$1,000", [("1,000", {"1000"}, "numeral", {"1", "0"})]),
        ("3.50", [("3.50", {"3.5"}, "numeral", set())]),
        ("20K", [("20k", {"20000"}, "numeral", set())]),
        (".5", [(".5", {"0.5"}, "numeral", set())]),
        ("twenty five", [("twenty five", {"25"}, "words", {"20", "5"})]),
        ("Twenty-five", [("twenty five", {"25"}, "words", {"20", "5"})]),
        ("a thousand", [("a thousand", {"1000"}, "words", {"1000"})]),
        ("a hundred thousand", [("a hundred thousand", {"100000"}, "words", {"100", "1000"})]),
        ("two hundred and five", [("two hundred and five", {"205"}, "words", {"2", "100", "5"})]),
        ("twenty, five", [("twenty", {"20"}, "words", set()), ("five", {"5"}, "words", set())]),
        ("twice", [("twice", {"2"}, "loose", set())]),
        ("half", [("half", {"0.5", "2"}, "loose", set())]),
        (
            "n <= 10^3",
            [("10", {"10"}, "numeral", set()), ("3", {"3"}, "numeral", set()), ("10^3", {"1000"}, "loose", set())],
        ),
        ("0x1f", []),
    ],
)
def test_number_mentions_pin_the_shared_reading(text, read):
    assert [(m.text, m.values, m.kind, m.also) for m in number_mentions(text)] == read


def test_which_mentions_are_required():
    assert [(m.text, m.required, m.word) for m in number_mentions("One of them, one hundred, 3, a third")] == [
        ("one", False, True),  # a bare "one" is too often a pronoun to demand
        ("one hundred", True, True),
        ("3", True, False),
        ("a", False, False),
        ("third", False, False),
    ]


def test_stems_and_content_words():
    assert [stem(w) for w in ["skipping", "running", "walks", "dromedaries", "taxes", "string", "passed"]] == [
        "skip",
        "run",
        "walk",
        "dromedary",
        "tax",
        "string",
        "pass",
    ]
    assert content_words("Call it has_close_elements; it takes 2 lists") == [
        "call",
        "has_close_elements",
        "takes",
        "lists",
    ]
    assert stems("3 hrs at 5 mph") == {"hour", "mile"}
    assert word_overlap("Skipping 2 rows", "he skips rows") == 1.0  # digits are not content words
    assert word_overlap("red green", "green") == 0.5 and word_overlap("the", "x") == 1.0
    assert overlap(set(), {"a"}) == 1.0
    assert {"the", "please", "thanks"} <= STOP_WORDS
