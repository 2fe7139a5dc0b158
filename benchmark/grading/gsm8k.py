"""GSM8k grading: the final number of the assistant's last answer attempt against the gold.

The number is taken, in order of preference, from the last `\\boxed{...}`, the last
"answer is ..." / "answer: ...", the last "#### ...", else the last number in the
text. Numbers are compared as decimals after removing `$`, thousands separators and
units, so "$1,000.00" equals 1000 and "-3.50" equals -3.5.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from inspect_ai.model import ChatMessage

# A sign only where it cannot be subtraction ("16-3" and "16 - 3" are not negatives).
_NUMBER = r"(?:(?<![\w)])[-−])?\$?\s?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_NUMBER_RE = re.compile(_NUMBER)
_BOXED = re.compile(r"\\boxed\s*\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}")
_ANSWER_IS = re.compile(r"answer\s*(?:is|:|=|would be|will be)\s*[:=]?\s*[*_`\s]*(?:about\s+)?(" + _NUMBER + ")", re.I)
_HASHES = re.compile(r"####\s*(" + _NUMBER + ")")


def _to_decimal(raw: str) -> Decimal | None:
    cleaned = raw.replace("−", "-").replace("$", "").replace(",", "").replace(" ", "")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


def _last_number(text: str) -> Decimal | None:
    numbers = _NUMBER_RE.findall(text)
    return _to_decimal(numbers[-1]) if numbers else None


def extract_final_number(response: str) -> Decimal | None:
    """The number a response gives as its final answer, or None if it gives none."""
    boxed = _BOXED.findall(response)
    if boxed:
        number = _last_number(boxed[-1])
        if number is not None:
            return number
    for pattern in (_ANSWER_IS, _HASHES):
        matches = pattern.findall(response)
        if matches:
            return _to_decimal(matches[-1])
    return _last_number(response)


def parse_gold(gold: str) -> Decimal:
    """The gold number of a GSM8k answer ('18', '1,000', or a full solution ending '#### N')."""
    text = gold.split("####")[-1]
    number = _to_decimal(text.strip())
    if number is None:
        raise ValueError(f"gold answer '{gold}' is not a number")
    return number


def grade_gsm8k(response: str, gold: str) -> bool:
    """True when the response's final number equals the gold number."""
    answer = extract_final_number(response)
    return answer is not None and answer == parse_gold(gold)


def last_answer_attempt(messages: Sequence[ChatMessage]) -> str | None:
    """The last assistant message that states a number (skips closing pleasantries)."""
    for message in reversed(messages):
        if message.role == "assistant" and extract_final_number(message.text) is not None:
            return message.text
    return None
