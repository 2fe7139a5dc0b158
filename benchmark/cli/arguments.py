"""Argument types shared by the subcommands: numbers checked against their range at parse time."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def in_range(
    kind: type[int] | type[float],
    low: float | None = None,
    high: float | None = None,
    *,
    open_ends: bool = False,
) -> Callable[[str], float]:
    """An argparse `type` that reads `kind` and rejects values outside [low, high] (or (low, high)).

    The error names the range, so `--alpha 1.5` fails with "must be between 0 and 1, got 1.5"
    before any log is read.
    """
    if low is not None and high is not None:
        wanted = f"between {low:g} and {high:g}" + (" (exclusive)" if open_ends else "")
    elif low is not None:
        wanted = f"more than {low:g}" if open_ends else f"{low:g} or more"
    else:
        wanted = f"less than {high:g}" if open_ends else f"{high:g} or less"

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected {'an integer' if kind is int else 'a number'}, got {text!r}"
            ) from None
        below = low is not None and (value <= low if open_ends else value < low)
        above = high is not None and (value >= high if open_ends else value > high)
        if below or above:
            raise argparse.ArgumentTypeError(f"must be {wanted}, got {text}")
        return value

    return parse
