"""The conversation loop: one Inspect sample is one simulated conversation.

1. The simulator writes the opening user turn from the intent.
2. The assistant under test answers (`generate(state)`): it sees only the
   conversation, never the intent, the shards or the gold answer.
3. The simulator writes the next user turn, or ends the conversation.
4. Repeat until the user leaves, `max_turns` is reached, or the simulator fails.

A conversation the simulator could not hold (no acceptable opening turn, no acceptable turn later on, an
error output of the user model) says nothing about the assistant: it is restarted from scratch, at most
`max_restarts` times, and if it still fails the scorers score it missing (NaN), never 0.

What happened is recorded in `state.metadata["conversation"]` (a `ConversationRecord`): the stop reason,
turn counts, restarts, and every draft the guardrails rejected, with its reason.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from inspect_ai.log import transcript
from inspect_ai.model import ChatMessage, ChatMessageUser, get_model
from inspect_ai.solver import Generate, Solver, TaskState, solver

from benchmark.constants import (
    DEFAULT_BLANK_TURN,
    DEFAULT_MAX_RESAMPLES,
    DEFAULT_MAX_RESTARTS,
    DEFAULT_MAX_TURNS,
    SIMULATOR_FAILURES,
    USER_ROLE,
    BlankTurn,
    StopReason,
)
from benchmark.conversation.guardrails import Guardrails, rejection_reason
from benchmark.conversation.model_calls import naming_the_server, record_role_server
from benchmark.conversation.simulators import UserSimulator, announce_default_user, make_simulator
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
    attempt: int = 0
    """Which start of the conversation (0, then 1.. after restarts) the draft belongs to."""


@dataclass
class FailedAttempt:
    """A start of the conversation the simulator could not hold; the conversation was restarted."""

    stop_reason: StopReason
    user_turns: int
    assistant_turns: int
    error: str | None = None


@dataclass
class ConversationRecord:
    simulator: str
    user_model: str = ""
    stop_reason: StopReason | None = None
    user_turns: int = 0
    assistant_turns: int = 0
    drafts: int = 0
    restarts: int = 0
    failed_attempts: list[FailedAttempt] = field(default_factory=list)
    rejected_drafts: list[RejectedDraft] = field(default_factory=list)
    error: str | None = None


def simulator_failed(conversation: dict[str, object] | None) -> bool:
    """Whether a logged conversation record ended in a simulator failure (its scores are missing)."""
    return bool(conversation) and conversation.get("stop_reason") in SIMULATOR_FAILURES  # type: ignore[union-attr]


class _Exhausted(Exception):
    """No acceptable draft within the resample bound."""


class _UserModelError(Exception):
    """The user model returned an error output instead of a turn."""


def intent_of(state: TaskState) -> Intent:
    """The intent a sample was built from (kept in its metadata, hidden from the assistant)."""
    return Intent.model_validate(state.metadata[INTENT_KEY])


def _is_blank(turn: ParsedTurn) -> bool:
    return not turn.text and not turn.ended and not turn.other_side


async def _next_user_turn(
    simulator: UserSimulator,
    intent: Intent,
    conversation: list[ChatMessage],
    record: ConversationRecord,
    max_resamples: int,
    blank_turn: BlankTurn,
) -> ParsedTurn:
    turn_index = record.user_turns
    earlier_user = [message.text for message in conversation if message.role == "user"]
    earlier_assistant = [message.text for message in conversation if message.role == "assistant"]
    for _ in range(max_resamples + 1):
        output = await simulator.draft(intent, conversation)
        record.drafts += 1
        if output.error:
            raise _UserModelError(f"user simulator: {output.error}")
        turn = parse_user_turn(output.completion)
        if blank_turn == "end" and _is_blank(turn):
            return turn
        reason = rejection_reason(
            turn,
            guardrails=simulator.guardrails,
            turn_index=turn_index,
            earlier_user_turns=earlier_user,
            earlier_assistant_turns=earlier_assistant,
            intent=intent.intent,
        )
        if reason is None:
            return turn
        rejected = RejectedDraft(turn_index, output.completion[:MAX_LOGGED_DRAFT_CHARS], reason, record.restarts)
        record.rejected_drafts.append(rejected)
        transcript().info(asdict(rejected), source="guardrails")
    raise _Exhausted


@solver
def user_simulation(
    simulator: str = "userlm",
    max_turns: int = DEFAULT_MAX_TURNS,
    guardrails: Guardrails | None = None,
    max_resamples: int = DEFAULT_MAX_RESAMPLES,
    max_restarts: int = DEFAULT_MAX_RESTARTS,
    blank_turn: BlankTurn = DEFAULT_BLANK_TURN,
) -> Solver:
    """Run a simulated multi-turn conversation between the `user` role and the model under test.

    Args:
        simulator: `userlm`, `prompted` or `scripted` (see benchmark.conversation.simulators).
        max_turns: Most user turns in one conversation (>= 1).
        guardrails: Guardrails on user turns (default: all four, end allowed).
        max_resamples: Fresh drafts allowed per turn after a rejected one (>= 0).
        max_restarts: Fresh starts of a conversation whose simulator failed (>= 0).
        blank_turn: `resample` a blank user turn, or read it as the user leaving (`end`).
    """
    if max_turns < 1:
        raise ValueError(f"max_turns must be at least 1, got {max_turns}")
    if max_resamples < 0:
        raise ValueError(f"max_resamples must be 0 or more, got {max_resamples}")
    if max_restarts < 0:
        raise ValueError(f"max_restarts must be 0 or more, got {max_restarts}")
    rails = guardrails or Guardrails()
    make_simulator(simulator, rails)  # fail on an unknown name before any sample runs
    announce_default_user(simulator)
    record_role_server(USER_ROLE)

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        sim = make_simulator(simulator, rails)
        intent = intent_of(state)
        record = ConversationRecord(simulator=simulator)
        try:
            record.user_model = str(sim.model())
            while True:
                state.messages = []  # the assistant starts from nothing but the user's first turn
                settings = (max_turns, max_resamples, blank_turn)
                record.stop_reason = await _converse(sim, intent, state, generate, record, *settings)
                if record.stop_reason not in SIMULATOR_FAILURES or record.restarts >= max_restarts:
                    break
                _restart(record)
        finally:
            state.metadata[CONVERSATION_KEY] = asdict(record)
        return state

    return solve


def _restart(record: ConversationRecord) -> None:
    """Keep a failed start in the record and reset the counts for a fresh one."""
    assert record.stop_reason is not None
    failed = FailedAttempt(record.stop_reason, record.user_turns, record.assistant_turns, record.error)
    record.failed_attempts.append(failed)
    transcript().info({"restart": record.restarts + 1, **asdict(failed)}, source="conversation")
    record.restarts += 1
    record.user_turns = record.assistant_turns = 0
    record.error = None


async def _converse(
    sim: UserSimulator,
    intent: Intent,
    state: TaskState,
    generate: Generate,
    record: ConversationRecord,
    max_turns: int,
    max_resamples: int,
    blank_turn: BlankTurn,
) -> StopReason:
    while record.user_turns < max_turns:
        opening = record.user_turns == 0
        try:
            turn = await _next_user_turn(sim, intent, state.messages, record, max_resamples, blank_turn)
        except _Exhausted:
            return "no_opening" if opening else "stalled"
        except _UserModelError as err:
            record.error = str(err)
            return "user_error"
        if _is_blank(turn):  # blank_turn=end: the user left without a word
            return "no_opening" if opening else "blank"
        if turn.text:  # a closing turn's text ("ok thanks<|endconversation|>") is the user's last turn
            state.messages.append(ChatMessageUser(content=turn.text))
            record.user_turns += 1
        if turn.ended:
            return "end_token"
        with naming_the_server("assistant", get_model()):
            state = await generate(state)
        record.assistant_turns += 1
        if state.output.error:
            record.error = f"assistant: {state.output.error}"
            return "assistant_error"
    return "max_turns"
