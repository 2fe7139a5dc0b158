"""Scorers of the simulator-fidelity task (tasks/simulator_fidelity.py): the paper's intrinsic metrics.

- `end_prediction`: end_precision, end_recall, end_f1, decision_points.
- `opening_turns`: first_turn_diversity, intent_decomposition of the simulator's openings.
- `human_reference`: human_first_turn_diversity, human_intent_decomposition.
- `probe_adherence`: role_adherence, intent_adherence (judge only), unjudged_probes.
- `perplexity`: user_perplexity, perplexity_tokens (completions endpoints only).

Every figure has `<figure>_ci_low` / `<figure>_ci_high` (95% bootstrap over conversations); missing figures
are NaN, never 0. Each scorer reads the replay's record (benchmark.fidelity.record) and calls no model.
"""

from inspect_ai.scorer import Scorer

from scorers.fidelity.ends import end_prediction
from scorers.fidelity.openings import human_reference, opening_turns
from scorers.fidelity.perplexity import perplexity
from scorers.fidelity.probes import probe_adherence


def fidelity_scorers() -> list[Scorer]:
    """Every scorer of the fidelity task, in the order its log lists them."""
    return [end_prediction(), opening_turns(), human_reference(), probe_adherence(), perplexity()]


__all__ = ["end_prediction", "fidelity_scorers", "human_reference", "opening_turns", "perplexity", "probe_adherence"]
