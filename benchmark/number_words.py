"""The English number words: one vocabulary for every reader of numbers in text.

`benchmark.text` (which numbers a turn states, for the matcher and the figures) and
`benchmark.grading.numbers` (the exact value of a final answer) read number words differently,
because they answer different questions, but they must agree on which words are numbers and what
each is worth: "two billion" is 2,000,000,000 for both.
"""

from __future__ import annotations

UNITS: dict[str, int] = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
"""Zero to nineteen."""

TENS: dict[str, int] = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
"""Twenty to ninety."""

SCALES: dict[str, int] = {"hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000}
"""The multipliers of a cardinal ("three hundred", "two billion"). "dozen" is not one: it follows a
whole number ("two dozen", "a dozen") and each reader places it where its grammar allows."""

DOZEN = 12
