"""User simulators: who writes the user's side of the conversation.

A simulator turns (intent, conversation so far) into one raw draft of the next user
turn. It never decides whether the draft is acceptable: the loop parses the draft,
applies the guardrails and resamples. Both simulators call the Inspect model bound
to the `user` role, so any provider works (`vllm/...`, `openai/...`, a local server).

- `userlm`: the UserLM-8b protocol (intent as system message, conversation as-is,
  UserLM's template opening a user turn, model-card sampling).
- `prompted`: an assistant LM told to act as a terse human user (the paper's
  GPT-4o baselines); the conversation is role-flipped so the simulator answers as
  the assistant of its own chat.
- `scripted`: the UserLM protocol against the offline `scripted/user` model
  (tests and demos with no model at all).
"""

from __future__ import annotations

import re
from typing import Protocol

from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageUser,
    GenerateConfig,
    Model,
    ModelOutput,
    get_model,
    model_roles,
)

from benchmark.constants import (
    DEFAULT_USER_MODEL,
    END_TOKEN,
    USER_ROLE,
    USER_TURN_MAX_TOKENS,
    USERLM_STOP_SEQUENCES,
    USERLM_TEMPERATURE,
    USERLM_TOP_P,
    Simulator,
)
from benchmark.conversation.guardrails import Guardrails
from benchmark.conversation.model_calls import ModelCallError, naming_the_server
from benchmark.inspect_compat import eval_attempt_timeout
from benchmark.intents.record import Intent

SCRIPTED_USER_MODEL = "scripted/user"

_MARKUP = re.compile(r"\[/?bold\]")  # rich markup in Inspect's dependency errors

# What vLLM needs so the server renders UserLM's template with its generation prompt
# (an open *user* header) instead of continuing the assistant's last message, which
# Inspect's vllm provider asks for by default when the messages end with an assistant.
USERLM_EXTRA_BODY = {"add_generation_prompt": True, "continue_final_message": False}

PROMPTED_SYSTEM_TEMPLATE = """\
You are playing a human user who is chatting with an AI assistant. Stay in that part \
for the whole conversation and never act as the assistant.

What you want, in your own head (the assistant cannot see this):
{intent}

How you write:
- Like a real person typing into a chat box: short, casual, a little lazy. No greetings, \
no thanks in advance, no lists.
- Open with the main request only. Give the other details one or two at a time, when \
the assistant asks or when its answer shows it is missing them.
- Never solve the task yourself and never explain how to solve it.
- Keep every message under 25 words.
- When the assistant has given you what you wanted, or you want to stop, reply with \
only {end_token}

Write only your next message."""

PROMPTED_FIRST_TURN_CUE = "(The chat is open. Write your first message to the assistant.)"


class UserSimulatorError(RuntimeError):
    """The user simulator could not be started or called; the message says how to fix it."""


class UserSimulator(Protocol):
    """Writes one raw draft of the next user turn."""

    name: Simulator
    guardrails: Guardrails

    async def draft(self, intent: Intent, conversation: list[ChatMessage]) -> ModelOutput: ...


def _role_is_bound() -> bool:
    return model_roles().get(USER_ROLE) is not None


def _with_defaults(model: Model, **defaults: object) -> GenerateConfig:
    """A call config that sets `defaults` only where the role's own config is silent."""
    own = model.config
    return GenerateConfig(**{key: value for key, value in defaults.items() if getattr(own, key) is None})


