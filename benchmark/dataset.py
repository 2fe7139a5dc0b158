"""Intents as an Inspect dataset: one sample per intent, the intent kept in metadata."""

from __future__ import annotations

from collections.abc import Sequence

from inspect_ai.dataset import MemoryDataset, Sample

from benchmark.intents.record import Intent
from benchmark.loop import INTENT_KEY


def intent_to_sample(intent: Intent) -> Sample:
    """A sample for one intent. The input shows the intent in `inspect view`; the loop
    clears it before the assistant's first turn, so the assistant never sees it."""
    target = intent.grading.answer if intent.source == "gsm8k" else intent.grading.task_id
    return Sample(
        id=intent.id,
        input=intent.intent,
        target=target or "",
        metadata={INTENT_KEY: intent.model_dump(), "source": intent.source, "source_id": intent.source_id},
    )


def intents_dataset(intents: Sequence[Intent], name: str) -> MemoryDataset:
    """An Inspect dataset named `name` with one sample per intent."""
    return MemoryDataset([intent_to_sample(intent) for intent in intents], name=name)
