"""The compose file for `-T sandbox=docker`: no network, the run's memory and process budget for the container
as a whole, a read-only root and a size-capped tmpfs for scratch; run for real where a Docker daemon is."""

from __future__ import annotations

import json
import secrets
import shutil
import socket
import subprocess
from collections.abc import Callable, Iterator

import pytest
import yaml

from benchmark.execution import ExecutionLimits
from benchmark.execution.driver import DRIVER
from benchmark.execution.inspect_sandbox import COMPOSE_FILE, _status, task_sandbox
from benchmark.execution.verdict import classify

TEST = "def check(candidate):\n    assert candidate(2, 3) == 5\n"
GOOD = "def add(a, b):\n    return a + b\n"
BAD = "def add(a, b):\n    return a - b\n"
LIMITS = ExecutionLimits()


def service() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())["services"]["default"]


def test_the_task_runs_docker_with_the_shipped_compose_file():
    assert COMPOSE_FILE.is_file()
    assert task_sandbox("docker") == ("docker", str(COMPOSE_FILE))
    assert task_sandbox("local") == "local" and task_sandbox(None) is None


def test_the_container_has_no_network_and_the_run_budget():
    default = service()
    assert default["network_mode"] == "none"
    assert default["mem_limit"] == default["memswap_limit"] == "1g"  # memory + swap = memory: no swap
    assert LIMITS.memory_bytes == 2**30
    assert default["pids_limit"] == LIMITS.max_processes
    assert float(default["cpus"]) == LIMITS.cpus
    assert default["read_only"] is True
    assert [entry.split(":")[0] for entry in default["tmpfs"]] == [default["working_dir"]] == ["/tmp"]
    assert "size=" in default["tmpfs"][0]
    assert default["cap_drop"] == ["ALL"] and default["user"] != "0"
    assert default["ulimits"]["fsize"] == LIMITS.file_size_bytes


def docker_unavailable() -> str | None:
    """Why the compose file cannot be run here, or None."""
    if shutil.which("docker") is None:
        return "no docker client"
    info = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=60)
    if info.returncode != 0:
        return "no Docker daemon: " + (info.stderr.strip().splitlines() or ["docker info failed"])[-1]
    if subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=60).returncode != 0:
        return "no docker compose plugin"
    return None


@pytest.fixture(scope="module")
def container() -> Iterator[Callable[..., subprocess.CompletedProcess]]:
    """A container of the compose file, as Inspect starts one per sample; yields `exec` into it."""
    reason = docker_unavailable()
    if reason:
        pytest.skip(reason)
    compose = ["docker", "compose", "-f", str(COMPOSE_FILE), "-p", f"userlm-test-{secrets.token_hex(4)}"]
    checked = subprocess.run([*compose, "config", "--quiet"], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr
    up = subprocess.run([*compose, "up", "-d", "--wait"], capture_output=True, text=True, timeout=600)
    if up.returncode != 0:
        subprocess.run([*compose, "down"], capture_output=True, timeout=120)
        image = service()["image"]
        if subprocess.run(["docker", "image", "inspect", image], capture_output=True, timeout=60).returncode:
            pytest.skip(f"the image {image} is not here and cannot be pulled: {up.stderr.strip()[-300:]}")
        pytest.fail(up.stderr)

    def exec_(*command: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run(
            [*compose, "exec", "-T", "default", *command], input=stdin, capture_output=True, text=True, timeout=120
        )

    try:
        yield exec_
    finally:
        subprocess.run([*compose, "down", "--timeout", "1"], capture_output=True, timeout=120)


def grade(exec_: Callable[..., subprocess.CompletedProcess], program: str) -> str:
    nonce = secrets.token_hex(16)
    payload = {"program": program, "test": TEST, "entry_point": "add", "nonce": nonce}
    done = exec_("python3", "-I", "-c", DRIVER, stdin=json.dumps(payload))
    return classify(_status(done.returncode), done.stdout.encode(), done.stderr.encode(), nonce, LIMITS)[0]


def test_the_driver_grades_in_the_container(container):
    assert grade(container, GOOD) == "passed"
    assert grade(container, BAD) == "failed"


def test_the_container_reaches_nothing_and_writes_only_its_tmpfs(container):
    with socket.create_server(("127.0.0.1", 0)) as server:  # the host's loopback: not the container's
        reach = GOOD + f"import socket\nsocket.create_connection(('127.0.0.1', {server.getsockname()[1]}), 2)\n"
        assert grade(container, reach) == "failed"
        server.setblocking(False)
        with pytest.raises(BlockingIOError):
            server.accept()[0].close()
    assert grade(container, GOOD + "open('/written', 'w')\n") == "failed"
    assert grade(container, GOOD + "open('/tmp/scratch', 'w').write('x')\n") == "passed"


def test_the_container_runs_with_the_limits(container):
    name = container("cat", "/etc/hostname").stdout.strip()
    inspected = subprocess.run(["docker", "inspect", name], capture_output=True, text=True, timeout=60)
    host = json.loads(inspected.stdout)[0]["HostConfig"]
    assert (host["NetworkMode"], host["ReadonlyRootfs"]) == ("none", True)
    assert host["Memory"] == host["MemorySwap"] == LIMITS.memory_bytes
    assert host["PidsLimit"] == LIMITS.max_processes
