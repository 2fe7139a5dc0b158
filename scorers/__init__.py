"""Inspect scorers and metrics for userlm-bench, usable by any task.

- `task_score`: did the assistant's final answer solve the task.
- `user_behaviour`: intent_coverage, repeat_required, skip_nonrequired, add_demands
  (shards each user turn revealed, by the `judge` role or the offline matcher).
- `turn_stats`: user_turns, turn_variance, turn_range_min, turn_range_max.
- `lexical_stats`: lexical_diversity, first_turn_diversity, intent_decomposition.

Every figure is an Inspect metric with `<figure>_ci_low` / `<figure>_ci_high` (95%
bootstrap over intents); missing figures are NaN.
"""

from scorers.coverage import user_behaviour
from scorers.diversity import lexical_stats
from scorers.task_score import task_score
from scorers.turns import turn_stats

__all__ = ["lexical_stats", "task_score", "turn_stats", "user_behaviour"]
