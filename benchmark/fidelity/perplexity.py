"""Per-token perplexity of the humans' user turns under a simulator (the paper's Table 1).

Each user turn is scored given the UserLM prompt before it: the intent as system message (left out with
`with_intent=False`, the paper's second column) and the conversation up to that turn, rendered client-side
with the shipped UserLM template. The server returns the log-probability of every prompt token
(`prompt_logprobs`, a vLLM extension that SGLang also implements), so this needs a completions endpoint:
`vllm-completions/...` or `openai-api-completions/...`. Any other provider (a chat API, the scripted
model) gives no prompt log-probabilities: the figure is missing and `unavailable_reason` says why.

Which tokens are the turn's. The rendered turn is the user header, a newline, the text and `<|eot_id|>`.
Scored are the text's tokens and `<|eot_id|>` (the model has to predict where the turn ends); the header and
its newline are the template's, identical for every turn, so they are not. The turn's tokens are found by
count, two requests per turn: the context (the prompt up to and including the header's newline) with
`max_tokens=1`, whose prompt token count `a` the usage gives, and the context plus the turn with
`prompt_logprobs=1`, whose prompt has `b` tokens; the turn is its last `b - a` tokens. This holds because
a tokenizer cannot merge across the special token that ends the header, nor (Llama-3 and GPT-2 style
pre-tokenizers) a lone newline with the letter, digit or punctuation after it; when the text itself
starts with whitespace, the newline could merge with it, so the context then stops before the newline and
the newline is scored with the turn. No BOS is sent (the template emits none), as on the simulator's
completions path.

The paper's token set could not be read: a computation that also scores the header's newline (nearly
free under UserLM) reports a lower perplexity, one that leaves out `<|eot_id|>` a different one.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass, field

from inspect_ai.model import ChatMessageUser, GenerateConfig, Model, ModelOutput

from benchmark.constants import USER_ROLE
from benchmark.conversation.model_calls import ModelCallError, naming_the_server
from benchmark.conversation.userlm import prompt_path, render_userlm_prompt, request_fields
from benchmark.fidelity.conversations import HumanConversation
from benchmark.inspect_compat import eval_attempt_timeout

COMPLETIONS_HINT = "serve the simulator through vllm-completions/MODEL or openai-api-completions/MODEL"


class PerplexityUnavailable(Exception):
    """The server's answer does not allow the computation; the message says why."""


@dataclass(frozen=True)
class ScoredTurn:
    """The two prompts of one user turn: the context before the turn's text, and the context with the turn."""

    context: str
    scored: str


@dataclass
class TurnLogprobs:
    tokens: int
    nll: float
    """Sum of the negative log-probabilities (natural log) of the turn's tokens."""


@dataclass
class ConversationPerplexity:
    """The user turns of one conversation: totals, per turn, or why there is no figure."""

    nll: float = 0.0
    tokens: int = 0
    turns: list[TurnLogprobs] = field(default_factory=list)
    missing: str | None = None
    """Why the figure is missing (None when it is known)."""

    @property
    def perplexity(self) -> float:
        """exp(nll / tokens), NaN when missing."""
        return math.exp(self.nll / self.tokens) if self.missing is None and self.tokens else math.nan


def unavailable_reason(simulator: str, model_name: str) -> str | None:
    """Why the simulator's user model cannot give prompt log-probabilities, or None when it can."""
    if simulator == "prompted":
        return (
            "user_perplexity needs the UserLM prompt, rendered here and sent to a completions endpoint; the "
            "prompted protocol goes through the server's own chat template"
        )
    if prompt_path(model_name) != "completions":
        return f"the user model {model_name} gives no prompt log-probabilities: {COMPLETIONS_HINT}"
    return None


