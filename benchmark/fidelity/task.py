"""Task parameters to the simulator-fidelity Task: validated, the conversations loaded, one sample each.

Everything a run can get wrong before its first model call is checked here: the parameter types and
values, the conversation file or source, and whether conversations without an intent (none cached) have
a `writer` role to write one.
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import NoneType

from inspect_ai import Task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import model_roles
from inspect_ai.scorer import Scorer

from benchmark.constants import CONVERSATION_SOURCES, FIDELITY_TASK, SIMULATORS, WRITER_ROLE
from benchmark.fidelity.conversations import ConversationError, HumanConversation, read_conversations
from benchmark.fidelity.intents import IntentCache, Status, writer_needed
from benchmark.fidelity.record import HUMAN_CONVERSATION_KEY, INTENT_STATUS_KEY
from benchmark.fidelity.replay import chat_messages, fidelity_replay
from benchmark.fidelity.sources.prism import load_prism
from benchmark.fidelity.sources.wildchat import load_wildchat
from benchmark.serving.local_models import cache_root
from benchmark.task import ParameterTypes, check_parameter_types, show_headline_figures

logger = logging.getLogger(__name__)

FIDELITY_PARAMETER_TYPES: ParameterTypes = {
    "conversations": ((str, NoneType), "conversations.jsonl"),
    "data_path": ((str, NoneType), "wildchat/"),
    "simulator": ((str,), "userlm"),
    "with_intent": ((bool,), "false"),
    "intents_cache": ((str, NoneType), "intents.jsonl"),
    "max_conversations": ((int, NoneType), "500"),
}

INTENTS_CACHE_FILE = "fidelity_intents.jsonl"
"""The default intents cache, in the user cache directory ($USERLM_BENCH_CACHE): one file serves every
source, since entries are keyed by conversation id and content hash."""


def default_intents_cache() -> Path:
    """Where written intents are cached unless `intents_cache` says otherwise."""
    return cache_root() / INTENTS_CACHE_FILE


def check_fidelity_parameters(
    conversations: str | None,
    data_path: str | None,
    simulator: str,
    with_intent: bool,
    intents_cache: str | None,
    max_conversations: int | None,
) -> None:
    """Raise a TaskParameterError (or ValueError) naming the parameter and the fix."""
    check_parameter_types(
        {
            "conversations": conversations,
            "data_path": data_path,
            "simulator": simulator,
            "with_intent": with_intent,
            "intents_cache": intents_cache,
            "max_conversations": max_conversations,
        },
        FIDELITY_PARAMETER_TYPES,
    )
    sources = "|".join(CONVERSATION_SOURCES)
    if not conversations:
        raise ValueError(
            f"pass the human conversations: -T conversations=FILE (a conversation JSONL file) or "
            f"-T conversations={sources} (with -T data_path=LOCAL_FILES, else from the Hugging Face Hub)"
        )
    if data_path is not None and conversations not in CONVERSATION_SOURCES:
        raise ValueError(f"data_path is for conversations={sources}; a conversation file needs none")
    if simulator not in SIMULATORS:
        raise ValueError(f"unknown simulator '{simulator}': use -T simulator=" + "|".join(SIMULATORS))
    if intents_cache is not None and Path(intents_cache).is_dir():
        raise ValueError(f"intents_cache={intents_cache!r} is a directory; pass a JSONL file path, e.g. intents.jsonl")
    if max_conversations is not None and max_conversations < 1:
        raise ValueError(f"max_conversations must be a whole number >= 1, got {max_conversations!r}")


def existing_path(path: str, parameter: str) -> Path:
    """`path`, when it exists. Inspect creates a task in its file's directory, so a relative path is read from
    there, not from where `inspect eval` was run: a missing relative path says so."""
    found = Path(path)
    if not found.exists() and not found.is_absolute():
        raise ConversationError(
            f"{parameter}={path}: not found in {Path.cwd()}, the task file's directory, where Inspect reads "
            f"relative paths; pass an absolute path (e.g. -T {parameter}=$PWD/{path})"
        )
    return found


def load_human_conversations(
    conversations: str, data_path: str | None, max_conversations: int | None
) -> list[HumanConversation]:
    """The conversations of a JSONL file, or of the WildChat or PRISM loader (local files or the Hub)."""
    if conversations in CONVERSATION_SOURCES:
        load = load_wildchat if conversations == "wildchat" else load_prism
        loaded = load(existing_path(data_path, "data_path") if data_path else None, limit=max_conversations)
        logger.info(loaded.summary())
        return loaded.conversations
    return read_conversations(existing_path(conversations, "conversations"))[:max_conversations]


def known_intents(
    conversations: list[HumanConversation], cache_path: Path
) -> list[tuple[HumanConversation, Status | None]]:
    """Each conversation with its given or cached intent and where it came from (None: to be written)."""
    if all(conversation.intent is not None for conversation in conversations):
        return [(conversation, "given") for conversation in conversations]
    cache = IntentCache(cache_path)
    known: list[tuple[HumanConversation, Status | None]] = []
    for conversation in conversations:
        if conversation.intent is not None:
            known.append((conversation, "given"))
        elif (cached := cache.get(conversation)) is not None:
            known.append((conversation.model_copy(update={"intent": cached}), "cached"))
        else:
            known.append((conversation, None))
    return known


def conversation_sample(conversation: HumanConversation, status: Status | None) -> Sample:
    """A sample for one human conversation; its input shows the conversation in `inspect view`."""
    kept = conversation.model_dump(include={"intent", "source"}, exclude_none=True)
    metadata: dict[str, object] = {HUMAN_CONVERSATION_KEY: kept}
    if status is not None:
        metadata[INTENT_STATUS_KEY] = status
    return Sample(id=conversation.id, input=chat_messages(conversation), metadata=metadata)


def fidelity_task(
    *,
    scorers: list[Scorer],
    version: str,
    conversations: str | None,
    data_path: str | None,
    simulator: str,
    with_intent: bool,
    intents_cache: str | None,
    max_conversations: int | None,
) -> Task:
    """The simulator-fidelity task; validates every parameter before any model call."""
    check_fidelity_parameters(conversations, data_path, simulator, with_intent, intents_cache, max_conversations)
    assert conversations is not None
    # absolute now: the task is created in its file's directory, its samples run elsewhere
    cache = (Path(intents_cache) if intents_cache is not None else default_intents_cache()).resolve()
    samples = known_intents(load_human_conversations(conversations, data_path, max_conversations), cache)
    pending = sum(status is None for _, status in samples)
    if pending and model_roles().get(WRITER_ROLE) is None:
        raise writer_needed(pending, cache)
    name = conversations if conversations in CONVERSATION_SOURCES else Path(conversations).stem
    show_headline_figures(FIDELITY_TASK)
    return Task(
        dataset=MemoryDataset([conversation_sample(c, status) for c, status in samples], name=name),
        solver=fidelity_replay(simulator, with_intent, cache),
        scorer=scorers,
        version=version,
        metadata={
            "simulator": simulator,
            "with_intent": with_intent,
            "conversations": name,
            "guardrails": "none",
            "intents_to_write": pending,
        },
    )
