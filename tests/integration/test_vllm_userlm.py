"""The path a UserLM-8b user takes, on CPU: Inspect's vllm/ provider, a real vLLM server,
UserLM's chat template, the end token."""

from __future__ import annotations

import asyncio
import json
import urllib.request

import pytest
from inspect_ai import eval
from inspect_ai.model import ChatMessageAssistant, ChatMessageUser, GenerateConfig, get_model

from benchmark.constants import END_TOKEN, STOP_REASONS
from benchmark.conversation.guardrails import Guardrails
from benchmark.conversation.simulators import UserLMSimulator
from benchmark.conversation.userlm import parse_user_turn, render_userlm_prompt
from benchmark.intents import curated_intents
from benchmark.serving.demo import ASSISTANT_NAME, USERLM_NAME, model_args
from tasks.gsm8k_multiturn import gsm8k_multiturn
from tasks.humaneval_multiturn import humaneval_multiturn

ASSISTANT_CONFIG = GenerateConfig(max_tokens=96, temperature=0.0)


def post(server, path: str, body: dict) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{server.port}{path}", json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def rendered_prompt(server, request: dict) -> str:
    """What the server renders for a chat request, via its own /tokenize and /detokenize."""
    flags = {**request, **request.get("extra_body", {})}  # the openai client merges extra_body into the JSON
    extra = {k: flags[k] for k in ("add_generation_prompt", "continue_final_message") if k in flags}
    tokens = post(server, "/tokenize", {"model": request["model"], "messages": request["messages"], **extra})
    return post(server, "/detokenize", {"model": request["model"], "tokens": tokens["tokens"]})["prompt"]


@pytest.mark.parametrize("task", [gsm8k_multiturn, humaneval_multiturn])
@pytest.mark.parametrize("simulator", ["userlm", "prompted"])
def test_conversation_through_inspect_vllm_provider(servers, tmp_path, task, simulator):
    assistant, user = servers
    (log,) = eval(
        task(simulator=simulator, max_turns=2),
        limit=1,
        log_dir=str(tmp_path),
        display="none",
        **ASSISTANT_CONFIG.model_dump(exclude_none=True),
        **model_args(assistant, user, simulator),
    )
    assert log.status == "success", log.error
    sample = log.samples[0]
    record = sample.metadata["conversation"]
    assert record["stop_reason"] in STOP_REASONS
    assert record["user_model"] == f"vllm/{USERLM_NAME if simulator == 'userlm' else ASSISTANT_NAME}"
    assert "task_score" in sample.scores
    user_calls = [e for e in sample.events if e.event == "model" and e.role == "user"]
    assert len(user_calls) == record["drafts"] >= 1


def test_two_turn_userlm_prompt_is_byte_exact_at_the_server(servers):
    """Have the server render the chat request the simulator sends after two user turns and two assistant
    replies (a fixed conversation: nothing depends on what the stand-in writes)."""
    _, user = servers
    simulator = UserLMSimulator(Guardrails())
    simulator._model = get_model(f"vllm/{USERLM_NAME}", base_url=user.base_url, memoize=False)
    intent = curated_intents("gsm8k")[0]
    conversation = [
        ChatMessageUser(content="how much does she make a day"),
        ChatMessageAssistant(content="What does she sell?"),
        ChatMessageUser(content="eggs, $2 each"),
        ChatMessageAssistant(content="How many a day?"),
    ]
    messages = [{"role": m.role, "content": m.text} for m in simulator.request(intent, conversation)]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user", "assistant"]
    request = {"model": USERLM_NAME, "messages": messages, "extra_body": simulator.config().extra_body}
    prompt = rendered_prompt(user, request)
    assert prompt == render_userlm_prompt(messages)
    assert prompt.endswith("<|start_header_id|>user<|end_header_id|>")
    assert prompt.startswith(f"<|start_header_id|>system<|end_header_id|>\n{messages[0]['content']}<|eot_id|>")


def test_end_token_from_the_model_is_detected(servers):
    _, user = servers
    end_id = post(user, "/tokenize", {"model": USERLM_NAME, "prompt": END_TOKEN, "add_special_tokens": False})
    assert len(end_id["tokens"]) == 1, "the end token must be one added token"
    config = GenerateConfig(logit_bias={end_id["tokens"][0]: 100.0})
    simulator = UserLMSimulator(Guardrails())
    simulator._model = get_model(f"vllm/{USERLM_NAME}", base_url=user.base_url, config=config)
    intent = curated_intents("gsm8k")[0]
    conversation = [ChatMessageUser(content="how far can dana go"), ChatMessageAssistant(content="18 miles.")]
    output = asyncio.run(simulator.draft(intent, conversation))
    assert END_TOKEN in output.completion  # survived detokenisation as plain text
    assert parse_user_turn(output.completion).ended
