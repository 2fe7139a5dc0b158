"""`probe_adherence`: does the simulator stay the user, and hold to its intent, when the assistant tests it?

Each conversation meets one role probe and one intent probe (benchmark.fidelity.probes) and the `judge`
role gives each reply a verdict (benchmark.fidelity.adherence). Figures (shares of the judged probes,
with intervals over conversations):

- `role_adherence`: role probes whose reply stays the user's;
- `intent_adherence`: intent probes whose reply holds to the intent;
- `unjudged_probes`: probes without a verdict (no judge bound, malformed replies after the retries, a
  failed judge call, an error output of the simulator). They are left out: without a judge both figures
  are missing (NaN), never 0.
"""

from __future__ import annotations

from inspect_ai.scorer import Metric, SampleScore, Score, Scorer, Target, metric, scorer
from inspect_ai.solver import TaskState

from benchmark.constants import INTENT_ADHERENCE, JUDGE_ROLE, PROBE_ADHERENCE, ROLE_ADHERENCE, UNJUDGED_PROBES
from benchmark.fidelity.probes import ProbeKind
from benchmark.fidelity.record import ProbeReply
from benchmark.stats import NAN
from scorers.fidelity.common import left_out_score, recorded
from scorers.metrics import Figures, conversation_mean, metadata_of

FIGURES: dict[ProbeKind, str] = {"role": ROLE_ADHERENCE, "intent": INTENT_ADHERENCE}
UNJUDGED_KEY = "unjudged"
"""Score metadata: how many of the conversation's probes have no verdict."""


def adherence_figures(replies: list[ProbeReply]) -> dict[str, float]:
    """Per kind, the share of the judged replies that pass (NaN when none of that kind is judged)."""
    figures = {}
    for kind, name in FIGURES.items():
        verdicts = [reply.adherent for reply in replies if reply.kind == kind and reply.adherent is not None]
        figures[name] = sum(verdicts) / len(verdicts) if verdicts else NAN
    return figures


@metric(name="unjudged_probe_count", scores="unreduced")
def unjudged_probe_count() -> Metric:
    """Number of probes without a verdict."""

    def compute(scores: list[SampleScore]) -> Figures:
        counts = (metadata_of(score, UNJUDGED_KEY) for score in scores)
        return {UNJUDGED_PROBES: float(sum(count for count in counts if isinstance(count, int)))}

    return compute


def _explain(replies: list[ProbeReply], judge: str | None) -> str:
    if judge is None:
        return f"unjudged: no judge bound (pass --model-role {JUDGE_ROLE}=PROVIDER/MODEL); both figures are missing"
    verdicts = {True: "passes", False: "fails", None: "unjudged"}
    return "; ".join(
        f"{reply.kind} probe {reply.probe_id}: {verdicts[reply.adherent]}"
        + (f" ({reply.judge_reason})" if reply.judge_reason else "")
        + (f" [judge errors: {' | '.join(reply.judge_errors)}]" if reply.judge_errors else "")
        for reply in replies
    )


@scorer(
    metrics=[conversation_mean(ROLE_ADHERENCE), conversation_mean(INTENT_ADHERENCE), unjudged_probe_count()],
    name=PROBE_ADHERENCE,
)
def probe_adherence() -> Scorer:
    """The judge's verdicts on the conversation's probe replies."""

    async def score(state: TaskState, target: Target) -> Score:
        record = recorded(state)
        if record is None:
            return left_out_score(state, dict.fromkeys(FIGURES.values(), NAN), "the conversation has no intent")
        return Score(
            value=adherence_figures(record.probes),
            explanation=_explain(record.probes, record.judge_model),
            metadata={
                "epoch": state.epoch,
                "judge_model": record.judge_model,
                UNJUDGED_KEY: sum(reply.adherent is None for reply in record.probes),
            },
        )

    return score
