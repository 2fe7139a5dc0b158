"""`userlm-bench check-user`: does this server hand UserLM the prompt it was trained on?

A UserLM server set up wrongly does not fail: it answers, UserLM writes the assistant's side, and every
score of the run is wrong. This probes the server once, with a fixed conversation and the request the
simulator itself would send (the same role string as `--model-role user=...`, the same prompt path and
sampling), and reports each check as pass, fail (with its fix), warn or skip:

1. the prompt the model sees ends by opening a *user* turn: read through vLLM's `/tokenize` where the
   server has it (the chat template the server renders, or how it tokenizes the prompt rendered here),
   otherwise judged from what the model writes;
2. the end token is one token and survives detokenisation (the model is made to write it);
3. generation stops at the turn boundary (the model is made to write `<|eot_id|>`);
4. the sampling settings the simulator will use.

Checks 2 and 3 need the token ids, so they need `/tokenize` too; elsewhere they are skipped, with the reason.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Literal

from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageUser,
    GenerateConfig,
    Model,
    ModelOutput,
)

from benchmark.constants import END_TOKEN, USER_ROLE, USERLM_EOT_ID
from benchmark.conversation.guardrails import Guardrails
from benchmark.conversation.simulators import UserLMSimulator
from benchmark.conversation.userlm import (
    PromptPath,
    chat_template_path,
    parse_user_turn,
    prompt_path,
    render_userlm_prompt,
)
from benchmark.errors import UserError
from benchmark.inspect_compat import model_for_role, resolve_deferred_vllm_server
from benchmark.intents import curated_intents

Status = Literal["pass", "fail", "warn", "skip"]

USER_HEADER = "<|start_header_id|>user<|end_header_id|>"
TURN_MARKERS = ("<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>")
"""Llama-3's turn markers: one special token each in UserLM's tokenizer."""
PROBE_TURNS: tuple[ChatMessage, ...] = (
    ChatMessageUser(content="hey can u help me with a math thing"),
    ChatMessageAssistant(content="Of course! What is the problem you are working on?"),
)
"""The fixed conversation the server is probed with (after the intent as system message)."""
JUDGED_DRAFTS = 4
"""Drafts written when the prompt cannot be read through /tokenize and must be judged from the output."""
FORCING_BIAS = 100.0
"""Logit bias that makes the model write one given token next."""
PROBE_RETRIES = GenerateConfig(max_retries=2, timeout=120)
"""A dead server fails the check in minutes instead of being retried for as long as an eval would."""

_PATHS: dict[PromptPath, str] = {
    "vllm_chat": "vLLM's chat API, with the fields that open UserLM's user turn",
    "completions": "a completions endpoint, the prompt rendered here from the shipped template",
    "server_template": "a chat API that renders its server's own chat template",
    "offline": "a scripted model (no server)",
}


@dataclass(frozen=True)
class Check:
    """One check's outcome; `fix` says what to change when it failed."""

    name: str
    status: Status
    detail: str
    fix: str = ""


@dataclass
class CheckReport:
    """Every check of one user model's server."""

    model: str
    base_url: str
    path: PromptPath
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(check.status == "fail" for check in self.checks)

    def lines(self) -> list[str]:
        """The report as the command prints it."""
        where = f" at {self.base_url}" if self.base_url else ""
        lines = [f"user model {self.model}{where}", f"  prompt path: {_PATHS[self.path]}"]
        for check in self.checks:
            lines.append(f"  {check.status.upper():<5} {check.name}: {check.detail}")
            if check.fix:
                lines.append(f"        fix: {check.fix}")
        failed = sum(check.status == "fail" for check in self.checks)
        lines.append(f"{failed} check{'s' * (failed != 1)} failed" if failed else "all checks passed")
        return lines


