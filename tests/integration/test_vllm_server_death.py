"""The UserLM server (a real vLLM) is killed mid-run: finished samples stay, the failure names the
server, and after a restart `inspect eval-retry` completes the rest: none lost, none run twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request

from inspect_ai import eval
from inspect_ai.log import read_eval_log

from benchmark.serving.demo import model_args
from tasks.gsm8k_multiturn import gsm8k_multiturn
from tests.conftest import ROOT
from tests.integration.test_vllm_userlm import ASSISTANT_CONFIG

SAMPLES = 3


def finished_requests(server) -> int:
    """Requests the vLLM server has finished, from its Prometheus metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/metrics", timeout=10) as response:
        lines = response.read().decode().splitlines()
    return int(sum(float(line.split()[-1]) for line in lines if line.startswith("vllm:request_success_total{")))


def test_killed_user_server_then_eval_retry(servers, tmp_path):
    assistant, user = servers
    # One user turn per conversation and no end token, so each conversation makes exactly one
    # assistant call; one conversation at a time, so the first assistant answer ends sample 1.
    # Enough resamples that the stand-in (often blank on an opening turn) never fails to open: the count of
    # assistant answers below must not depend on what it samples.
    task = gsm8k_multiturn(
        simulator="userlm",
        max_turns=1,
        allow_end=False,
        ban_openers=False,
        word_bounds=False,
        ban_repeats=False,
        max_resamples=40,
    )
    answered_before = finished_requests(assistant)

    def kill_user_server_after_first_answer() -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and finished_requests(assistant) < answered_before + 1:
            time.sleep(0.05)
        os.killpg(user.process.pid, signal.SIGKILL)  # vLLM and its engine process, with no warning

    killer = threading.Thread(target=kill_user_server_after_first_answer, daemon=True)
    killer.start()
    (log,) = eval(
        task,
        limit=SAMPLES,
        max_samples=1,
        max_retries=1,
        log_dir=str(tmp_path),
        display="none",
        **ASSISTANT_CONFIG.model_dump(exclude_none=True),
        **model_args(assistant, user, "userlm"),
    )
    killer.join(60)
    user.process.wait(30)

    assert log.status == "error"
    assert f"user model vllm/microsoft/UserLM-8b at {user.base_url} failed" in log.error.message
    finished = [sample for sample in log.samples if sample.error is None and sample.scores]
    assert len(finished) >= 1
    answered_first_run = finished_requests(assistant) - answered_before

    user.start()  # the same server on the same port, as an operator would restart it
    argv = [sys.executable, "-m", "inspect_ai", "eval-retry", log.location, "--log-dir", str(tmp_path)]
    done = subprocess.run(argv + ["--display", "none"], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]

    (retried,) = [path for path in tmp_path.glob("*.eval") if str(path) != log.location]
    final = read_eval_log(str(retried))
    assert final.status == "success", (final.error, [s.error for s in final.samples if s.error])
    ids = [(sample.id, sample.epoch) for sample in final.samples]
    assert len(ids) == SAMPLES and len(set(ids)) == SAMPLES
    assert all(sample.error is None and sample.scores for sample in final.samples)
    # Only the unfinished conversations were run again: one assistant answer each.
    answered_retry = finished_requests(assistant) - answered_before - answered_first_run
    assert answered_retry == SAMPLES - len(finished)
