"""The UserLM-8b protocol: how its prompt is rendered and how its output is read.

UserLM-8b takes the intent as the system message and the conversation as-is (user
turns stay `user`, assistant turns stay `assistant`). Its chat template renders each
message as ``<|start_header_id|>{role}<|end_header_id|>\\n{content}<|eot_id|>``, emits
no BOS, and always ends by opening a *user* header, so the model writes the user's
next turn. The template shipped here (`userlm_chat_template.jinja`) is that format;
vLLM servers of UserLM-shaped models are started with it and tests compare against it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from jinja2.sandbox import ImmutableSandboxedEnvironment

from benchmark.constants import END_TOKEN

CHAT_TEMPLATE_FILE = "userlm_chat_template.jinja"


def chat_template_path() -> Path:
    """The shipped template as a file, for servers started with `--chat-template FILE`."""
    return Path(str(resources.files("benchmark.conversation").joinpath(CHAT_TEMPLATE_FILE)))


def chat_template() -> str:
    """The UserLM chat template (Jinja), as shipped in the package."""
    return resources.files("benchmark.conversation").joinpath(CHAT_TEMPLATE_FILE).read_text(encoding="utf-8")


@cache
def _compiled_template() -> Any:
    # The settings transformers uses to render chat templates.
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    return env.from_string(chat_template())


def render_userlm_prompt(messages: list[dict[str, str]]) -> str:
    """Render `[{role, content}, ...]` exactly as a server with UserLM's template would."""
    return str(_compiled_template().render(messages=messages))


# --- how the prompt reaches a server ------------------------------------------------------------

VLLM_CHAT_PROVIDERS = ("vllm",)
"""Inspect providers whose chat requests reach vLLM's chat API, which takes the fields below."""
COMPLETIONS_PROVIDERS = ("vllm-completions", "openai-api-completions")
"""Inspect providers of a raw completions endpoint: the prompt is rendered here, from the shipped template."""
OFFLINE_PROVIDERS = ("scripted", "mockllm")
"""Inspect providers with no server and no template (tests and demos)."""

VLLM_CHAT_FIELDS = {"add_generation_prompt": True, "continue_final_message": False, "skip_special_tokens": False}
"""vLLM chat request fields: render the template's generation prompt (UserLM's opens a *user* turn) instead
of continuing the assistant's last message, which Inspect's vllm provider asks for when the messages end
with an assistant; and keep special tokens in the text so the stop strings match them."""
COMPLETIONS_FIELDS = {"add_special_tokens": False, "skip_special_tokens": False}
"""Completions request fields: no BOS before the rendered prompt (the template emits none, and the chat path
adds none), special tokens kept in the text. vLLM and SGLang take them; other servers ignore unknown fields."""

PromptPath = Literal["vllm_chat", "completions", "server_template", "offline"]


def provider_of(model_name: str) -> str:
    """The Inspect provider of a model name such as `vllm-completions/microsoft/UserLM-8b`."""
    return model_name.split("/", 1)[0]


def prompt_path(model_name: str) -> PromptPath:
    """How the UserLM prompt reaches the model's server.

    `vllm_chat`: vLLM's chat API with VLLM_CHAT_FIELDS (the server's template must be UserLM's);
    `completions`: the prompt rendered here and sent raw (any server that serves the weights);
    `server_template`: another chat API, whose server's template alone decides what UserLM sees;
    `offline`: a scripted model.
    """
    provider = provider_of(model_name)
    if provider in COMPLETIONS_PROVIDERS:
        return "completions"
    if provider in VLLM_CHAT_PROVIDERS:
        return "vllm_chat"
    if provider in OFFLINE_PROVIDERS:
        return "offline"
    return "server_template"


def request_fields(path: PromptPath) -> dict[str, object]:
    """The extra request body fields of a prompt path."""
    return dict(VLLM_CHAT_FIELDS if path == "vllm_chat" else COMPLETIONS_FIELDS if path == "completions" else {})


