"""The replay solver: one Inspect sample is one human conversation, visited point by point.

For a conversation u1 a1 u2 a2 ... un an (the human's turns u, the assistant's replies a), the simulator
under evaluation writes, each call independent of the others and read by `parse_user_turn`:

1. the opening turn, from the intent alone;
2. at each decision point k = 1..n, the next user turn given the intent and u1 a1 ... uk ak. It predicts
   "end" when its turn holds the end token; the truth is "end" at k = n only (the human left after an);
3. the reply to each probe (`benchmark.fidelity.probes`): u1, then the probe in place of a1.

Then the `judge` role, when bound, judges the probe replies, and the human turns' perplexity is computed
where the user model gives prompt log-probabilities. No guardrails apply and nothing is resampled: the
figures describe the raw model, as the paper measured it. A conversation without an intent gets one from
the `writer` role first (cached); one the writer cannot write is left out of every figure.

The simulator is the `user` role or, when that is not bound, the model under evaluation (`--model`).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from inspect_ai.model import ChatMessage, ChatMessageAssistant, ChatMessageUser, get_model, model_roles
from inspect_ai.solver import Generate, Solver, TaskState, solver

from benchmark.constants import USER_ROLE, WRITER_ROLE
from benchmark.conversation.guardrails import Guardrails
from benchmark.conversation.model_calls import record_role_server
from benchmark.conversation.simulators import PromptedSimulator, UserLMSimulator, make_simulator
from benchmark.fidelity.adherence import judge_probe, probe_judge_messages, reply_shown
from benchmark.fidelity.conversations import HumanConversation
from benchmark.fidelity.intents import complete_intents
from benchmark.fidelity.perplexity import conversation_perplexity, unavailable_reason
from benchmark.fidelity.probes import PROBE_KINDS, probe_for
from benchmark.fidelity.record import (
    FIDELITY_KEY,
    INTENT_STATUS_KEY,
    NO_INTENT,
    Decision,
    Draft,
    FidelityRecord,
    PerplexityRecord,
    ProbeReply,
    human_conversation,
    intent_record,
)
from benchmark.judging.judge import judge_model


def simulator_under_evaluation(name: str) -> UserLMSimulator | PromptedSimulator:
    """The simulator `name` with guardrails off, calling the `user` role or else the model under evaluation."""
    simulator = make_simulator(name, Guardrails.none())
    assert isinstance(simulator, UserLMSimulator | PromptedSimulator)
    simulator.default_model = get_model()  # get_model(default=...) takes a Model: the one under evaluation
    return simulator


def chat_messages(conversation: HumanConversation) -> list[ChatMessage]:
    """The human conversation as Inspect messages, roles as-is."""
    return [
        ChatMessageUser(content=m.content) if m.role == "user" else ChatMessageAssistant(content=m.content)
        for m in conversation.messages
    ]


async def _with_intent(conversation: HumanConversation, record: FidelityRecord, cache: Path) -> HumanConversation:
    """The conversation with its intent: given, cached, or written now by the `writer` role."""
    if conversation.intent is None:
        writer = get_model(role=WRITER_ROLE) if model_roles().get(WRITER_ROLE) is not None else None
        outcome = (await complete_intents([conversation], writer, cache)).outcomes[0]
        record.intent_status, record.intent_problems = outcome.status, list(outcome.problems)
        conversation = outcome.conversation
    record.intent = conversation.intent
    return conversation


async def _replay(
    simulator: UserLMSimulator | PromptedSimulator,
    conversation: HumanConversation,
    record: FidelityRecord,
) -> None:
    """The opening, every decision point and the probe replies, called concurrently."""
    assert conversation.intent is not None
    intent = intent_record(conversation.intent, conversation.id)
    messages = chat_messages(conversation)
    ends = [index for index, message in enumerate(messages) if message.role == "assistant"]
    probes = [probe_for(kind, conversation.id) for kind in PROBE_KINDS]

    async def draft(history: list[ChatMessage]) -> Draft:
        return Draft.of(await simulator.draft(intent, history))

    histories = [[], *(messages[: end + 1] for end in ends)]
    histories += [[messages[0], ChatMessageAssistant(content=probe.text)] for probe in probes]
    drafts = await asyncio.gather(*(draft(history) for history in histories))
    record.opening = drafts[0]
    record.decisions = [
        Decision(after_assistant_turn=k, human_ended=k == len(ends), draft=d)
        for k, d in enumerate(drafts[1 : len(ends) + 1], start=1)
    ]
    record.probes = [
        ProbeReply(kind=probe.kind, probe_id=probe.id, probe=probe.text, draft=d)
        for probe, d in zip(probes, drafts[len(ends) + 1 :], strict=True)
    ]


async def _judge(record: FidelityRecord, first_turn: str) -> None:
    """The judge's verdict on every probe reply (probes stay unjudged when no judge is bound)."""
    model = judge_model()
    if model is None:
        return
    record.judge_model = str(model)
    assert record.intent is not None

    async def one(reply: ProbeReply) -> None:
        if reply.draft.error:
            return  # no reply to judge
        shown = reply_shown(reply.draft.text, reply.draft.ended, reply.draft.other_side)
        judgement = await judge_probe(
            model, probe_judge_messages(reply.kind, record.intent or "", first_turn, reply.probe, shown)
        )
        reply.adherent, reply.judge_reason = judgement.adherent, judgement.reason
        reply.judge_attempts, reply.judge_errors = judgement.attempts, judgement.errors

    await asyncio.gather(*(one(reply) for reply in record.probes))


async def _perplexity(
    simulator: UserLMSimulator | PromptedSimulator, conversation: HumanConversation, with_intent: bool
) -> PerplexityRecord:
    missing = unavailable_reason(simulator.name, str(simulator.model()))
    if missing is not None:
        return PerplexityRecord(with_intent=with_intent, missing=missing)
    result = await conversation_perplexity(simulator.model(), conversation, with_intent)
    if result.missing is not None:
        return PerplexityRecord(with_intent=with_intent, missing=result.missing)
    return PerplexityRecord(
        with_intent=with_intent,
        nll=result.nll,
        tokens=result.tokens,
        turns=[{"tokens": turn.tokens, "nll": turn.nll} for turn in result.turns],
    )


@solver
def fidelity_replay(simulator: str, with_intent: bool, intents_cache: str | Path) -> Solver:
    """Replay each human conversation against the simulator (see the module docstring).

    Args:
        simulator: `userlm`, `prompted` or `scripted` (benchmark.conversation.simulators).
        with_intent: Give the intent when scoring the human turns' perplexity (the paper's two columns).
        intents_cache: The JSONL file written intents are cached in.
    """
    make_simulator(simulator, Guardrails.none())  # fail on an unknown name before any sample runs
    record_role_server(USER_ROLE)
    cache = Path(intents_cache)

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        record = FidelityRecord(simulator=simulator, intent_status=state.metadata.get(INTENT_STATUS_KEY))
        try:
            conversation = await _with_intent(human_conversation(state), record, cache)
            if conversation.intent is None:
                record.left_out = NO_INTENT
                return state
            sim = simulator_under_evaluation(simulator)
            record.user_model = str(sim.model())
            await _replay(sim, conversation, record)
            _, record.perplexity = await asyncio.gather(
                _judge(record, conversation.messages[0].content), _perplexity(sim, conversation, with_intent)
            )
        finally:
            state.metadata[FIDELITY_KEY] = record.model_dump()
        return state

    return solve
