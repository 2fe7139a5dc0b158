import pytest
from inspect_ai.model import ChatMessageAssistant, ChatMessageUser

from benchmark.constants import END_TOKEN
from benchmark.conversation.simulators import UserLMSimulator
from benchmark.conversation.userlm import ParsedTurn, parse_user_turn, prompt_path, render_userlm_prompt, request_fields
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


@pytest.mark.parametrize(
    ("model", "path", "fields"),
    [
        ("vllm/microsoft/UserLM-8b", "vllm_chat", {"add_generation_prompt", "continue_final_message"}),
        ("vllm-completions/microsoft/UserLM-8b", "completions", {"add_special_tokens"}),
        ("openai-api-completions/local/UserLM-8b", "completions", {"add_special_tokens"}),
        ("openai-api/local/UserLM-8b", "server_template", set()),
        ("together/microsoft/UserLM-8b", "server_template", set()),
        ("scripted/user", "offline", set()),
    ],
)
def test_each_provider_gets_the_fields_its_server_takes(model, path, fields):
    assert prompt_path(model) == path
    sent = request_fields(path)
    assert fields <= set(sent)
    if path == "vllm_chat":
        assert sent["add_generation_prompt"] is True and sent["continue_final_message"] is False
    if path == "completions":
        assert sent["add_special_tokens"] is False  # the template emits no BOS; neither may the server
    if fields:
        assert sent["skip_special_tokens"] is False  # so the stop strings match the special tokens


E = END_TOKEN
EOT = "<|eot_id|>"
HDR = "<|start_header_id|>{}<|end_header_id|>"

# (raw completion, expected text, expected ended), each expectation written by hand. Shapes: the real
# UserLM-8b outputs people published (leading "\n", blank turns, the end token with junk after it, glued
# role words where special tokens were skipped), servers that keep special tokens, ChatML markers, the
# end token inside a later hallucinated turn, and ordinary turns that must survive whole.
RAW_TURNS = [
    # ordinary clean turns
    ("\nwhat about 3 apples", "what about 3 apples", False),
    ("\nso she walks 2 mph and runs 4x faster", "so she walks 2 mph and runs 4x faster", False),
    ("\nnah i need it in python not js", "nah i need it in python not js", False),
    ("\nline one\nline two of my question", "line one\nline two of my question", False),
    ("   \n  spaces around   \n", "spaces around", False),
    # blank turns (51 in 500 in one public run)
    ("\n", "", False),
    ("", "", False),
    ("\n \n\t", "", False),
    # the end token: alone, with closing text, with junk after it
    (f"\n{E}", "", True),
    (E, "", True),
    (f"\nok thanks{E}", "ok thanks", True),
    (f"\nthanks that works {E} junk after", "thanks that works", True),
    (f"\n{E}assistant\nYou're welcome! Anything else?", "", True),
    (f"\nperfect, thanks!{E}assistant\nGlad I could help.", "perfect, thanks!", True),
    (f"\n{E}{EOT}{HDR.format('assistant')}\nYou're welcome!", "", True),
    # special tokens kept: cut at the first boundary
    (f"\nhow many eggs{EOT}{HDR.format('assistant')}\n16", "how many eggs", False),
    (f"\nhow many eggs{EOT}", "how many eggs", False),
    ("\nhow many eggs<|end_of_text|>", "how many eggs", False),
    (f"\nhow many eggs{HDR.format('assistant')}\nSixteen.", "how many eggs", False),
    # the end token inside a later, hallucinated turn is not the user's ending
    (f"thanks{EOT}{HDR.format('user')}\n{E}", "thanks", False),
    (f"\nwait what{EOT}{HDR.format('assistant')}\nSorry!{EOT}{HDR.format('user')}\n{E}", "wait what", False),
    ("\nok but why 12assistant\nBecause 3 x 4 = 12.user\n" + E, "ok but why 12", False),
    # special tokens skipped: the hallucinated header is a role word glued to the text
    ("so can i get it backassistant\nSure, here's how", "so can i get it back", False),
    ("can u just tell meassistant\nSure!", "can u just tell me", False),
    ("\nwhat is 18 / 3?assistant\n6", "what is 18 / 3?", False),
    ("\nok 42assistant\n\nGreat.", "ok 42", False),
    ("\nhmm ok\nassistant\nLet me explain", "hmm ok", False),
    ("\ngot it!user\nanother question", "got it!", False),
    ("\nfine\nuser\nmore stuff", "fine", False),
    ("\nthanksassistant<|end_header_id|>\nWelcome", "thanks", False),
    # ChatML markers, kept or skipped
    ("\nneed it faster<|im_end|>\n<|im_start|>assistant\nSure", "need it faster", False),
    ("\nneed it faster\nassistant\nSure", "need it faster", False),
    ("\nplain transcript style\nAssistant: Of course!", "plain transcript style", False),
    # a repeated header of the user's own turn
    ("user\nso can i get it back", "so can i get it back", False),
    ("\nuser\nso can i get it back", "so can i get it back", False),
    (f"{HDR.format('user')}\nhello there", "hello there", False),
    (f"user\nbye{E}", "bye", True),
    # ordinary words that must not be eaten
    ("\ncan my assistant\nhelp with this", "can my assistant\nhelp with this", False),
    ("\nthe ecosystem\nis what i study", "the ecosystem\nis what i study", False),
    ("\nmy accuser\nsaid so", "my accuser\nsaid so", False),
    ("\nthe user sees a popup", "the user sees a popup", False),
    ("\nhow do i call the assistant api", "how do i call the assistant api", False),
    ("\nlog in as system user", "log in as system user", False),
    ("\nAssistantship applications are due", "Assistantship applications are due", False),
    # Llama-2 and other stray special tokens
    ("\nhelp me with this</s>[INST] more", "help me with this", False),
    ("\nwhy<|reserved_special_token_4|>junk", "why", False),
    # undecodable bytes become "?" so the log stays writable
    ("\nbad \udcff byte", "bad ? byte", False),
]


@pytest.mark.parametrize(("raw", "text", "ended"), RAW_TURNS, ids=[repr(case[0])[:40] for case in RAW_TURNS])
def test_raw_completion_read_as_a_user_turn(raw, text, ended):
    turn = parse_user_turn(raw)
    assert (turn.text, turn.ended, turn.other_side) == (text, ended, False)


# Completions that open the assistant's (or system's) turn: nothing in them is the user's.
OTHER_SIDE = [
    "assistant\nSure! Here is the answer: 18.",
    "\nassistant\nThe answer is 18.",
    "assistant<|end_header_id|>\n2 + 3 = 5.<",  # SmolLM2 behind UserLM's template (FIELD_NOTES)
    f"{HDR.format('assistant')}\nHappy to help.",
    "<|im_start|>assistant\nCertainly.",
    "Assistant: Of course! First, multiply.",
    f"system\nYou are a helpful assistant.{E}",
]


@pytest.mark.parametrize("raw", OTHER_SIDE)
def test_a_completion_of_the_other_side_is_not_the_users(raw):
    assert parse_user_turn(raw) == ParsedTurn(
        text="", ended=False, other_side=True, boundary=parse_user_turn(raw).boundary
    )


def test_the_boundary_cut_is_recorded():
    assert parse_user_turn("\nhi there friend").boundary == ""
    assert parse_user_turn("so can i get it backassistant\nSure").boundary == "assistant"
    assert parse_user_turn(f"\nhow many{EOT}x").boundary == EOT


def test_the_table_covers_enough_shapes():
    assert len(RAW_TURNS) + len(OTHER_SIDE) >= 30