@dataclass(frozen=True)
class ParsedTurn:
    """A raw simulator completion read as one user turn.

    `text` is what the user says (possibly empty: a blank turn); `ended` is True when the user's own turn
    holds the end token (anything after it is junk and has been cut; `text` is what came before it);
    `other_side` is True when the completion opened the assistant's (or the system's) turn instead of the
    user's, so nothing in it is the user's; `boundary` names the turn boundary the completion was cut at
    ("" when none: the model stopped where it should).
    """

    text: str
    ended: bool
    other_side: bool = False
    boundary: str = ""


# A turn boundary with the server's special tokens kept in the text: Llama-3 headers and end-of-turn
# tokens, ChatML markers, any other `<|...|>` token except the end token, and `</s>`/`[INST]` of
# Llama-2-style templates.
_SPECIAL_TOKEN = re.compile(r"<\|(?!endconversation\|>)[A-Za-z0-9_]+\|>|</s>|\[/?INST\]")
# A turn boundary with special tokens skipped: the next header shows as a bare role word followed by a
# newline. "assistant" is cut glued to the text ("...tell meassistant\nSure") or at a line start: no English
# word ends in "assistant". "user" and "system" end ordinary words ("accuser", "ecosystem"), so they are
# cut only at a line start or glued after a non-letter ("thanks!user\n"). A word after a space ("my
# assistant\nwill") is the user's own. "Assistant:" at a line start is a transcript-style header.
_HEADER_END = r"(?=[ \t]*(?:\r?\n|<\|end_header_id\|>))"
_ROLE_WORD = re.compile(
    rf"(?:(?<=\S)|(?<=\n)|^)assistant{_HEADER_END}"
    rf"|(?:(?<=[^\sA-Za-z])|(?<=\n)|^)(?:user|system){_HEADER_END}"
    r"|(?:(?<=\n)|^)[Aa]ssistant:",
)
# The header of the turn the completion opens with, when the server or the model repeated it.
_LEADING_HEADER = re.compile(
    r"^(?:<\|start_header_id\|>|<\|im_start\|>)?(user|assistant|system)(?:<\|end_header_id\|>)?[ \t]*(?:\r?\n|$)"
    r"|^<\|start_header_id\|>(user|assistant|system)<\|end_header_id\|>"
    r"|^([Aa]ssistant|[Ss]ystem):",
)


def _first_boundary(text: str) -> re.Match[str] | None:
    found = [match for match in (_SPECIAL_TOKEN.search(text), _ROLE_WORD.search(text)) if match]
    return min(found, key=lambda match: match.start()) if found else None


def parse_user_turn(completion: str) -> ParsedTurn:
    """Read a raw completion as the user's turn: the one rule every caller uses.

    1. Drop the leading whitespace (every UserLM completion starts with "\n") and a repeated header of the
       user's own turn ("user\n"); a completion that opens the assistant's or system's turn is not the
       user's (`other_side`).
    2. Cut at the first turn boundary, special tokens present or skipped: what follows it is another turn,
       the model's invention, never the user's.
    3. Only then look for the end token, within the user's own turn: the user left, and what came before it
       is their closing text.
    """
    # Lone surrogates (undecodable bytes) would make the log unwritable: they become "?".
    text = completion.encode("utf-8", "replace").decode("utf-8").lstrip()
    header = _LEADING_HEADER.match(text)
    if header:
        role = (header.group(1) or header.group(2) or header.group(3)).lower()
        if role != "user":
            return ParsedTurn(text="", ended=False, other_side=True, boundary=role)
        text = text[header.end() :].lstrip()
    boundary = _first_boundary(text)
    if boundary:
        text = text[: boundary.start()]
    end_at = text.find(END_TOKEN)
    ended = end_at >= 0
    if ended:
        text = text[:end_at]
    return ParsedTurn(text=text.strip(), ended=ended, boundary=boundary.group(0).strip() if boundary else "")
