from inspect_ai.model import ChatMessageAssistant, ChatMessageUser

from benchmark.constants import END_TOKEN
from benchmark.conversation.simulators import USERLM_EXTRA_BODY, UserLMSimulator
from benchmark.conversation.userlm import parse_user_turn, render_userlm_prompt
from benchmark.intents import curated_intents

H = "<|start_header_id|>{}<|end_header_id|>\n{}<|eot_id|>"


def test_three_turn_prompt_is_byte_exact():
    intent = curated_intents("gsm8k")[0]
    conversation = [
        ChatMessageUser(content="how far can dana go in 6 hours"),
        ChatMessageAssistant(content="What are her speeds?"),
        ChatMessageUser(content="she runs 4x as fast as she walks"),
        ChatMessageAssistant(content="And how fast does she skip?"),
        ChatMessageUser(content="skips at 3 mph"),
        ChatMessageAssistant(content="Then she covers 18 miles."),
    ]
    messages = UserLMSimulator.messages(None, intent, conversation)  # type: ignore[arg-type]
    rendered = render_userlm_prompt([{"role": m.role, "content": m.text} for m in messages])
    expected = (
        H.format("system", intent.intent)
        + H.format("user", "how far can dana go in 6 hours")
        + H.format("assistant", "What are her speeds?")
        + H.format("user", "she runs 4x as fast as she walks")
        + H.format("assistant", "And how fast does she skip?")
        + H.format("user", "skips at 3 mph")
        + H.format("assistant", "Then she covers 18 miles.")
        + "<|start_header_id|>user<|end_header_id|>"
    )
    assert rendered == expected
    assert not rendered.startswith("<|begin_of_text|>")
    assert [m.role for m in messages] == ["system", "user", "assistant"] * 1 + ["user", "assistant"] * 2


def test_first_turn_prompt_opens_user_turn():
    rendered = render_userlm_prompt([{"role": "system", "content": "You are a user."}])
    assert rendered == H.format("system", "You are a user.") + "<|start_header_id|>user<|end_header_id|>"


def test_extra_body_asks_server_for_generation_prompt():
    assert USERLM_EXTRA_BODY == {"add_generation_prompt": True, "continue_final_message": False}


def test_end_token_at_start_middle_and_with_junk():
    assert parse_user_turn(END_TOKEN) == parse_user_turn(f"\n{END_TOKEN}assistant\nSure!")
    only = parse_user_turn(f"\n{END_TOKEN}assistant\nSure! Anything else?")
    assert only.ended and only.text == ""
    middle = parse_user_turn(f"\nthanks that works {END_TOKEN} junk after")
    assert middle.ended and middle.text == "thanks that works"
    plain = parse_user_turn("\nwhat about 3 apples")
    assert not plain.ended and plain.text == "what about 3 apples"


def test_cut_at_turn_boundary():
    turn = parse_user_turn("\nhow many eggs<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n16")
    assert turn.text == "how many eggs" and not turn.ended
    smol = parse_user_turn("assistant<|end_header_id|>\n2 + 3 = 5.<")
    assert smol.text == "assistant"
