"""Tokenisation, stop words, numbers and Jaccard (benchmark.text), with hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from benchmark.text import (
    STOP_WORDS,
    content_words,
    difference_matrix,
    jaccard,
    mean_pairwise_difference,
    numbers,
    stem,
    stems,
    unigram_difference,
    unigrams,
)


def test_unigrams_lowercase_and_strip_punctuation():
    assert unigrams("Don't pay $20,000 -- it's 18.00!") == {"dont", "pay", "20000", "its", "1800"}
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
    assert numbers("[1, 2, -4, 5] and 0b11 and lst1") == {"1", "2", "4", "5", "0"}
    assert numbers("any two numbers", words=False) == set()


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
    assert {"the", "please", "thanks"} <= STOP_WORDS
