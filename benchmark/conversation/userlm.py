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
from typing import Any

from jinja2.sandbox import ImmutableSandboxedEnvironment

from benchmark.constants import END_TOKEN

CHAT_TEMPLATE_FILE = "userlm_chat_template.jinja"

# Markers after which a completion has left the user's turn: Llama-3 headers and
# end-of-turn tokens, plus the ChatML ones a small stand-in model may emit.
_TURN_BOUNDARY = re.compile(r"<\|(?:eot_id|end_of_text|start_header_id|end_header_id|im_end|im_start|endoftext)\|>")


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


@dataclass(frozen=True)
class ParsedTurn:
    """A simulator completion read as a user turn.

    `text` is what the user says (possibly empty); `ended` is True when the
    completion contains the end token, in which case anything after it is junk
    and has been cut, and `text` holds only what came before it.
    """

    text: str
    ended: bool


def parse_user_turn(completion: str) -> ParsedTurn:
    """Cut a raw completion at the end token or the first turn boundary, then trim it."""
    # Lone surrogates (undecodable bytes) would make the log unwritable: they become "?".
    text = completion.encode("utf-8", "replace").decode("utf-8")
    ended = False
    end_at = text.find(END_TOKEN)
    if end_at >= 0:
        text, ended = text[:end_at], True
    boundary = _TURN_BOUNDARY.search(text)
    if boundary:
        text = text[: boundary.start()]
    return ParsedTurn(text=text.strip(), ended=ended)
