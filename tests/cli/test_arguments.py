"""Range-checked argument types reject out-of-range values with the range in the message."""

from __future__ import annotations

import argparse

import pytest

from benchmark.cli.arguments import in_range


@pytest.mark.parametrize(
    ("kind", "bounds", "open_ends", "text", "expected"),
    [
        (float, (0, 1), True, "0.05", 0.05),
        (float, (0, 1), False, "1", 1.0),
        (float, (0, None), False, "0", 0.0),
        (int, (100, None), False, "100", 100),
        (int, (1, None), False, "4", 4),
    ],
)
def test_accepts_values_in_range(kind, bounds, open_ends, text, expected) -> None:
    assert in_range(kind, *bounds, open_ends=open_ends)(text) == expected


@pytest.mark.parametrize(
    ("kind", "bounds", "open_ends", "text", "message"),
    [
        (float, (0, 1), True, "1", "must be between 0 and 1 (exclusive), got 1"),
        (float, (0, 1), True, "0", "must be between 0 and 1 (exclusive), got 0"),
        (float, (0, 1), False, "1.5", "must be between 0 and 1, got 1.5"),
        (float, (0, None), False, "-0.1", "must be 0 or more, got -0.1"),
        (int, (100, None), False, "99", "must be 100 or more, got 99"),
        (int, (1, None), False, "2.5", "expected an integer, got '2.5'"),
        (float, (None, 10), True, "10", "must be less than 10, got 10"),
    ],
)
def test_rejects_values_out_of_range(kind, bounds, open_ends, text, message) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        in_range(kind, *bounds, open_ends=open_ends)(text)