class _RoleModelSimulator:
    """Shared plumbing: resolve the `user` role once, call it with clear errors."""

    name: Simulator
    default_model: str | None

    def __init__(self, guardrails: Guardrails) -> None:
        self.guardrails = guardrails
        self._model: Model | None = None
        self._using_default = False

    def model(self) -> Model:
        if self._model is None:
            self._using_default = not _role_is_bound()
            if self._using_default and self.default_model is None:
                raise UserSimulatorError(
                    f"simulator={self.name} needs a user model: pass --model-role {USER_ROLE}=PROVIDER/MODEL "
                    f"(for example --model-role {USER_ROLE}=openai/gpt-4o)."
                )
            try:
                self._model = get_model(role=USER_ROLE, default=self.default_model)
            except Exception as err:
                raise self._start_error(err) from err
        return self._model

    def _start_error(self, err: BaseException) -> UserSimulatorError:
        where = f"the default user model '{self.default_model}'" if self._using_default else "the user model"
        reason = _MARKUP.sub("", str(err)).strip()
        return UserSimulatorError(
            f"simulator={self.name}: {where} could not start: {reason}. "
            f"Bind a simulator that can run here with --model-role {USER_ROLE}=PROVIDER/MODEL, "
            f"e.g. --model-role {USER_ROLE}=vllm/microsoft/UserLM-8b on a GPU machine, or "
            f"--model-role '{USER_ROLE}={{model: openai-api/local/NAME, model_args: {{base_url: URL}}}}' "
            "for a running OpenAI-compatible server."
        )

    async def _generate(self, messages: list[ChatMessage], config: GenerateConfig) -> ModelOutput:
        model = self.model()
        if model.config.attempt_timeout is None:
            config = config.merge(GenerateConfig(attempt_timeout=eval_attempt_timeout()))
        try:
            with naming_the_server(USER_ROLE, model):
                return await model.generate(messages, config=config)
        except ModelCallError as err:
            if self._using_default and err.__cause__ is not None:
                raise self._start_error(err.__cause__) from err.__cause__
            raise


class UserLMSimulator(_RoleModelSimulator):
    """UserLM-8b: intent as system message, conversation as-is, a user turn opened."""

    name: Simulator = "userlm"
    default_model: str | None = DEFAULT_USER_MODEL

    def messages(self, intent: Intent, conversation: list[ChatMessage]) -> list[ChatMessage]:
        """The exact message list the simulator model receives (no role flipping)."""
        return [ChatMessageSystem(content=intent.intent), *conversation]

    def config(self) -> GenerateConfig:
        model = self.model()
        config = _with_defaults(
            model, temperature=USERLM_TEMPERATURE, top_p=USERLM_TOP_P, max_tokens=USER_TURN_MAX_TOKENS
        )
        config.stop_seqs = sorted(set(model.config.stop_seqs or []) | set(USERLM_STOP_SEQUENCES))
        config.extra_body = {**USERLM_EXTRA_BODY, **(model.config.extra_body or {})}
        return config

    async def draft(self, intent: Intent, conversation: list[ChatMessage]) -> ModelOutput:
        return await self._generate(self.messages(intent, conversation), self.config())


class ScriptedSimulator(UserLMSimulator):
    """The UserLM protocol against the offline `scripted/user` model."""

    name: Simulator = "scripted"
    default_model: str | None = SCRIPTED_USER_MODEL


class PromptedSimulator(_RoleModelSimulator):
    """An assistant LM prompted to play the user; the conversation is role-flipped."""

    name: Simulator = "prompted"
    default_model: str | None = None

    def messages(self, intent: Intent, conversation: list[ChatMessage]) -> list[ChatMessage]:
        system = PROMPTED_SYSTEM_TEMPLATE.format(intent=intent.intent, end_token=END_TOKEN)
        flipped: list[ChatMessage] = [
            ChatMessageAssistant(content=message.text)
            if message.role == "user"
            else ChatMessageUser(content=message.text)
            for message in conversation
        ]
        # Open with a cue so every provider sees a user message first.
        return [ChatMessageSystem(content=system), ChatMessageUser(content=PROMPTED_FIRST_TURN_CUE), *flipped]

    async def draft(self, intent: Intent, conversation: list[ChatMessage]) -> ModelOutput:
        config = _with_defaults(self.model(), max_tokens=USER_TURN_MAX_TOKENS)
        return await self._generate(self.messages(intent, conversation), config)


_SIMULATORS: dict[str, type[UserLMSimulator] | type[PromptedSimulator]] = {
    "userlm": UserLMSimulator,
    "prompted": PromptedSimulator,
    "scripted": ScriptedSimulator,
}


def make_simulator(name: str, guardrails: Guardrails) -> UserSimulator:
    """The simulator called `name` (one of SIMULATORS) with the given guardrails."""
    if name not in _SIMULATORS:
        raise ValueError(f"unknown simulator '{name}': use -T simulator=" + "|".join(_SIMULATORS))
    return _SIMULATORS[name](guardrails)
