"""A local OpenAI-compatible chat-completions endpoint with a fixed latency and injectable faults.

    python -m benchmark.devtools.latency_server --latency 0.3 [--port 0] [--max-seconds 3600]
    python -m benchmark.devtools.latency_server --latency 0 --fault-every 10 --faults 500,429,hang,truncate

It stands in for the models in the performance benchmark (benchmark.devtools.perf) and the reliability tests:
every call waits exactly `latency` seconds, then answers with deterministic, plausible text and a `usage`
block, so what a run costs beyond `calls x latency` is the harness's own overhead.

- Model names ending in `user` (e.g. `openai-api/latency/user`) get user turns: the intent (the
  system message) said a few words at a time, each turn 3..25 words, opening with a phrase that is not
  "I", "You" or "Here", never repeating an earlier turn, so the UserLM guardrails accept every draft.
  `--end-after K` makes the user write `<|endconversation|>` once K turns are in the conversation
  (default: never).
- Any other model gets an assistant reply that adds up the numbers the user gave; a model name ending
  in `coder` also writes a Python function (which fails HumanEval's tests) when the user asks for code.

Faults, for testing what a client does when an API misbehaves:

- `--fault-every N --faults K1,K2,...`: every N-th chat completion request gets the next fault kind in
  turn instead of an answer: `500` (server error), `429` (rate limited, `Retry-After: 1`), `hang` (reads
  the request and never answers, until the client gives up), `truncate` (a 200 whose body stops
  halfway, then the connection closes). A retried request is a new request, so it usually succeeds.
- `--poison WORD`: any request whose messages contain WORD gets a `400` (not retryable), every time.

`GET /health` reports the requests served and the faults injected, by kind.

Loopback only (it refuses any other host), bounded (connections, request size, requests per
connection, lifetime), and self-stopping: it exits after `--max-seconds`, after `--idle-seconds`
without a request, or when the process given by `--parent-pid` is gone. It prints
`listening on http://127.0.0.1:PORT/v1` on stdout once ready. `running()` starts one in a subprocess.
Standard library only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal, get_args

from benchmark.constants import END_TOKEN
from benchmark.intents.record import INTENT_PREFIX

LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")

MAX_CONNECTIONS = 2048
MAX_REQUEST_BYTES = 8 * 2**20
MAX_HEADER_BYTES = 64 * 1024
MAX_REQUESTS_PER_CONNECTION = 100_000
IDLE_CONNECTION_SECONDS = 120.0

_OPENERS = (
    "Need help with this:",
    "So",
    "Also,",
    "Okay and",
    "Then",
    "One more thing:",
    "Right, and",
    "Oh and",
    "Plus",
    "Another detail:",
)
_WORDS_PER_TURN = 14
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_CODE_ASK = re.compile(r"\b(function|python|code|def|implement|program)\b", re.IGNORECASE)
_IDENTIFIER = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


FaultKind = Literal["500", "429", "hang", "truncate"]
FAULT_KINDS: tuple[FaultKind, ...] = get_args(FaultKind)
RETRY_AFTER_SECONDS = 1
MAX_HANG_SECONDS = 600.0


@dataclass(frozen=True)
class Settings:
    latency: float
    end_after: int = 0
    """Write the end token once this many user turns are in the conversation (0: never)."""
    fault_every: int = 0
    """Every this many chat completion requests, inject the next fault of `faults` (0: never)."""
    faults: tuple[FaultKind, ...] = ()
    poison: str = ""
    """Requests whose messages contain this word get a 400, every time ('': none)."""

    def __post_init__(self) -> None:
        if self.latency < 0:
            raise ValueError("latency must be >= 0")
        unknown = sorted(set(self.faults) - set(FAULT_KINDS))
        if unknown:
            raise ValueError(f"unknown fault kinds {unknown}: use any of {', '.join(FAULT_KINDS)}")
        if self.fault_every < 0 or bool(self.fault_every) != bool(self.faults):
            raise ValueError("fault_every (> 0) and faults go together")

    def argv(self) -> list[str]:
        """These settings as command-line arguments of this module."""
        argv = ["--latency", str(self.latency), "--end-after", str(self.end_after)]
        if self.faults:
            argv += ["--fault-every", str(self.fault_every), "--faults", ",".join(self.faults)]
        if self.poison:
            argv += ["--poison", self.poison]
        return argv

    def fault_for(self, request_number: int) -> FaultKind | None:
        """The fault the `request_number`-th chat completion request (from 1) gets, if any."""
        if not self.fault_every or request_number % self.fault_every:
            return None
        return self.faults[(request_number // self.fault_every - 1) % len(self.faults)]


def user_turn(intent: str, turns_so_far: int, end_after: int = 0) -> str:
    """The user's next turn: the intent's words a window at a time, behind a changing opener."""
    if end_after and turns_so_far >= end_after:
        return END_TOKEN
    words = intent.removeprefix(INTENT_PREFIX).split() or ["the", "task", "at", "hand"]
    windows = max(1, -(-len(words) // _WORDS_PER_TURN))
    start = (turns_so_far % windows) * _WORDS_PER_TURN
    chunk = words[start : start + _WORDS_PER_TURN]
    opener = _OPENERS[turns_so_far] if turns_so_far < len(_OPENERS) else f"And point {turns_so_far + 1}:"
    return "\n" + " ".join([opener, *chunk])  # UserLM completions start after the open user header


def assistant_reply(user_text: str, code: bool) -> str:
    """A short reply that states the sum of the user's numbers; with `code`, a function when asked for one."""
    numbers = [float(n) for n in _NUMBER.findall(user_text)]
    if code and _CODE_ASK.search(user_text):
        names = _IDENTIFIER.findall(user_text)
        name = names[0] if names else "solution"
        return (
            "Sure, here is a first version; tell me if it should handle other cases.\n\n"
            f"```python\ndef {name}(*args):\n    return None\n```"
        )
    if not numbers:
        return "Could you tell me a bit more about what you need, and which numbers are involved?"
    total = sum(numbers)
    shown = int(total) if total.is_integer() else round(total, 4)
    return (
        f"Thanks, noted. So far you have given me {len(numbers)} numbers. "
        f"Adding them up, the answer is {shown}. Let me know if anything else matters."
    )


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def completion(body: dict[str, Any], settings: Settings, created: int) -> dict[str, Any]:
    """The chat completion for one request body."""
    model = str(body.get("model", "assistant"))
    messages = body.get("messages") or []
    if not isinstance(messages, list):
        raise ValueError("messages must be a list")
    texts = [(str(m.get("role")), _text(m.get("content"))) for m in messages if isinstance(m, dict)]
    if model.endswith("user"):
        intent = next((text for role, text in texts if role == "system"), "")
        said = sum(1 for role, _ in texts if role == "user")
        content = user_turn(intent, said, settings.end_after)
    else:
        content = assistant_reply(" ".join(text for role, text in texts if role == "user"), model.endswith("coder"))
    prompt_tokens = sum(len(text.split()) + 4 for _, text in texts)
    completion_tokens = len(content.split())
    return {
        "id": f"chatcmpl-latency-{created}",
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


class Server:
    """An HTTP/1.1 server (keep-alive) for POST /v1/chat/completions and GET /v1/models."""

    def __init__(self, settings: Settings, max_seconds: float, idle_seconds: float, parent_pid: int | None) -> None:
        self.settings = settings
        self.max_seconds = max_seconds
        self.idle_seconds = idle_seconds
        self.parent_pid = parent_pid
        self.connections = 0
        self.requests = 0
        self.completions = 0
        self.faults: Counter[str] = Counter()
        self.last_request = time.monotonic()
        self.stopped = asyncio.Event()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.connections >= MAX_CONNECTIONS:
            writer.close()
            return
        self.connections += 1
        try:
            for _ in range(MAX_REQUESTS_PER_CONNECTION):
                if not await self._one_request(reader, writer):
                    break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, asyncio.TimeoutError):
            pass
        finally:
            self.connections -= 1
            with contextlib.suppress(Exception):
                writer.close()

    async def _one_request(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), IDLE_CONNECTION_SECONDS)
        if len(head) > MAX_HEADER_BYTES:
            await self._send(writer, 431, {"error": {"message": "headers too large"}}, close=True)
            return False
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, path, _ = (request_line.split(" ") + ["", ""])[:3]
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length") or 0)
        if length > MAX_REQUEST_BYTES:
            await self._send(writer, 413, {"error": {"message": "request too large"}}, close=True)
            return False
        raw = await reader.readexactly(length) if length else b""
        keep_alive = headers.get("connection", "").lower() != "close"
        self.last_request = time.monotonic()
        self.requests += 1
        path = path.split("?", 1)[0].rstrip("/")
        if method == "GET" and path in ("/v1/models", "/models"):
            await self._send(writer, 200, {"object": "list", "data": [{"id": "latency", "object": "model"}]})
        elif method == "GET" and path in ("/health", "/v1/health"):
            await self._send(writer, 200, self.health())
        elif method == "POST" and path in ("/v1/chat/completions", "/chat/completions"):
            return await self._chat_completion(raw, reader, writer, keep_alive)
        else:
            await self._send(writer, 404, {"error": {"message": f"no route {method} {path}"}})
        return keep_alive

    async def _chat_completion(
        self, raw: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, keep_alive: bool
    ) -> bool:
        """Answer one chat completion (or inject its fault); False when the connection must close."""
        try:
            body = json.loads(raw)
            if body.get("stream"):
                raise ValueError("streaming is not supported")
            if self.settings.poison and self.settings.poison in raw.decode(errors="replace"):
                self.faults["400"] += 1
                raise ValueError(f"injected fault: the request contains '{self.settings.poison}'")
            answer = completion(body, self.settings, int(time.time()))
        except (ValueError, AttributeError, TypeError) as error:
            await self._send(writer, 400, {"error": {"message": str(error), "type": "invalid_request_error"}})
            return keep_alive
        self.completions += 1
        fault = self.settings.fault_for(self.completions)
        if fault is not None:
            self.faults[fault] += 1
        if fault == "500":
            error = {"error": {"message": "injected fault: server error", "type": "server_error"}}
            await self._send(writer, 500, error)
        elif fault == "429":
            error = {"error": {"message": "injected fault: rate limited", "type": "rate_limit_error"}}
            await self._send(writer, 429, error, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
        elif fault == "hang":
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(reader.read(), MAX_HANG_SECONDS)  # until the client gives up
            return False
        elif fault == "truncate":
            await self._send(writer, 200, answer, truncate=True)
            return False
        else:
            await asyncio.sleep(self.settings.latency)
            await self._send(writer, 200, answer)
        return keep_alive

    @staticmethod
    async def _send(
        writer: asyncio.StreamWriter,
        status: int,
        payload: dict[str, Any],
        close: bool = False,
        headers: dict[str, str] | None = None,
        truncate: bool = False,
    ) -> None:
        """Write one response; `truncate` announces the whole body but sends only its first half."""
        data = json.dumps(payload).encode()
        extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
        head = (
            f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n{extra}"
            f"Connection: {'close' if close or truncate else 'keep-alive'}\r\n\r\n"
        )
        writer.write(head.encode() + (data[: len(data) // 2] if truncate else data))
        await writer.drain()

    def health(self) -> dict[str, Any]:
        return {
            "status": "ok",
            "requests": self.requests,
            "completions": self.completions,
            "faults": dict(self.faults),
        }

    async def watchdog(self) -> None:
        """Stop at the lifetime limit, after the idle limit, or when the parent process is gone."""
        started = time.monotonic()
        while True:
            await asyncio.sleep(0.5)
            now = time.monotonic()
            parent_gone = self.parent_pid is not None and not _alive(self.parent_pid)
            if now - started > self.max_seconds or now - self.last_request > self.idle_seconds or parent_gone:
                self.stopped.set()
                return


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def serve(settings: Settings, host: str, port: int, max_seconds: float, idle_seconds: float, parent: int | None):
    if host not in LOOPBACK_HOSTS:
        raise SystemExit(f"refusing to listen on {host}: loopback only ({', '.join(LOOPBACK_HOSTS)})")
    server = Server(settings, max_seconds, idle_seconds, parent)
    listener = await asyncio.start_server(server.handle, host, port, limit=MAX_REQUEST_BYTES, backlog=1024)
    bound = listener.sockets[0].getsockname()
    shown = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
    print(f"listening on http://{shown}:{bound[1]}/v1", flush=True)
    watchdog = asyncio.ensure_future(server.watchdog())
    async with listener:
        await server.stopped.wait()
    watchdog.cancel()


@dataclass
class RunningServer:
    """A latency server in its own process (see `running`)."""

    url: str
    """Its OpenAI base URL, http://127.0.0.1:PORT/v1."""
    process: subprocess.Popen[str]

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1].split("/", 1)[0])

    def health(self) -> dict[str, Any]:
        """Requests served and faults injected so far (GET /health)."""
        with urllib.request.urlopen(self.url.removesuffix("/v1") + "/health", timeout=10) as response:
            return json.load(response)

    def stop(self, kill: bool = False) -> None:
        """Terminate (or SIGKILL) the server process and wait for it."""
        if self.process.poll() is None:
            self.process.kill() if kill else self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextlib.contextmanager
def running(settings: Settings, port: int = 0, max_seconds: float = 3600.0) -> Iterator[RunningServer]:
    """Start a latency server in a subprocess that exits with this one; stops it on exit."""
    argv = [sys.executable, "-m", "benchmark.devtools.latency_server", *settings.argv(), "--port", str(port)]
    argv += ["--parent-pid", str(os.getpid()), "--max-seconds", str(max_seconds), "--idle-seconds", "600"]
    server = RunningServer("", subprocess.Popen(argv, stdout=subprocess.PIPE, text=True))
    try:
        assert server.process.stdout
        line = server.process.stdout.readline().strip()
        if not line.startswith("listening on "):
            raise RuntimeError(f"latency server did not start: {line!r}")
        server.url = line.removeprefix("listening on ")
        yield server
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.3, help="seconds every chat completion takes")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed on stdout)")
    parser.add_argument("--end-after", type=int, default=0, help="user leaves after this many turns (0: never)")
    parser.add_argument("--fault-every", type=int, default=0, help="inject a fault every N completions (0: never)")
    parser.add_argument("--faults", default="", help=f"comma-separated fault kinds: {', '.join(FAULT_KINDS)}")
    parser.add_argument("--poison", default="", help="answer 400 to every request containing this word")
    parser.add_argument("--max-seconds", type=float, default=3600.0, help="exit after this long whatever happens")
    parser.add_argument("--idle-seconds", type=float, default=300.0, help="exit after this long without a request")
    parser.add_argument("--parent-pid", type=int, default=None, help="exit when this process is gone")
    args = parser.parse_args(argv)
    try:
        faults = tuple(kind for kind in args.faults.split(",") if kind)
        settings = Settings(args.latency, args.end_after, args.fault_every, faults, args.poison)  # type: ignore[arg-type]
    except ValueError as error:
        parser.error(str(error))
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(settings, args.host, args.port, args.max_seconds, args.idle_seconds, args.parent_pid))


if __name__ == "__main__":
    main()
