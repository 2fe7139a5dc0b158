"""`userlm-bench serve` and `demo`: local vLLM servers, and the whole benchmark offline on CPU."""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def _serve(args: argparse.Namespace) -> int:
    from benchmark.conversation.userlm import chat_template_path
    from benchmark.serving.vllm_server import ServerConfig, VLLMServer

    server = VLLMServer(
        ServerConfig(
            model=args.model,
            served_name=args.served_name,
            port=args.port,
            chat_template=chat_template_path() if args.userlm_template else None,
            max_model_len=args.max_model_len,
            kv_cache_gib=args.kv_cache_gib,
            memory_utilization=args.memory_utilization,
            log_file=args.log_file,
        )
    )
    print(f"starting vLLM for {args.model}; log: {server.log_file}", flush=True)
    with server:
        name = server.served_name
        print(f"base URL: {server.base_url}")
        print(f"as the assistant under test:  --model vllm/{name} --model-base-url {server.base_url}")
        print(
            f"as the user simulator:        --model-role 'user={{model: vllm/{name}, model_args: "
            f"{{base_url: {server.base_url}}}}}'"
        )
        print("Ctrl-C stops the server.", flush=True)
        try:
            while server.process is not None and server.process.poll() is None:
                time.sleep(1)
        except KeyboardInterrupt:
            print("stopping", flush=True)
            return 0
    print(f"vLLM exited with code {server.process.returncode if server.process else '?'}; see {server.log_file}")
    return 1


def _demo(args: argparse.Namespace) -> int:
    from benchmark.serving.demo import DemoSettings, leaderboard, run_demo

    started = time.monotonic()
    settings = DemoSettings(log_dir=args.log_dir, limit=args.limit, epochs=args.epochs, max_turns=args.max_turns)
    locations = run_demo(settings)
    print("\nlogs:\n  " + "\n  ".join(locations))
    print(f"browse them with: inspect view --log-dir {settings.log_dir}\n")
    print(leaderboard(locations, settings.log_dir / "leaderboard"))
    print(f"leaderboard files (html, csv, plots): {settings.log_dir / 'leaderboard'}")
    print(f"\ndemo finished in {time.monotonic() - started:.0f} s")
    return 0


def _check_user(args: argparse.Namespace) -> int:
    from benchmark.serving.check_user import check_user

    report = check_user(args.spec)
    print("\n".join(report.lines()))
    return 0 if report.ok else 1


def register(commands: argparse._SubParsersAction) -> None:
    """Add `serve` and `demo` to the top-level parser."""
    from benchmark.serving.demo import DemoSettings
    from benchmark.serving.vllm_server import CPU_KV_CACHE_GIB, CPU_MEMORY_UTILIZATION, MAX_MODEL_LEN

    serve = commands.add_parser("serve", help="start a vLLM server for a local model or a Hub model id")
    serve.add_argument("model", help="smollm2, smollm2-userlm, a model directory, or a Hub id")
    serve.add_argument("--served-name", help="name clients use, e.g. microsoft/UserLM-8b (default: MODEL)")
    serve.add_argument("--port", type=int, help="port to listen on (default: a free port)")
    serve.add_argument("--userlm-template", action="store_true", help="serve with UserLM's chat template")
    serve.add_argument("--max-model-len", type=int, default=MAX_MODEL_LEN, help="context length in tokens")
    serve.add_argument("--kv-cache-gib", type=int, default=CPU_KV_CACHE_GIB, help="CPU KV cache size in GiB")
    serve.add_argument(
        "--memory-utilization", type=float, default=CPU_MEMORY_UTILIZATION, help="vLLM memory fraction (CPU only)"
    )
    serve.add_argument("--log-file", type=Path, help="server log (default: logs/vllm-PORT.log)")
    serve.set_defaults(handler=_serve)

    check = commands.add_parser(
        "check-user",
        help="check that a UserLM server hands UserLM the prompt it was trained on; exit 0 if every check passes",
        description="Probes the server of the user model SPEC (what you pass as --model-role user=SPEC) with a "
        "fixed conversation: the prompt opens a user turn, the end token is one token and reaches the client, "
        "generation stops at the turn boundary; and prints the sampling the simulator will use.",
    )
    check.add_argument(
        "spec",
        help="the role string, e.g. 'vllm/microsoft/UserLM-8b' with VLLM_BASE_URL set, or "
        "'{model: vllm-completions/microsoft/UserLM-8b, model_args: {base_url: http://HOST:8000/v1}}'",
    )
    check.set_defaults(handler=_check_user)

    defaults = DemoSettings()
    demo = commands.add_parser("demo", help="run the whole benchmark offline on CPU with local vLLM servers")
    demo.add_argument("--log-dir", type=Path, default=defaults.log_dir, help="where the logs and leaderboard go")
    demo.add_argument("--limit", type=int, default=defaults.limit, help="intents per task")
    demo.add_argument("--epochs", type=int, default=defaults.epochs, help="simulations per intent")
    demo.add_argument("--max-turns", type=int, default=defaults.max_turns, help="most user turns per conversation")
    demo.set_defaults(handler=_demo)
