"""The release gate: is a candidate assistant significantly worse than the baseline?

`userlm-bench compare BASELINE CANDIDATE` reads two sets of Inspect logs of the same
task(s), simulator and intents (a log file, or a directory of logs: one per task),
and:

1. pairs the conversations by intent (sample id, within each task) and averages each
   intent's epochs, so every intent counts once whatever its number of simulations;
2. runs a one-sided paired t-test over intents on the per-intent drops of the gated metric
   (default `task_score`, higher is better; drop = baseline minus candidate). H0: the true
   drop is at most `max_drop`; the gate fails when p < `alpha` and the mean drop exceeds
   `max_drop` (by more than GATE_TIE_TOLERANCE: a drop of exactly the margin passes);
3. reports every per-conversation metric's change with a 95% bootstrap interval over
   intents, the change per task, and the intents whose outcome flipped (mean over epochs on
   the other side of FLIP_THRESHOLD).

Each side is the newest run of each task (benchmark.reports.runs): a complete log, or the
shards of one run merged. Both sides' runs must have the same comparability key but the
assistant: task version, simulator, user model, every score-changing setting, intent set.

Exit codes: 0 no significant regression beyond max_drop, 1 regression, 2 unusable input
(unreadable log, runs that differ in their key, overlapping shards, different intents, a
missing metric, too many simulator failures or missing scores), with a message that says
what to fix and names the file.

Modules: `results` (settings and result types), `inputs` (per-intent values, checks),
`decision` (the test and the result), `summary` (markdown, JSON). The bootstrap of the
intervals is benchmark.stats'.
"""

from benchmark.reports.gate.decision import compare_logs, drop_test, gate
from benchmark.reports.gate.inputs import METRICS, intent_values, select_side
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
    "select_side",
    "render_error",
    "render_json",
    "render_markdown",
]
