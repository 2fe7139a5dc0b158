"""The two ways UserLM's prompt reaches a real vLLM server, and `userlm-bench check-user` against a server
set up right and one set up wrong."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest
from inspect_ai import eval
from inspect_ai.log import resolve_sample_attachments
from inspect_ai.model import ChatMessageAssistant, ChatMessageUser, GenerateConfig, get_model

from benchmark.constants import STOP_REASONS
from benchmark.conversation.guardrails import Guardrails
from benchmark.conversation.simulators import UserLMSimulator
from benchmark.conversation.userlm import render_userlm_prompt
from benchmark.intents import curated_intents
from benchmark.serving.demo import USERLM_NAME
from tasks.gsm8k_multiturn import gsm8k_multiturn
from tests.conftest import ROOT
from tests.integration.conftest import CHATML_USER_NAME
from tests.integration.test_vllm_userlm import ASSISTANT_CONFIG

CONVERSATION = [
    ChatMessageUser(content="how much does she make a day"),
    ChatMessageAssistant(content="What does she sell, and for how much?"),
    ChatMessageUser(content="eggs, $2 each, 9 a day"),
    ChatMessageAssistant(content="Then she makes $18 a day."),
]


def server_prompt(model_name: str, base_url: str) -> tuple[list[str], int]:
    """The prompt tokens the server itself processed for the simulator's request (its prompt log-probs)."""
    simulator = UserLMSimulator(Guardrails())
    simulator._model = get_model(model_name, base_url=base_url, memoize=False)
    intent = curated_intents("gsm8k")[0]
    config = simulator.config().merge(GenerateConfig(prompt_logprobs=1, max_tokens=1))
    output = asyncio.run(simulator._model.generate(simulator.request(intent, CONVERSATION), config=config))
    logprobs = output.choices[0].prompt_logprobs
    assert logprobs is not None and output.usage is not None
    return [logprob.token for logprob in logprobs.content], output.usage.input_tokens


def test_chat_and_completions_paths_give_the_server_the_same_tokens(servers):
    _, user = servers
    chat, chat_count = server_prompt(f"vllm/{USERLM_NAME}", user.base_url)
    raw, raw_count = server_prompt(f"vllm-completions/{USERLM_NAME}", user.base_url)
    assert chat == raw and chat_count == raw_count
    intent = curated_intents("gsm8k")[0]
    messages = [
        {"role": "system", "content": intent.intent},
        *({"role": m.role, "content": m.text} for m in CONVERSATION),
    ]
    # The first prompt token has no log-prob; what follows it is the rest of the shipped template's prompt,
    # so neither path put a BOS (or anything else) before it.
    assert "".join(chat) == render_userlm_prompt(messages).removeprefix("<|start_header_id|>")
    assert chat[-3:] == ["<|start_header_id|>", "user", "<|end_header_id|>"]


@pytest.mark.parametrize("provider", ["vllm-completions", "openai-api-completions"])
def test_a_whole_conversation_through_a_completions_provider(servers, tmp_path, provider, monkeypatch):
    assistant, user = servers
    name = USERLM_NAME if provider == "vllm-completions" else f"local/{USERLM_NAME}"
    monkeypatch.setenv("LOCAL_API_KEY", "not-a-key")  # openai-api-completions/local/... reads LOCAL_API_KEY
    user_model = get_model(f"{provider}/{name}", base_url=user.base_url, memoize=False)
    (log,) = eval(
        gsm8k_multiturn(simulator="userlm", max_turns=2, max_resamples=30),
        model=get_model("vllm/smollm2", base_url=assistant.base_url),
        model_roles={"user": user_model},
        limit=1,
        log_dir=str(tmp_path),
        display="none",
        log_model_api=True,  # every request is logged, not only the first five
        **ASSISTANT_CONFIG.model_dump(exclude_none=True),
    )
    assert log.status == "success", log.error
    sample = resolve_sample_attachments(log.samples[0], "full")  # long prompts are stored as attachments
    record = sample.metadata["conversation"]
    assert record["stop_reason"] in STOP_REASONS and record["user_model"] == f"{provider}/{name}"
    requests = [e.call.request for e in sample.events if e.event == "model" and e.role == "user"]
    assert len(requests) == record["drafts"] >= 1
    for request in requests:
        assert request["prompt"].startswith("<|start_header_id|>system<|end_header_id|>\n")
        assert request["prompt"].endswith("<|start_header_id|>user<|end_header_id|>")
        assert request["extra_body"]["add_special_tokens"] is False
        assert "<|eot_id|>" in request["stop"]


def check_user(spec: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "benchmark.cli", "check-user", spec]
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("provider", ["vllm", "vllm-completions"])
def test_check_user_passes_on_the_userlm_shaped_server(servers, provider):
    _, user = servers
    done = check_user(f"{{model: {provider}/{USERLM_NAME}, model_args: {{base_url: {user.base_url}}}}}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("PASS") == 4 and done.stdout.strip().endswith("all checks passed")


def test_check_user_fails_on_a_chatml_templated_server_and_names_the_fixes(chatml_user_server):
    base_url = chatml_user_server.base_url
    done = check_user(f"{{model: vllm/{CHATML_USER_NAME}, model_args: {{base_url: {base_url}}}}}")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAIL  the prompt opens a user turn" in done.stdout and "<|im_start|>assistant" in done.stdout
    assert "--chat-template" in done.stdout and f"vllm-completions/{CHATML_USER_NAME}" in done.stdout
    # The fix it names works: the completions path renders the prompt here, whatever the server's template.
    fixed = check_user(f"{{model: vllm-completions/{CHATML_USER_NAME}, model_args: {{base_url: {base_url}}}}}")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
