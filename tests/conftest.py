"""Shared test helpers: scripted models, the shared data directory, running tasks."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from inspect_ai.model import ChatMessage, GenerateConfig, Model, ModelOutput, get_model
from inspect_ai.tool import ToolChoice, ToolInfo

from benchmark.serving.scripted import scripted_output

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
GSM8K_TEST = SHARED_DATA / "gsm8k_test.jsonl"

sys.path.insert(0, str(ROOT))  # so tests can import tasks/ like `inspect eval` does

needs_shared_data = pytest.mark.skipif(
    not GSM8K_TEST.is_file(), reason="../shared/data is absent (a user's clone); CI always has it"
)


def scripted_user(*turns: str) -> Model:
    """A user model that returns `turns` in order, one per call (drafts included)."""
    return get_model("mockllm/model", custom_outputs=[scripted_output("mockllm/model", t) for t in turns])


class RecordingAssistant:
    """An assistant model that records every message list it is sent."""

    def __init__(self, reply: Callable[[list[ChatMessage]], str] | str = "Sure. The answer is 42.") -> None:
        self.calls: list[list[ChatMessage]] = []
        self._reply = reply

    def __call__(
        self, input: list[ChatMessage], tools: list[ToolInfo], tool_choice: ToolChoice, config: GenerateConfig
    ) -> ModelOutput:
        self.calls.append(list(input))
        text = self._reply(input) if callable(self._reply) else self._reply
        return scripted_output("mockllm/model", text)

    def model(self) -> Model:
        return get_model("mockllm/model", custom_outputs=self)
