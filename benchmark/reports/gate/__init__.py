"""The release gate: is a candidate assistant significantly worse than the baseline?

`userlm-bench compare BASELINE CANDIDATE` reads two sets of Inspect logs of the same
task(s), simulator and intents (a log file, or a directory of logs: one per task),
and:

1. pairs the conversations by intent (sample id, within each task) and averages each
   intent's epochs, so every intent counts once whatever its number of simulations;
2. runs a paired bootstrap over intents (intents resampled with replacement, seeded) on
   the per-intent differences of the gated metric (default `task_score`, higher is
   better). The drop is baseline minus candidate. H0: the true drop is at most
   `max_drop`; it is rejected, and the gate fails, when the share of resampled mean
   drops that are <= `max_drop` is below `alpha` (p-value, one-sided);
3. reports every per-conversation metric's change with a 95% interval, the change per
   task, and the intents whose outcome flipped (mean over epochs on the other side of
   FLIP_THRESHOLD).

Exit codes: 0 no significant regression beyond max_drop, 1 regression, 2 unusable input
(unreadable log, different tasks / task versions / simulators / intent sets, missing
metric), with a message that says what to fix and names the file.

Modules: `results` (settings and result types), `inputs` (per-intent values, checks),
`decision` (the test and the result), `summary` (markdown, JSON). The bootstrap itself
is benchmark.stats'.
"""

from benchmark.reports.gate.decision import compare_logs, drop_test, gate
from benchmark.reports.gate.inputs import METRICS, intent_values, latest_per_task
from benchmark.reports.gate.results import Flip, GateResult, GateSettings, MetricDelta, Side, UnusableInput
from benchmark.reports.gate.summary import render_error, render_json, render_markdown

__all__ = [
    "METRICS",
    "Flip",
    "GateResult",
    "GateSettings",
    "MetricDelta",
    "Side",
    "UnusableInput",
    "compare_logs",
    "drop_test",
    "gate",
    "intent_values",
    "latest_per_task",
    "render_error",
    "render_json",
    "render_markdown",
]
