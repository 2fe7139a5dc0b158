"""User-turn perplexity against a fake completions server with a known tokenizer and known log-probabilities."""

from __future__ import annotations

import asyncio
import math
import re

import pytest
from inspect_ai.model import ChatMessage, GenerateConfig, Logprob, Logprobs, ModelOutput, get_model
from inspect_ai.tool import ToolChoice, ToolInfo

from benchmark.conversation.userlm import render_userlm_prompt
from benchmark.fidelity.conversations import HumanConversation
from benchmark.fidelity.perplexity import conversation_perplexity, scored_turns, unavailable_reason
from benchmark.serving.scripted import scripted_output

INTENT = "You are a user chatting with an assistant language model to say hi."
_TOKEN = re.compile(r"<\|[a-z_]+\|>|.", re.S)  # special tokens whole, everything else one character
HEADER = "<|start_header_id|>user<|end_header_id|>"


def logprob(token: str) -> float:
    """The fake model's log-probability of a token: special -2, the newline -0.25, any other -1."""
    return -2.0 if token.startswith("<|") else -0.25 if token == "\n" else -1.0


class FakeCompletions:
    """A completions server: tokenizes by character, returns prompt log-probabilities vLLM-style."""

    def __init__(self, usage: bool = True, logprobs: bool = True, drop: int = 0, fail: bool = False) -> None:
        self.usage, self.logprobs, self.drop, self.fail = usage, logprobs, drop, fail
        self.prompts: list[tuple[str, GenerateConfig]] = []

    def __call__(
        self, input: list[ChatMessage], tools: list[ToolInfo], tool_choice: ToolChoice, config: GenerateConfig
    ) -> ModelOutput:
        assert len(input) == 1 and input[0].role == "user"
        if self.fail:
            raise RuntimeError("connection refused")
        prompt = input[0].text
        self.prompts.append((prompt, config))
        tokens = _TOKEN.findall(prompt)
        assert "".join(tokens) == prompt
        output = scripted_output("mockllm/model", "x", prompt_words=len(tokens))
        if not self.usage:  # a server that reports no prompt tokens (mockllm would count None with tiktoken)
            output.usage.input_tokens = 0
        if self.logprobs and config.prompt_logprobs:
            entries = [Logprob(token=t, logprob=logprob(t)) for t in tokens[1 + self.drop :]]
            output.choices[0].prompt_logprobs = Logprobs(content=entries)
        return output

    def model(self):
        return get_model("mockllm/model", custom_outputs=self, memoize=False)


def conversation(*user_turns: str, intent: str | None = INTENT) -> HumanConversation:
    messages = []
    for turn in user_turns:
        messages += [{"role": "user", "content": turn}, {"role": "assistant", "content": "Sure thing."}]
    return HumanConversation.model_validate({"id": "c1", "messages": messages, "intent": intent})


def perplexity(server: FakeCompletions, convo: HumanConversation, with_intent: bool = True):
    return asyncio.run(conversation_perplexity(server.model(), convo, with_intent))


def test_scored_turns_follow_the_template():
    (first, second) = scored_turns(conversation("hi", "ok"), with_intent=True)
    system = render_userlm_prompt([{"role": "system", "content": INTENT}])
    assert first.context == system + "\n" and first.scored == system + "\nhi<|eot_id|>"
    assert second.scored.endswith("assistant<|end_header_id|>\nSure thing.<|eot_id|>" + HEADER + "\nok<|eot_id|>")
    assert second.context == second.scored.removesuffix("ok<|eot_id|>")
    (alone,) = scored_turns(conversation("hi"), with_intent=False)
    assert alone.context == HEADER + "\n" and INTENT not in alone.scored


def test_perplexity_by_hand():
    server = FakeCompletions()
    result = perplexity(server, conversation("hi", "ok"))
    # each turn: 'h' 'i' (-1 each) and <|eot_id|> (-2); the header's newline is not the turn's
    assert result.missing is None and result.tokens == 6 and result.nll == pytest.approx(8.0)
    assert [(t.tokens, t.nll) for t in result.turns] == [(3, 4.0), (3, 4.0)]
    assert result.perplexity == pytest.approx(math.exp(8 / 6))
    scored = [config for _, config in server.prompts if config.prompt_logprobs == 1]
    assert len(server.prompts) == 4 and len(scored) == 2  # a count request and a scored request per turn
    assert all(c.max_tokens == 1 and c.temperature == 0.0 for _, c in server.prompts)
    assert all(c.extra_body == {"add_special_tokens": False, "skip_special_tokens": False} for _, c in server.prompts)


def test_a_turn_that_starts_with_whitespace_scores_the_newline_with_it():
    result = perplexity(FakeCompletions(), conversation(" hi"))
    # the newline could merge with the turn's own space: "\n" (-0.25), " " 'h' 'i' (-1 each), <|eot_id|> (-2)
    assert result.tokens == 5 and result.nll == pytest.approx(5.25)


def test_with_and_without_the_intent():
    server = FakeCompletions()
    perplexity(server, conversation("hi"), with_intent=False)
    assert all(INTENT not in prompt for prompt, _ in server.prompts)
    with pytest.raises(ValueError, match="has no intent"):
        perplexity(FakeCompletions(), conversation("hi", intent=None), with_intent=True)
    assert perplexity(FakeCompletions(), conversation("hi", intent=None), with_intent=False).tokens == 3


@pytest.mark.parametrize(
    ("server", "reason"),
    [
        (FakeCompletions(logprobs=False), "no prompt log-probabilities"),
        (FakeCompletions(usage=False), "no prompt token count"),
        (FakeCompletions(drop=1), "prompt log-probabilities for"),
        (FakeCompletions(fail=True), "connection refused"),
    ],
)
def test_a_server_that_cannot_give_the_figure(server, reason):
    result = perplexity(server, conversation("hi", "ok"))
    assert result.missing is not None and reason in result.missing
    assert math.isnan(result.perplexity)


@pytest.mark.parametrize(
    ("simulator", "model", "available"),
    [
        ("userlm", "vllm-completions/microsoft/UserLM-8b", True),
        ("userlm", "openai-api-completions/local/userlm", True),
        ("userlm", "vllm/microsoft/UserLM-8b", False),
        ("scripted", "scripted/user", False),
        ("prompted", "openai/gpt-4o", False),
        ("prompted", "vllm-completions/x", False),
    ],
)
def test_which_user_models_can_give_perplexity(simulator, model, available):
    reason = unavailable_reason(simulator, model)
    assert (reason is None) == available
    if not available:
        assert "completions" in reason
