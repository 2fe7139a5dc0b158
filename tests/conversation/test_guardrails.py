import pytest

from benchmark.constants import MAX_TURN_WORDS, MIN_TURN_WORDS
from benchmark.conversation.guardrails import Guardrails, rejection_reason
from benchmark.conversation.userlm import ParsedTurn

ALL_ON = Guardrails()
INTENT = "You are a user chatting with an assistant language model to count apples."


def reason(text, *, ended=False, turn_index=1, earlier=(), guardrails=ALL_ON):
    return rejection_reason(
        ParsedTurn(text=text, ended=ended),
        guardrails=guardrails,
        turn_index=turn_index,
        earlier_user_turns=list(earlier),
        intent=INTENT,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I need help counting apples", "banned_opener"),
        ("I'm trying to count apples", "banned_opener"),
        ("You should count the apples", "banned_opener"),
        ("Here's my apple problem", "banned_opener"),
        ('"Here is the problem" about apples', "banned_opener"),
        ("Identify how many apples there are", None),
        ("if I have 3 apples", None),
        ("Hereford cows eat apples too", None),
    ],
)
def test_openers(text, expected):
    assert reason(text) == expected


def test_word_bounds():
    assert reason("two words") == "too_short"
    assert reason(" ".join(["w"] * MIN_TURN_WORDS)) is None
    assert reason(" ".join(["w"] * MAX_TURN_WORDS)) is None
    assert reason(" ".join(["w"] * (MAX_TURN_WORDS + 1))) == "too_long"


def test_repeats():
    assert reason("how many apples total", earlier=["How many  apples total"]) == "repeats_earlier_turn"
    repeats_only = Guardrails(ban_openers=False, word_bounds=False)
    assert reason(INTENT.upper(), guardrails=repeats_only) == "repeats_intent"
    assert reason("count apples", guardrails=repeats_only) is None


def test_end_token_rules():
    assert reason("", ended=True, turn_index=0) == "end_token_on_first_turn"
    assert reason("", ended=True, turn_index=0, guardrails=Guardrails.none()) == "end_token_on_first_turn"
    assert reason("", ended=True, turn_index=3) is None
    assert reason("", ended=True, turn_index=3, guardrails=Guardrails(allow_end=False)) == "end_token_banned"
    assert reason("   ") == "empty"


def test_each_guardrail_switches_off():
    off = Guardrails(ban_openers=False, word_bounds=False, ban_repeats=False)
    assert reason("I need apples", guardrails=off) is None
    assert reason("hi", guardrails=off) is None
    assert reason("same", earlier=["same"], guardrails=off) is None


def test_other_side_and_parroted_assistant():
    other = rejection_reason(
        ParsedTurn(text="", ended=False, other_side=True),
        guardrails=Guardrails.none(),
        turn_index=1,
        earlier_user_turns=[],
        intent=INTENT,
    )
    assert other == "assistant_side"  # whatever the guardrails: it is not the user's turn
    parrot = rejection_reason(
        ParsedTurn(text="There are 12 apples.", ended=False),
        guardrails=Guardrails(ban_openers=False, word_bounds=False),
        turn_index=1,
        earlier_user_turns=[],
        earlier_assistant_turns=["there are  12 apples."],
        intent=INTENT,
    )
    assert parrot == "repeats_assistant"


def test_a_closing_turn_is_judged_by_the_end_rules_only():
    assert reason("I ok", ended=True, turn_index=2) is None  # banned opener, too short: still a valid ending
