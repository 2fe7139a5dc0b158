"""The conversation loop: one Inspect sample is one simulated conversation.

1. The simulator writes the opening user turn from the intent.
2. The assistant under test answers (`generate(state)`): it sees only the
   conversation, never the intent, the shards or the gold answer.
3. The simulator writes the next user turn, or ends the conversation.
4. Repeat until the simulator ends, `max_turns` is reached, or the simulator cannot
   produce a valid turn within the resample bound.

What happened is recorded in `state.metadata["conversation"]` (a `ConversationRecord`):
the stop reason, turn counts, and every draft the guardrails rejected, with its reason.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from inspect_ai.log import transcript
from inspect_ai.model import ChatMessage, ChatMessageUser, get_model
from inspect_ai.solver import Generate, Solver, TaskState, solver

from benchmark.constants import DEFAULT_MAX_RESAMPLES, DEFAULT_MAX_TURNS, USER_ROLE, StopReason
from benchmark.conversation.guardrails import Guardrails, rejection_reason
from benchmark.conversation.model_calls import naming_the_server, record_role_server
from benchmark.conversation.simulators import UserSimulator, make_simulator
from benchmark.conversation.userlm import ParsedTurn, parse_user_turn
from benchmark.intents.record import Intent

CONVERSATION_KEY = "conversation"
"""Key of the ConversationRecord in the sample's metadata."""

INTENT_KEY = "intent"
"""Key of the Intent record in the sample's metadata."""

MAX_LOGGED_DRAFT_CHARS = 2000
"""Rejected drafts are logged up to this length (a broken model may write megabytes)."""


@dataclass
class RejectedDraft:
    turn: int
    """The user turn (from 0) the draft was written for."""
    draft: str
    """The raw completion, truncated to MAX_LOGGED_DRAFT_CHARS."""
    reason: str


@dataclass
class ConversationRecord:
    simulator: str
    user_model: str = ""
    stop_reason: StopReason | None = None
    user_turns: int = 0
    assistant_turns: int = 0
    drafts: int = 0
    rejected_drafts: list[RejectedDraft] = field(default_factory=list)
    error: str | None = None


class _Exhausted(Exception):
    """No acceptable draft within the resample bound."""


class _ModelError(Exception):
    """A model returned an error output instead of a turn."""


def intent_of(state: TaskState) -> Intent:
    """The intent a sample was built from (kept in its metadata, hidden from the assistant)."""
    return Intent.model_validate(state.metadata[INTENT_KEY])


async def _next_user_turn(
    simulator: UserSimulator,
    intent: Intent,
    conversation: list[ChatMessage],
    record: ConversationRecord,
    max_resamples: int,
) -> ParsedTurn:
    turn_index = record.user_turns
    earlier = [message.text for message in conversation if message.role == "user"]
    for _ in range(max_resamples + 1):
        output = await simulator.draft(intent, conversation)
        record.drafts += 1
        if output.error:
            raise _ModelError(f"user simulator: {output.error}")
        turn = parse_user_turn(output.completion)
        reason = rejection_reason(
            turn,
            guardrails=simulator.guardrails,
            turn_index=turn_index,
            earlier_user_turns=earlier,
            intent=intent.intent,
        )
        if reason is None:
            return turn
        rejected = RejectedDraft(turn_index, output.completion[:MAX_LOGGED_DRAFT_CHARS], reason)
        record.rejected_drafts.append(rejected)
        transcript().info(asdict(rejected), source="guardrails")
    raise _Exhausted


@solver
def user_simulation(
    simulator: str = "userlm",
    max_turns: int = DEFAULT_MAX_TURNS,
    guardrails: Guardrails | None = None,
    max_resamples: int = DEFAULT_MAX_RESAMPLES,
) -> Solver:
    """Run a simulated multi-turn conversation between the `user` role and the model under test.

    Args:
        simulator: `userlm`, `prompted` or `scripted` (see benchmark.conversation.simulators).
        max_turns: Most user turns in one conversation (>= 1).
        guardrails: Guardrails on user turns (default: all four, end allowed).
        max_resamples: Fresh drafts allowed per turn after a rejected one (>= 0).
    """
    if max_turns < 1:
        raise ValueError(f"max_turns must be at least 1, got {max_turns}")
    if max_resamples < 0:
        raise ValueError(f"max_resamples must be 0 or more, got {max_resamples}")
    rails = guardrails or Guardrails()
    make_simulator(simulator, rails)  # fail on an unknown name before any sample runs
    record_role_server(USER_ROLE)

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        sim = make_simulator(simulator, rails)
        intent = intent_of(state)
        record = ConversationRecord(simulator=simulator)
        state.messages = []  # the assistant starts from nothing but the user's first turn
        try:
            record.user_model = str(sim.model())
            record.stop_reason = await _converse(sim, intent, state, generate, record, max_turns, max_resamples)
        finally:
            state.metadata[CONVERSATION_KEY] = asdict(record)
        return state

    return solve


async def _converse(
    sim: UserSimulator,
    intent: Intent,
    state: TaskState,
    generate: Generate,
    record: ConversationRecord,
    max_turns: int,
    max_resamples: int,
) -> StopReason:
    while record.user_turns < max_turns:
        try:
            turn = await _next_user_turn(sim, intent, state.messages, record, max_resamples)
        except _Exhausted:
            return "guardrails_exhausted"
        except _ModelError as err:
            record.error = str(err)
            return "error"
        if turn.text:
            state.messages.append(ChatMessageUser(content=turn.text))
            record.user_turns += 1
        if turn.ended:
            return "end_token"
        with naming_the_server("assistant", get_model()):
            state = await generate(state)
        record.assistant_turns += 1
        if state.output.error:
            record.error = f"assistant: {state.output.error}"
            return "error"
    return "max_turns"
