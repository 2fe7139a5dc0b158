"""Offline, deterministic models for tests and demos: `scripted/user`, `scripted/assistant`.

Registered as the Inspect provider `scripted`, so they work anywhere a model name
does: `--model scripted/assistant -T simulator=scripted`, or `--model-role
user=scripted/user`. No network, no weights, and every output carries token usage
(Inspect would otherwise count tokens with tiktoken, which downloads its encoding).

- `scripted/user` reads the intent (the system message) and, at user turn k, says its
  k-th sentence (the first as "Help me <goal>"); after the last it writes the end token. Pass
  `-M turns='["first", "second"]'` to script the turns instead (the end token after
  the last), which tests use to exercise guardrails.
- `scripted/assistant` acknowledges each turn and states the sum of the numbers the
  user has mentioned as its answer: wrong for most problems, but deterministic and
  graded like any other answer.
"""

from __future__ import annotations

import re
from typing import Any

from inspect_ai.model import (
    ChatMessage,
    GenerateConfig,
    ModelAPI,
    ModelOutput,
    ModelUsage,
    modelapi,
)
from inspect_ai.tool import ToolChoice, ToolInfo

from benchmark.constants import END_TOKEN
from benchmark.intents.record import INTENT_PREFIX

_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def scripted_output(model: str, text: str, prompt_words: int = 0) -> ModelOutput:
    """A ModelOutput with explicit usage, so Inspect never needs a tokenizer download."""
    output = ModelOutput.from_content(model=model, content=text)
    completion_words = len(text.split())
    output.usage = ModelUsage(
        input_tokens=prompt_words, output_tokens=completion_words, total_tokens=prompt_words + completion_words
    )
    return output


def _user_turn(input: list[ChatMessage], turns: list[str] | None) -> str:
    said = sum(1 for message in input if message.role == "user")
    if turns is None:
        intent = next((m.text for m in input if m.role == "system"), "")
        # "You are a user chatting with ... to <goal>." opens as "Help me <goal>."
        goal, *facts = [s for s in _SENTENCE_END.split(intent.removeprefix(INTENT_PREFIX).strip()) if s]
        turns = [f"Help me {goal}", *facts]
    return turns[said] if said < len(turns) else END_TOKEN


def _assistant_turn(input: list[ChatMessage]) -> str:
    user_text = " ".join(message.text for message in input if message.role == "user")
    numbers = [float(n) for n in _NUMBER.findall(user_text)]
    if not numbers:
        return "Could you tell me a bit more about what you need?"
    total = sum(numbers)
    shown = int(total) if total.is_integer() else round(total, 4)
    return f"Thanks, noted. Adding up the numbers so far, the answer is {shown}."


class ScriptedModel(ModelAPI):
    """Deterministic offline model; the model name picks the behaviour."""

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig | None = None,
        turns: list[str] | None = None,
        **model_args: Any,
    ) -> None:
        super().__init__(model_name, base_url, api_key, [], config or GenerateConfig())
        if model_name not in ("user", "assistant"):
            raise ValueError(f"unknown scripted model '{model_name}': use scripted/user or scripted/assistant")
        if model_args:
            raise ValueError(f"scripted/{model_name} takes only the model arg 'turns', got {sorted(model_args)}")
        self.turns = turns

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> ModelOutput:
        text = _user_turn(input, self.turns) if self.model_name == "user" else _assistant_turn(input)
        prompt_words = sum(len(message.text.split()) for message in input)
        return scripted_output(f"scripted/{self.model_name}", text, prompt_words)

    def max_connections(self) -> int:
        return 1024


@modelapi(name="scripted")
def scripted() -> type[ModelAPI]:
    return ScriptedModel
