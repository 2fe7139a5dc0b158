"""Soak: 650 conversations over HTTP with injected faults finish, and every conversation not faulted is scored.

Two kinds of faults, each about 10%, from benchmark.devtools.latency_server (deterministic models):
- transient: every 10th chat completion fails (500, 429 with Retry-After, a truncated body); Inspect
  retries them and those conversations complete;
- permanent: 65 of the 650 intents mention a name the server refuses (400, not retried); those
  conversations end as sample errors that name the model and server, and nothing else is lost.
"""

from __future__ import annotations

import json

import pytest
from inspect_ai import eval
from inspect_ai.model import get_model

from benchmark.constants import LEXICAL_STATS, TASK_SCORE, TURN_STATS, USER_BEHAVIOUR, USER_ROLE
from benchmark.devtools.latency_server import Settings, running
from benchmark.intents.record import INTENT_PREFIX
from tasks.gsm8k_multiturn import gsm8k_multiturn

pytestmark = pytest.mark.integration  # real servers end to end: run by CI beside the vLLM suite

CONVERSATIONS = 650
POISONED_EVERY = 10
POISON = "Zorblax"
END_AFTER = 2
SCORERS = {TASK_SCORE, USER_BEHAVIOUR, TURN_STATS, LEXICAL_STATS}


def soak_intents(path) -> set[str]:
    """Write CONVERSATIONS distinct GSM8k-style intents to `path`; returns the ids of the poisoned ones."""
    poisoned = set()
    with open(path, "w") as out:
        for i in range(CONVERSATIONS):
            name = POISON if i % POISONED_EVERY == 3 else f"Kim{i}"
            days, per_day = 2 + i % 7, 3 + i % 11
            record = {
                "id": f"soak-{i:03d}",
                "source": "gsm8k",
                "source_id": f"test/{i}",
                "intent": f"{INTENT_PREFIX} find how many apples {name} picks. {name} picks {per_day} apples "
                f"a day for {days} days. The total is all that matters here.",
                "shards": [
                    {"id": 1, "text": f"How many apples does {name} pick?", "required": True},
                    {"id": 2, "text": f"{name} picks {per_day} apples a day.", "required": True},
                    {"id": 3, "text": f"That goes on for {days} days.", "required": True},
                ],
                "grading": {"answer": str(days * per_day)},
            }
            out.write(json.dumps(record) + "\n")
            if name == POISON:
                poisoned.add(record["id"])
    return poisoned


def test_650_conversations_with_injected_faults(tmp_path, monkeypatch):
    monkeypatch.setenv("LATENCY_API_KEY", "not-a-key")
    poisoned = soak_intents(tmp_path / "soak.jsonl")
    assert len(poisoned) == CONVERSATIONS // POISONED_EVERY
    settings = Settings(
        latency=0.0, end_after=END_AFTER, fault_every=10, faults=("500", "429", "truncate"), poison=POISON
    )
    with running(settings) as server:
        user = get_model("openai-api/latency/user", base_url=server.url, memoize=False)
        (log,) = eval(
            gsm8k_multiturn(intents=str(tmp_path / "soak.jsonl"), max_turns=END_AFTER + 2),
            model="openai-api/latency/assistant",
            model_base_url=server.url,
            model_roles={USER_ROLE: user},
            log_dir=str(tmp_path),
            display="none",
            max_connections=64,
            max_samples=64,
            fail_on_error=0.2,  # the run fails only if more than 20% of conversations do
            log_realtime=False,
            score_display=False,
        )
        health = server.health()

    assert log.status == "success"
    ids = [sample.id for sample in log.samples]
    assert len(ids) == CONVERSATIONS and len(set(ids)) == CONVERSATIONS
    errored = {sample.id for sample in log.samples if sample.error is not None}
    assert errored == poisoned
    for sample in log.samples:
        if sample.id in poisoned:
            assert f"at {server.url} failed: BadRequestError" in sample.error.message
        else:
            assert set(sample.scores) == SCORERS, sample.id
            assert sample.metadata["conversation"]["stop_reason"] == "end_token", sample.id
    assert log.results.completed_samples == CONVERSATIONS - len(poisoned)
    transient = sum(count for kind, count in health["faults"].items() if kind != "400")
    assert transient >= (CONVERSATIONS - len(poisoned)) * (2 * END_AFTER + 1) // 10  # 10% of the calls
    assert health["faults"]["400"] == len(poisoned)
