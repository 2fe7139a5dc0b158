"""The embedded default: the whole benchmark offline on CPU with real vLLM servers.

Starts two vLLM servers on this machine: SmolLM2-135M-Instruct as the assistant under
test, and the UserLM-shaped SmolLM2 served under the name `microsoft/UserLM-8b`, then
runs both tasks with the `userlm` and the `prompted` simulator through the same
`vllm/...` provider strings a GPU user types, only with `base_url` pointing at the
local servers. SmolLM2 is not a user model and proves only that the pipeline works:
its scores say nothing about assistants.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from benchmark.constants import STAND_INS_KEY
from benchmark.serving.vllm_server import ServerConfig, VLLMServer

USERLM_NAME = "microsoft/UserLM-8b"
ASSISTANT_NAME = "smollm2"
TASK_FILES = ("tasks/gsm8k_multiturn.py", "tasks/humaneval_multiturn.py")
SIMULATORS = ("userlm", "prompted")
STAND_INS = {
    f"vllm/{USERLM_NAME}": "stand-in: SmolLM2-135M-Instruct behind UserLM-8b's template, not UserLM-8b",
    f"vllm/{ASSISTANT_NAME}": "SmolLM2-135M-Instruct on CPU",
}
"""What the demo's model names really are; recorded in each log, so the reports label them."""


@dataclass(frozen=True)
class DemoSettings:
    log_dir: Path = Path("logs/demo")
    limit: int = 3
    epochs: int = 2
    max_turns: int = 3
    max_tokens: int = 160
    """Assistant reply budget: SmolLM2 on CPU would otherwise ramble to the context limit."""


def start_servers(log_dir: Path) -> tuple[VLLMServer, VLLMServer]:
    """The assistant and the UserLM-shaped user server, starting up side by side."""
    assistant = VLLMServer(
        ServerConfig(model="smollm2", served_name=ASSISTANT_NAME, log_file=log_dir / "vllm-assistant.log")
    )
    user = VLLMServer(ServerConfig(model="smollm2-userlm", served_name=USERLM_NAME, log_file=log_dir / "vllm-user.log"))
    servers = (assistant, user)
    try:
        for server in servers:  # one at a time: conversion is CPU-bound, and launching must
            server.launch()  # happen on this thread (the servers die with the launching thread)
        for server in servers:
            server.wait_healthy()
    except BaseException:
        for server in servers:
            server.stop()
        raise
    return assistant, user


def model_args(assistant: VLLMServer, user: VLLMServer, simulator: str) -> dict[str, object]:
    """The eval() arguments equal to `--model vllm/smollm2 -M base_url=... --model-role user=...`."""
    from inspect_ai.model import get_model

    user_server = user if simulator == "userlm" else assistant
    user_name = USERLM_NAME if simulator == "userlm" else ASSISTANT_NAME
    return {
        "model": get_model(f"vllm/{ASSISTANT_NAME}", base_url=assistant.base_url),
        # connected now, not at the first call, so the log records the role's server for `inspect eval-retry`
        "model_roles": {"user": get_model(f"vllm/{user_name}", base_url=user_server.base_url, lazy_init=False)},
    }


def run_demo(settings: DemoSettings) -> list[str]:
    """Run both tasks with both simulators; return the log file locations."""
    from inspect_ai import eval as inspect_eval

    settings.log_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    assistant, user = start_servers(settings.log_dir)
    print(f"servers up in {time.monotonic() - started:.0f} s: assistant {assistant.base_url}, user {user.base_url}")
    locations = []
    try:
        for simulator in SIMULATORS:
            logs = inspect_eval(
                list(TASK_FILES),
                task_args={"simulator": simulator, "max_turns": settings.max_turns},
                limit=settings.limit,
                epochs=settings.epochs,
                log_dir=str(settings.log_dir),
                display="plain",
                max_tasks=len(TASK_FILES),
                max_connections=8,
                max_tokens=settings.max_tokens,
                metadata={STAND_INS_KEY: STAND_INS},
                **model_args(assistant, user, simulator),
            )
            locations += [log.location for log in logs]
    finally:
        assistant.stop()
        user.stop()
    return locations


def leaderboard(locations: list[str], out: Path) -> str:
    """Write the leaderboard of the demo's logs to `out` and return it as markdown."""
    from benchmark.reports.leaderboard import build_leaderboard, render_markdown, write_leaderboard

    board = build_leaderboard(locations)
    write_leaderboard(board, out)
    return render_markdown(board)