def scored_turns(conversation: HumanConversation, with_intent: bool) -> list[ScoredTurn]:
    """The two prompts of each user turn of the conversation, in order."""
    if with_intent and conversation.intent is None:
        raise ValueError(f"conversation {conversation.id} has no intent; write one or pass with_intent=False")
    history: list[dict[str, str]] = [{"role": "system", "content": conversation.intent or ""}] if with_intent else []
    opening = render_userlm_prompt([])  # the header the template always ends with
    turns = []
    for message in conversation.messages:
        if message.role == "user":
            before = render_userlm_prompt(history)
            after = render_userlm_prompt([*history, {"role": "user", "content": message.content}])
            scored = after.removesuffix(opening)
            if not scored.startswith(before) or scored == after:
                raise ValueError("the UserLM template no longer renders a turn after its context")
            separator = scored[len(before) :].split(message.content, 1)[0]  # the header's newline
            merges = message.content[:1].isspace()
            turns.append(ScoredTurn(context=before if merges else before + separator, scored=scored))
        history.append({"role": message.role, "content": message.content})
    return turns


def _config(model: Model, prompt_logprobs: int | None = None) -> GenerateConfig:
    config = GenerateConfig(
        max_tokens=1,
        temperature=0.0,
        prompt_logprobs=prompt_logprobs,
        extra_body={**request_fields("completions"), **(model.config.extra_body or {})},
    )
    if model.config.attempt_timeout is None:
        config = config.merge(GenerateConfig(attempt_timeout=eval_attempt_timeout()))
    return config


async def _call(model: Model, prompt: str, config: GenerateConfig) -> ModelOutput:
    with naming_the_server(USER_ROLE, model):
        output = await model.generate([ChatMessageUser(content=prompt)], config=config)
    if output.error:
        raise PerplexityUnavailable(f"the user model returned an error: {output.error}")
    return output


def _prompt_tokens(output: ModelOutput) -> int:
    if output.usage is None or not output.usage.input_tokens:
        raise PerplexityUnavailable("the server reported no prompt token count (usage)")
    return output.usage.input_tokens


async def turn_logprobs(model: Model, turn: ScoredTurn) -> TurnLogprobs:
    """The tokens and negative log-likelihood of one user turn under `model` (a completions endpoint)."""
    context, scored = await asyncio.gather(
        _call(model, turn.context, _config(model)), _call(model, turn.scored, _config(model, prompt_logprobs=1))
    )
    start, total = _prompt_tokens(context), _prompt_tokens(scored)
    logprobs = scored.choices[0].prompt_logprobs if scored.choices else None
    if logprobs is None:
        raise PerplexityUnavailable(f"the server returned no prompt log-probabilities: {COMPLETIONS_HINT} (vLLM)")
    if len(logprobs.content) != total - 1:  # the first prompt token has none
        raise PerplexityUnavailable(
            f"the server returned {len(logprobs.content)} prompt log-probabilities for {total} prompt tokens"
        )
    if total <= start:
        raise PerplexityUnavailable(f"the turn has no tokens of its own ({total} prompt tokens, context {start})")
    values = [entry.logprob for entry in logprobs.content[start - 1 :]]
    return TurnLogprobs(tokens=len(values), nll=-math.fsum(values))


async def conversation_perplexity(
    model: Model, conversation: HumanConversation, with_intent: bool = True
) -> ConversationPerplexity:
    """Per-token perplexity of the conversation's user turns under `model`, served on a completions endpoint.

    A server that cannot give the figure (no prompt log-probabilities, no usage, a failed call) gives a
    result whose `missing` says why; the other figures of the conversation are not affected.
    """
    try:
        turns = await asyncio.gather(*(turn_logprobs(model, t) for t in scored_turns(conversation, with_intent)))
    except (PerplexityUnavailable, ModelCallError) as err:
        return ConversationPerplexity(missing=str(err))
    return ConversationPerplexity(
        nll=math.fsum(t.nll for t in turns), tokens=sum(t.tokens for t in turns), turns=list(turns)
    )