class _Server:
    """The vLLM-style extras of an OpenAI-compatible server: /tokenize and /detokenize at its root."""

    def __init__(self, base_url: str, api_key: str | None, model_name: str) -> None:
        self.root = base_url.rstrip("/").removesuffix("/v1")
        self.api_key = api_key
        self.model_name = model_name

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """The JSON answer, or None when the server has no such endpoint."""
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(
            self.root + path, json.dumps({"model": self.model_name, **body}).encode(), headers
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return dict(json.loads(response.read()))
        except urllib.error.HTTPError as err:
            if err.code in (404, 405):
                return None
            answer = err.read().decode(errors="replace")[:300]
            raise UserError(f"{self.root}{path} answered {err.code}: {answer}") from None
        except (urllib.error.URLError, OSError) as err:
            raise UserError(f"cannot reach {self.root}{path} ({err}); is the server up at that address?") from None

    def token_ids(self, text: str) -> list[int] | None:
        answer = self.post("/tokenize", {"prompt": text, "add_special_tokens": False})
        return None if answer is None else list(answer["tokens"])

    def text(self, tokens: list[int]) -> str:
        answer = self.post("/detokenize", {"tokens": tokens})
        return "" if answer is None else str(answer["prompt"])


def _messages_as_dicts(messages: list[ChatMessage]) -> list[dict[str, str]]:
    return [{"role": message.role, "content": message.text} for message in messages]


def _fixes(model: str) -> str:
    name = model.split("/", 1)[1] if "/" in model else model
    return (
        f"start vLLM with `--chat-template {chat_template_path()}` (UserLM's template, shipped with userlm-bench), "
        f"or send the prompt rendered here: --model-role user=vllm-completions/{name} "
        f"(or openai-api-completions/... for another server)"
    )


def _prompt_check(server: _Server, simulator: UserLMSimulator, path: PromptPath, model: str) -> Check | None:
    """Check 1 through /tokenize; None when the server has no /tokenize."""
    name = "the prompt opens a user turn"
    intent = curated_intents("gsm8k")[0]
    messages = _messages_as_dicts(simulator.messages(intent, list(PROBE_TURNS)))
    expected = render_userlm_prompt(messages)
    if path == "completions":
        tokens = server.token_ids(expected)
        if tokens is None:
            return None
        split = [marker for marker in TURN_MARKERS if len(server.token_ids(marker) or []) != 1]
        if split:
            return Check(
                name,
                "fail",
                f"the server's tokenizer splits {', '.join(split)} into pieces: it is not UserLM's (Llama-3) "
                "tokenizer, so these are not UserLM's weights",
                "serve microsoft/UserLM-8b (or a fine-tune of it) at this address",
            )
        header = server.token_ids(USER_HEADER) or []
        ends = tokens[-len(header) :] == header
        seen = server.text(tokens)
        detail = f"the prompt rendered here ends with {USER_HEADER}, its markers one token each" if ends else seen[-80:]
        return Check(name, "pass" if ends and seen == expected else "fail", detail, "" if ends else _fixes(model))
    fields = simulator.config().extra_body or {}
    flags = {key: fields[key] for key in ("add_generation_prompt", "continue_final_message") if key in fields}
    answer = server.post("/tokenize", {"messages": messages, **flags})
    if answer is None:
        return None
    seen = server.text(list(answer["tokens"]))
    if seen.endswith(USER_HEADER):
        same = "identical to the shipped template" if seen == expected else "not byte-identical to the shipped template"
        return Check(name, "pass", f"the server renders a prompt ending with {USER_HEADER} ({same})")
    tail = seen[-60:].replace("\n", "\\n")
    return Check(
        name,
        "fail",
        f"the server's chat template ends the prompt with ...{tail!r}, not with a user header: UserLM would write "
        "the assistant's side",
        _fixes(model),
    )


async def _judged_prompt_check(simulator: UserLMSimulator, model: str) -> Check:
    """Check 1 without /tokenize: from what the model writes after an assistant's question."""
    intent = curated_intents("gsm8k")[0]
    request, config = simulator.request(intent, list(PROBE_TURNS)), simulator.config().merge(PROBE_RETRIES)
    drafts = [await simulator.model().generate(request, config=config) for _ in range(JUDGED_DRAFTS)]
    other_side = sum(parse_user_turn(draft.completion).other_side for draft in drafts)
    name = "the prompt opens a user turn (judged from the output: the server has no /tokenize)"
    if other_side * 2 >= len(drafts):
        return Check(name, "fail", f"{other_side} of {len(drafts)} drafts open the assistant's turn", _fixes(model))
    return Check(name, "warn" if other_side else "pass", f"{other_side} of {len(drafts)} drafts open the other side")


async def _forced(simulator: UserLMSimulator, token: int, max_tokens: int) -> ModelOutput:
    """What the server returns when the model is made to write `token` (again and again, up to `max_tokens`)."""
    intent = curated_intents("gsm8k")[0]
    model = simulator.model()
    config = simulator.config().merge(PROBE_RETRIES).merge(GenerateConfig(max_tokens=max_tokens))
    if prompt_path(str(model)) == "completions":  # Inspect's completions request has no logit_bias field
        config.extra_body = {**(config.extra_body or {}), "logit_bias": {str(token): FORCING_BIAS}}
    else:
        config = config.merge(GenerateConfig(logit_bias={token: FORCING_BIAS}))
    return await model.generate(simulator.request(intent, list(PROBE_TURNS)), config=config)


async def _end_token_check(server: _Server, simulator: UserLMSimulator) -> Check:
    name = "the end token is one token and reaches the client"
    ids = server.token_ids(END_TOKEN)
    if ids is None:
        return Check(name, "skip", "the server has no /tokenize, so the end token's id is unknown here")
    if len(ids) != 1:
        return Check(
            name,
            "fail",
            f"{END_TOKEN} is {len(ids)} tokens: the model cannot write it, so the user never leaves",
            "serve UserLM-8b's own tokenizer (it adds <|endconversation|> as one token, id 128256)",
        )
    written = (await _forced(simulator, ids[0], max_tokens=1)).completion
    if END_TOKEN not in written:
        return Check(
            name,
            "fail",
            f"the model wrote token {ids[0]} and the client received {written!r}",
            "the server must not strip the end token: it is an added, non-special token; keep it out of "
            "any special-token list",
        )
    return Check(name, "pass", f"token {ids[0]}, received as {END_TOKEN!r}")


async def _stop_check(server: _Server, simulator: UserLMSimulator) -> Check:
    name = "generation stops at the turn boundary"
    ids = server.token_ids("<|eot_id|>")
    if ids is None:
        return Check(name, "skip", "the server has no /tokenize, so <|eot_id|>'s id is unknown here")
    if len(ids) != 1:
        return Check(name, "fail", f"<|eot_id|> is {len(ids)} tokens: not UserLM's tokenizer (id {USERLM_EOT_ID})")
    output = await _forced(simulator, ids[0], max_tokens=8)
    written = output.completion
    if output.stop_reason == "max_tokens" or written.removesuffix("<|eot_id|>").strip():
        return Check(
            name,
            "fail",
            f"after <|eot_id|> the server went on: {written[:80]!r}",
            "send stop strings (the simulator does: check that the server honours `stop`), and serve the model "
            "with a generation config whose EOS includes 128009 (<|eot_id|>)",
        )
    return Check(name, "pass", "the model wrote <|eot_id|> and the server stopped there")


def _sampling_check(simulator: UserLMSimulator) -> Check:
    config = simulator.config()
    detail = (
        f"temperature {config.temperature}, top_p {config.top_p}, max_tokens {config.max_tokens}, "
        f"stop {list(config.stop_seqs or [])}, request fields {config.extra_body or {}}"
    )
    if config.temperature == 0:
        return Check(
            "the sampling settings the simulator will use",
            "warn",
            detail + ": temperature 0 makes every simulation of an intent the same",
        )
    return Check("the sampling settings the simulator will use", "pass", detail)


async def check_user_server(model: Model) -> CheckReport:
    """Run every check against the server of user model `model`."""
    name = str(model)
    path = prompt_path(name)
    if path == "offline":
        raise UserError(f"{name} has no server to check; check-user takes the role string of a served UserLM")
    if path in ("vllm_chat", "completions") and not resolve_deferred_vllm_server(model) and not model.api.base_url:
        raise UserError(
            f"{name} has no server address: check-user checks a running server, so pass its base_url, e.g. "
            f"'{{model: {name}, model_args: {{base_url: http://HOST:8000/v1}}}}'"
        )
    simulator = UserLMSimulator(Guardrails.none())
    simulator._model = model
    base_url = str(model.api.base_url or "")
    report = CheckReport(name, base_url, path)
    served_name = model.api.service_model_name() if hasattr(model.api, "service_model_name") else model.api.model_name
    server = _Server(base_url, model.api.api_key, served_name)
    prompt = _prompt_check(server, simulator, path, name)
    report.checks.append(prompt if prompt is not None else await _judged_prompt_check(simulator, name))
    report.checks.append(await _end_token_check(server, simulator))
    report.checks.append(await _stop_check(server, simulator))
    report.checks.append(_sampling_check(simulator))
    return report


def check_user(spec: str) -> CheckReport:
    """Check the server of the user model `spec`, the value of `--model-role user=SPEC`."""
    try:
        model = model_for_role(USER_ROLE, spec)
    except Exception as err:  # Inspect's own parsing or provider errors: a bad role string
        raise UserError(f"cannot make a model of '{spec}': {err}") from None
    return asyncio.run(check_user_server(model))
