"""Servers that fail: Inspect's retries apply, a dead server loses nothing, `inspect eval-retry` resumes.

The models are benchmark.devtools.latency_server in its own process, reached over HTTP through Inspect's
`openai-api` provider, exactly as a run reaches vLLM or a hosted API.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
from inspect_ai import eval
from inspect_ai.log import read_eval_log
from inspect_ai.model import get_model

from benchmark.constants import USER_ROLE
from benchmark.devtools.latency_server import FAULT_KINDS, RunningServer, Settings, running
from tasks.gsm8k_multiturn import gsm8k_multiturn
from tests.conftest import ROOT

pytestmark = pytest.mark.integration  # real servers end to end: run by CI beside the vLLM suite

API_KEY_VAR = "LATENCY_API_KEY"
END_AFTER = 3
CALLS_PER_CONVERSATION = 2 * END_AFTER + 1
"""END_AFTER user turns, each answered, then the user's end token."""


@pytest.fixture(autouse=True)
def _api_key(monkeypatch):
    monkeypatch.setenv(API_KEY_VAR, "not-a-key")


def run_against(server: RunningServer, log_dir, limit: int, assistant: str = "assistant", **eval_args):
    """The assistant through `openai-api/`, the user through `vllm/` (how UserLM-8b is reached). Inspect's
    vllm provider keeps one address per model name for the whole process, hence a name per server."""
    user = get_model(f"vllm/{user_name(server)}", base_url=server.url, memoize=False)
    (log,) = eval(
        gsm8k_multiturn(max_turns=END_AFTER + 2),
        model=f"openai-api/latency/{assistant}",
        model_base_url=server.url,
        model_roles={USER_ROLE: user},
        limit=limit,
        log_dir=str(log_dir),
        display="none",
        **eval_args,
    )
    return log


def user_name(server: RunningServer) -> str:
    return f"latency-{server.port}/user"


def stop_reasons(log) -> Counter:
    return Counter(sample.metadata["conversation"]["stop_reason"] for sample in log.samples)


def test_every_fault_kind_is_retried(tmp_path):
    settings = Settings(latency=0.0, end_after=END_AFTER, fault_every=4, faults=FAULT_KINDS)
    with running(settings) as server:
        log = run_against(server, tmp_path, limit=4, attempt_timeout=2, max_retries=4)
        health = server.health()
    assert log.status == "success"
    assert [sample.error for sample in log.samples] == [None] * 4
    assert stop_reasons(log) == {"end_token": 4}
    assert set(health["faults"]) == set(FAULT_KINDS)  # each kind was served at least once and recovered from
    assert health["completions"] == 4 * CALLS_PER_CONVERSATION + sum(health["faults"].values())


def test_a_request_that_always_fails_names_the_user_model_and_server(tmp_path):
    with running(Settings(latency=0.0, end_after=END_AFTER, poison="Dana")) as server:
        log = run_against(server, tmp_path, limit=2, fail_on_error=False)
    dana, other = log.samples
    assert dana.id == "gsm8k-dana-run-walk" and other.error is None
    message = dana.error.message
    assert f"user model vllm/{user_name(server)} at {server.url} failed: BadRequestError" in message
    assert "injected fault" in message and "eval-retry" in message


def test_a_request_that_always_fails_names_the_assistant_model_and_server(tmp_path):
    with running(Settings(latency=0.0, end_after=END_AFTER, poison="doomed")) as server:
        log = run_against(server, tmp_path, limit=1, assistant="doomed-assistant")
    assert log.status == "error"
    message = log.samples[0].error.message
    assert f"assistant model openai-api/latency/doomed-assistant at {server.url} failed: BadRequestError" in message


def kill_after(server: RunningServer, completions: int) -> threading.Thread:
    """SIGKILL the server once it has answered `completions` chat completions."""

    def watch() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and server.health()["completions"] < completions:
            time.sleep(0.02)
        server.stop(kill=True)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def inspect_cli(*args: str, log_dir) -> subprocess.CompletedProcess[str]:
    """`inspect ARGS --log-dir LOG_DIR` as a user types it, from the repository root."""
    argv = [sys.executable, "-m", "inspect_ai", *args, "--log-dir", str(log_dir), "--display", "none"]
    env = {**os.environ, API_KEY_VAR: "not-a-key"}
    return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_server_death_keeps_finished_samples_and_eval_retry_completes(tmp_path):
    limit = 8
    settings = Settings(latency=0.05, end_after=END_AFTER)
    with running(settings) as server:
        killer = kill_after(server, 4 * CALLS_PER_CONVERSATION)
        inspect_cli(
            "eval",
            "tasks/gsm8k_multiturn.py",
            "--model",
            "openai-api/latency/assistant",
            "--model-base-url",
            server.url,
            "--model-role",
            f"user={{model: vllm/{user_name(server)}, model_args: {{base_url: {server.url}}}}}",
            "-T",
            f"max_turns={END_AFTER + 2}",
            *("--limit", str(limit), "--max-samples", "2", "--max-retries", "1"),
            log_dir=tmp_path,
        )
        killer.join(30)
    (location,) = tmp_path.glob("*.eval")
    log = read_eval_log(str(location))
    assert log.status == "error"
    assert f"at {server.url} failed" in log.error.message and "eval-retry" in log.error.message
    assert log.eval.model_roles[USER_ROLE].base_url == server.url  # what eval-retry reconnects to
    finished = [sample for sample in log.samples if sample.error is None and sample.scores]
    assert 2 <= len(finished) < limit
    errored = [sample for sample in log.samples if sample.error is not None]
    assert any(f"at {server.url} failed: APIConnectionError" in sample.error.message for sample in errored)

    # The same server comes back on the same port; the CLI resumes the log.
    with running(settings, port=server.port) as restarted:
        done = inspect_cli("eval-retry", str(location), log_dir=tmp_path)
        assert done.returncode == 0, done.stderr[-3000:]
        resumed_calls = restarted.health()["completions"]

    (retried,) = [path for path in tmp_path.glob("*.eval") if path != location]
    final = read_eval_log(str(retried))
    assert final.status == "success", final.error
    ids = [(sample.id, sample.epoch) for sample in final.samples]
    assert len(ids) == limit and len(set(ids)) == limit  # none lost, none duplicated
    assert all(sample.error is None and sample.scores for sample in final.samples)
    assert stop_reasons(final) == {"end_token": limit}
    # Finished samples were carried over, not run again: only the rest reached the restarted server.
    assert resumed_calls == (limit - len(finished)) * CALLS_PER_CONVERSATION
