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

import logging
import os
import re
import weakref
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
from benchmark.conversation.userlm import prompt_path, render_userlm_prompt, request_fields
from benchmark.inspect_compat import eval_attempt_timeout
from benchmark.intents.record import Intent

SCRIPTED_USER_MODEL = "scripted/user"

logger = logging.getLogger(__name__)

_MARKUP = re.compile(r"\[/?bold\]")  # rich markup in Inspect's dependency errors

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


DEFAULT_USER_NOTICE = (
    f"the `{USER_ROLE}` role is not bound, so simulator=userlm plays the user with {DEFAULT_USER_MODEL}, which "
    "Inspect serves on this machine with vLLM: that downloads UserLM-8b from the Hugging Face Hub (about 32 GB "
    "of float32 weights) and needs a GPU with about 20 GB of memory. To use a UserLM server you already run, "
    f"pass --model-role '{USER_ROLE}={{model: {DEFAULT_USER_MODEL}, model_args: {{base_url: http://HOST:8000/v1}}}}'"
)


def announce_default_user(simulator: str) -> None:
    """Say, before a run starts, that an unbound `user` role means starting UserLM-8b locally."""
    if simulator == "userlm" and not _role_is_bound() and not os.environ.get("VLLM_BASE_URL"):
        logger.warning(DEFAULT_USER_NOTICE)


def _with_defaults(model: Model, **defaults: object) -> GenerateConfig:
    """A call config that sets `defaults` only where the role's own config is silent."""
    own = model.config
    return GenerateConfig(**{key: value for key, value in defaults.items() if getattr(own, key) is None})


class _RoleModelSimulator:
    """Shared plumbing: resolve the `user` role once, call it with clear errors."""

    name: Simulator
    default_model: str | Model | None

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
    """UserLM-8b: intent as system message, conversation as-is, a user turn opened.

    The prompt reaches the server by one of two paths (benchmark.conversation.userlm.prompt_path): vLLM's
    chat API with the fields that make its template open a user turn, or a completions endpoint with the
    prompt rendered here from the shipped template. Any other chat API renders the server's own template,
    which this simulator cannot see: it warns once per user model.
    """

    name: Simulator = "userlm"
    default_model: str | Model | None = DEFAULT_USER_MODEL

    def messages(self, intent: Intent, conversation: list[ChatMessage]) -> list[ChatMessage]:
        """The conversation as UserLM receives it: the intent as system message, the turns as-is."""
        return [ChatMessageSystem(content=intent.intent), *conversation]

    def request(self, intent: Intent, conversation: list[ChatMessage]) -> list[ChatMessage]:
        """What is sent: the messages, or for a completions endpoint one user message holding the prompt."""
        messages = self.messages(intent, conversation)
        if prompt_path(str(self.model())) != "completions":
            return messages
        rendered = render_userlm_prompt([{"role": message.role, "content": message.text} for message in messages])
        return [ChatMessageUser(content=rendered)]

    def config(self) -> GenerateConfig:
        """Model-card sampling, UserLM's stop strings and the prompt path's request fields, each unless the
        role's own config sets it."""
        model = self.model()
        path = prompt_path(str(model))
        if path == "server_template":
            _warn_server_template(model)
        config = _with_defaults(
            model, temperature=USERLM_TEMPERATURE, top_p=USERLM_TOP_P, max_tokens=USER_TURN_MAX_TOKENS
        )
        config.stop_seqs = sorted(set(model.config.stop_seqs or []) | set(USERLM_STOP_SEQUENCES))
        config.extra_body = {**request_fields(path), **(model.config.extra_body or {})} or None
        return config

    async def draft(self, intent: Intent, conversation: list[ChatMessage]) -> ModelOutput:
        return await self._generate(self.request(intent, conversation), self.config())


_warned: weakref.WeakSet[Model] = weakref.WeakSet()


def _warn_server_template(model: Model) -> None:
    """Say once per user model that its server's chat template, not ours, decides what UserLM sees."""
    if model in _warned:
        return
    _warned.add(model)
    name = str(model).split("/", 1)[1] if "/" in str(model) else str(model)
    logger.warning(
        f"user model {model}: this chat API renders its server's own chat template, which decides what UserLM "
        "sees; only vLLM's chat API takes the fields that make it open a user turn. If the server does not run "
        "UserLM's template, UserLM writes the assistant's side and the scores are wrong. Check the server with "
        f"`userlm-bench check-user {model}`, or send the prompt rendered here through a completions endpoint: "
        f"--model-role user=openai-api-completions/{name} (or vllm-completions/...)."
    )


class ScriptedSimulator(UserLMSimulator):
    """The UserLM protocol against the offline `scripted/user` model."""

    name: Simulator = "scripted"
    default_model: str | Model | None = SCRIPTED_USER_MODEL


class PromptedSimulator(_RoleModelSimulator):
    """An assistant LM prompted to play the user; the conversation is role-flipped."""

    name: Simulator = "prompted"
    default_model: str | Model | None = None

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
