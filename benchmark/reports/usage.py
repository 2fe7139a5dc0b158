"""What a run costs: model calls and tokens per conversation, by role, read from Inspect logs, and scaled to
a planned run (`userlm-bench usage LOGS --intents 65 --epochs 10`).

A pilot run (a few intents, one epoch, the real models) tells what one conversation costs with those models:
the simulator's calls include the drafts the guardrails rejected and the restarts, and every call sends the
conversation so far, so prompt tokens grow with the number of turns. Scaling assumes the planned run's
conversations look like the pilot's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from inspect_ai.log import read_eval_log

from benchmark.reports.logs import log_files
from benchmark.text import counted


@dataclass
class RoleUsage:
    """One role's model calls and tokens over the conversations read."""

    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0


@dataclass
class Usage:
    conversations: int
    roles: dict[str, RoleUsage]

    def per_conversation(self, role: str) -> tuple[float, float, float]:
        """Mean calls, input tokens and output tokens of one conversation for `role`."""
        usage, n = self.roles[role], max(self.conversations, 1)
        return usage.calls / n, usage.input_tokens / n, usage.output_tokens / n


def read_usage(paths: Iterable[str | Path]) -> Usage:
    """Calls and tokens by role (`assistant` for the model under test, else the model role) over every
    conversation of the logs."""
    roles: dict[str, RoleUsage] = defaultdict(RoleUsage)
    conversations = 0
    for path in log_files(paths):
        log = read_eval_log(path)
        for sample in log.samples or []:
            conversations += 1
            for event in sample.events:
                if event.event != "model":
                    continue
                usage = roles[event.role or "assistant"]
                usage.calls += 1
                if event.output.usage is not None:
                    usage.input_tokens += event.output.usage.input_tokens
                    usage.output_tokens += event.output.usage.output_tokens
    return Usage(conversations, dict(roles))


def render(usage: Usage, conversations: int, prices: dict[str, tuple[float, float]]) -> str:
    """The pilot's figures per conversation and scaled to `conversations`, with costs where priced."""
    lines = [
        f"Read {counted(usage.conversations, 'conversation')}; scaled to {counted(conversations, 'conversation')}:",
        "",
        "| role | calls / conv. | input tokens / conv. | output tokens / conv. | calls | input tokens | "
        "output tokens | cost |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    total = 0.0
    for role in sorted(usage.roles):
        calls, tokens_in, tokens_out = usage.per_conversation(role)
        price = prices.get(role)
        cost = conversations * (tokens_in * price[0] + tokens_out * price[1]) / 1e6 if price else None
        total += cost or 0.0
        lines.append(
            f"| {role} | {calls:.1f} | {tokens_in:,.0f} | {tokens_out:,.0f} | {calls * conversations:,.0f} | "
            f"{tokens_in * conversations:,.0f} | {tokens_out * conversations:,.0f} | "
            + (f"${cost:,.2f}" if cost is not None else "not priced")
            + " |"
        )
    if prices:
        lines += ["", f"Total for the priced roles: ${total:,.2f}."]
    return "\n".join(lines) + "\n"
