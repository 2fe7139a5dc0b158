"""What a replay of one human conversation recorded: the sample metadata the fidelity scorers read.

Everything the simulator wrote is kept (raw drafts truncated as in the conversation loop), with the parsed
turn, so `inspect view` shows each prediction, each probe reply and each verdict, and a log can be scored
again without a model call.
"""

from __future__ import annotations

from typing import Literal

from inspect_ai.model import ModelOutput
from inspect_ai.solver import TaskState
from pydantic import BaseModel, Field

from benchmark.conversation.loop import MAX_LOGGED_DRAFT_CHARS
from benchmark.conversation.userlm import parse_user_turn
from benchmark.fidelity.conversations import HumanConversation
from benchmark.fidelity.probes import ProbeKind
from benchmark.intents.record import Intent

FIDELITY_KEY = "fidelity"
"""Key of the FidelityRecord in the sample's metadata."""
HUMAN_CONVERSATION_KEY = "human_conversation"
"""Key of the replayed HumanConversation's fields besides its id and messages (its intent and source) in the
sample's metadata; the messages are the sample's input, so the log holds their text once."""
INTENT_STATUS_KEY = "intent_status"
"""Key of where the conversation's intent came from when the dataset was built ("given" or "cached"; absent
when the writer is to write it)."""

NO_INTENT = "no_intent"
"""`left_out` of a conversation whose intent the writer could not write: no figure uses it."""


class Draft(BaseModel):
    """One simulator call: its raw completion and how `parse_user_turn` reads it."""

    raw: str = ""
    """The raw completion, truncated to MAX_LOGGED_DRAFT_CHARS."""
    text: str = ""
    ended: bool = False
    """The user's turn holds the end token: the simulator predicts "end"."""
    other_side: bool = False
    boundary: str = ""
    error: str | None = None
    """The user model's error output; the call then predicts nothing."""

    @classmethod
    def of(cls, output: ModelOutput) -> Draft:
        if output.error:
            return cls(error=str(output.error))
        turn = parse_user_turn(output.completion)
        return cls(
            raw=output.completion[:MAX_LOGGED_DRAFT_CHARS],
            text=turn.text,
            ended=turn.ended,
            other_side=turn.other_side,
            boundary=turn.boundary,
        )


class Decision(BaseModel):
    """A decision point: the simulator, given the conversation up to an assistant turn, writes or ends."""

    after_assistant_turn: int = Field(ge=1)
    """Which assistant turn (from 1) the history ends with."""
    human_ended: bool
    """The truth: the human's conversation ended after this assistant turn."""
    draft: Draft

    @property
    def predicted_end(self) -> bool | None:
        """The simulator's prediction; None when the call gave an error output (not a decision)."""
        return None if self.draft.error else self.draft.ended


class ProbeReply(BaseModel):
    """A probe in the assistant's place, the simulator's reply, and the judge's verdict."""

    kind: ProbeKind
    probe_id: str
    probe: str
    draft: Draft
    adherent: bool | None = None
    """None: unjudged (no judge bound, malformed judge replies, a failed judge call, an error output)."""
    judge_reason: str | None = None
    judge_attempts: int = 0
    judge_errors: list[str] = Field(default_factory=list)


class PerplexityRecord(BaseModel):
    """The human user turns' log-likelihood under the simulator, or why it is missing."""

    with_intent: bool
    nll: float | None = None
    """Sum over the turns' tokens of -log p (natural log)."""
    tokens: int | None = None
    turns: list[dict[str, float]] = Field(default_factory=list)
    """Per user turn: its `tokens` and `nll`."""
    missing: str | None = None


class FidelityRecord(BaseModel):
    """Everything the replay of one human conversation found."""

    simulator: str
    user_model: str = ""
    intent: str | None = None
    intent_status: Literal["given", "cached", "written", "failed"] | None = None
    intent_problems: list[str] = Field(default_factory=list)
    left_out: str | None = None
    """Why no figure uses this conversation (NO_INTENT), or None."""
    opening: Draft | None = None
    """The simulator's opening turn, written from the intent alone."""
    decisions: list[Decision] = Field(default_factory=list)
    probes: list[ProbeReply] = Field(default_factory=list)
    judge_model: str | None = None
    perplexity: PerplexityRecord | None = None


def fidelity_record(state: TaskState) -> FidelityRecord:
    """The record the replay left in a sample's metadata."""
    return FidelityRecord.model_validate(state.metadata[FIDELITY_KEY])


def human_conversation(state: TaskState) -> HumanConversation:
    """The human conversation a sample replays: its input messages, with the intent and source kept in its
    metadata."""
    messages = state.input if isinstance(state.input, list) else []
    return HumanConversation.model_validate(
        {
            "id": str(state.sample_id),
            "messages": [{"role": message.role, "content": message.text} for message in messages],
            **state.metadata[HUMAN_CONVERSATION_KEY],
        }
    )


def intent_record(intent: str, conversation_id: str) -> Intent:
    """An Intent record that carries only the intent text, built without validation: the simulators and the
    intent decomposition read nothing else, and a human conversation has no shards or grading to give it."""
    return Intent.model_construct(id=conversation_id, intent=intent)
