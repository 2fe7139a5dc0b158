"""user_perplexity from a real vLLM server's prompt log-probabilities equals a direct computation with
transformers on the same weights (both in float32), and the fidelity task runs on the local servers."""

from __future__ import annotations

import asyncio
import math

import torch
from inspect_ai import eval
from inspect_ai.model import get_model
from transformers import AutoModelForCausalLM, AutoTokenizer

from benchmark.fidelity.conversations import read_conversations, write_conversations
from benchmark.fidelity.perplexity import conversation_perplexity, scored_turns
from benchmark.serving.demo import USERLM_NAME
from benchmark.serving.local_models import ensure_local_model
from tasks.simulator_fidelity import simulator_fidelity
from tests.conftest import ROOT
from tests.integration.conftest import CHATML_USER_NAME

CONVERSATIONS = ROOT / "tests" / "fidelity" / "data" / "human_conversations.jsonl"
TOLERANCE = 0.02


def transformers_perplexity(conversation, with_intent: bool) -> tuple[float, int]:
    """exp(mean NLL) of the same tokens (each turn's text and <|eot_id|>), computed by transformers."""
    path = ensure_local_model("smollm2-userlm")
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()
    nll, count = 0.0, 0
    for turn in scored_turns(conversation, with_intent):
        context = tokenizer(turn.context, add_special_tokens=False)["input_ids"]
        whole = tokenizer(turn.scored, add_special_tokens=False)["input_ids"]
        assert whole[: len(context)] == context  # the boundary does not merge tokens
        with torch.no_grad():
            logits = model(torch.tensor([whole])).logits[0]
        logprobs = torch.log_softmax(logits.float(), dim=-1)
        for position in range(len(context), len(whole)):
            nll -= float(logprobs[position - 1, whole[position]])
            count += 1
    return math.exp(nll / count), count


def test_user_perplexity_matches_transformers_in_float32(chatml_user_server):
    conversations = [c for c in read_conversations(CONVERSATIONS) if c.intent][:3]
    model = get_model(f"vllm-completions/{CHATML_USER_NAME}", base_url=chatml_user_server.base_url, memoize=False)
    for conversation in conversations:
        for with_intent in (True, False):
            served = asyncio.run(conversation_perplexity(model, conversation, with_intent))
            assert served.missing is None, served.missing
            expected, tokens = transformers_perplexity(conversation, with_intent)
            assert served.tokens == tokens
            perplexity = math.exp(served.nll / served.tokens)
            assert abs(perplexity - expected) / expected < TOLERANCE, (conversation.id, perplexity, expected)


def test_the_fidelity_task_runs_on_the_local_userlm_server(servers, tmp_path):
    _, user = servers
    with_intents = tmp_path / "conversations.jsonl"  # no writer is bound: take the conversations with intents
    write_conversations(with_intents, [c for c in read_conversations(CONVERSATIONS) if c.intent])
    (log,) = eval(
        simulator_fidelity(conversations=str(with_intents)),
        model=get_model(f"vllm/{USERLM_NAME}", base_url=user.base_url),
        limit=2,
        log_dir=str(tmp_path),
        display="none",
    )
    assert log.status == "success", log.error
    metrics = {name for score in log.results.scores for name in score.metrics}
    assert {"end_f1", "end_precision", "end_recall", "first_turn_diversity", "role_adherence"} <= metrics
