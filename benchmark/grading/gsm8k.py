"""GSM8k grading: the final answer of the assistant's last answer attempt, compared with the gold by value.

`final_answer` says which number a reply gives as its final answer (explicit markers, self-corrections,
checks, asides, LaTeX, chat number formats). The last answer attempt is the last assistant message that
gives one, so a closing pleasantry, an aside about a hypothetical or a pure clarification question does not
count even when it has numbers. Values are exact rationals, so `$1,250.00` equals 1250 and `\\frac{3}{8}`
equals 0.375, and they are compared exactly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from inspect_ai.model import ChatMessage

from benchmark.grading.final_answer import final_answer
from benchmark.grading.numbers import to_decimal

_GOLD_NOISE = re.compile(r"[\s$,]")


def extract_final_number(response: str) -> Decimal | None:
    """The number a response gives as its final answer (exact when it has a finite decimal expansion), or None."""
    answer = final_answer(response)
    return None if answer is None else to_decimal(answer)


def parse_gold(gold: str) -> Decimal:
    """The gold number of a GSM8k answer ('18', '1,000', or a full solution ending '#### N')."""
    text = _GOLD_NOISE.sub("", gold.split("####")[-1]).replace("−", "-")
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise ValueError(f"gold answer '{gold}' is not a number")
    return number


def grade_gsm8k(response: str, gold: str) -> bool:
    """True when the response's final answer equals the gold number; ValueError if the gold is no number."""
    expected = Fraction(parse_gold(gold))
    answer = final_answer(response)
    return answer is not None and answer == expected


def last_answer_attempt(messages: Sequence[ChatMessage]) -> str | None:
    """The text of the last assistant message that gives a final answer, or None if none does."""
    for message in reversed(messages):
        if message.role == "assistant" and final_answer(message.text) is not None:
            return message.text
    return None
