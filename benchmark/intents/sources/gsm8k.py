"""GSM8k intents derived automatically from the test split (Hub or a local JSONL file).

Each problem becomes an intent whose text carries the whole problem, and whose shards
are its sentences: the question sentence first (the opening request), then one shard
per fact sentence, all required (a GSM8k problem states nothing it does not need).
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from benchmark.errors import setting
from benchmark.intents.record import INTENT_PREFIX, Grading, Intent, IntentError, Shard
from benchmark.intents.sentences import split_sentences

GSM8K_DATASET = "openai/gsm8k"
GSM8K_CONFIG = "main"
GSM8K_SPLIT = "test"
GSM8K_REVISION = "cc7b047b6e5bb11b4f1af84efc572db110a51b3c"
"""Pinned Hub revision of openai/gsm8k (the same one inspect_evals uses)."""


def gold_number(answer: str) -> str:
    """The gold number after '####' in a GSM8k solution, commas removed."""
    if "####" not in answer:
        raise ValueError("a GSM8k answer ends with '#### N'")
    return answer.split("####")[-1].strip().replace(",", "")


def intent_from_problem(question: str, answer: str, index: int) -> Intent:
    """An intent for GSM8k test problem `index`: question sentence first, one shard per fact."""
    sentences = list(dict.fromkeys(split_sentences(question)))  # drop verbatim duplicates
    asks = [s for s in sentences if s.endswith("?")]
    opening = asks[-1] if asks else sentences[-1]
    ordered = [opening] + [s for s in sentences if s != opening]
    problem = " ".join(question.split())
    return Intent(
        id=f"gsm8k-test-{index}",
        source="gsm8k",
        source_id=f"{GSM8K_SPLIT}/{index}",
        intent=f"{INTENT_PREFIX} get help solving a math word problem and find its final numeric answer. "
        f"The problem: {problem}",
        shards=[Shard(id=i, text=text, required=True) for i, text in enumerate(ordered, start=1)],
        grading=Grading(answer=gold_number(answer)),
    )


def read_gsm8k_jsonl(path: str | Path) -> list[dict[str, str]]:
    """Read a local GSM8k file in the original format: one {question, answer} object per line."""
    path = Path(path)
    if not path.is_file():
        raise IntentError(f"{path}: GSM8k data file not found; pass {setting('data_path', 'FILE')} with a JSONL file")
    records: list[dict[str, str]] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise IntentError(f"{where}: not valid JSON ({err.msg}); expected {{question, answer}}") from None
            for field in ("question", "answer"):
                if not isinstance(record, dict) or not isinstance(record.get(field), str):
                    raise IntentError(f"{where}: field '{field}' missing or not a string; expected GSM8k format")
            if "####" not in record["answer"]:
                raise IntentError(f"{where}: field 'answer' has no '#### N' final answer line")
            records.append({"question": record["question"], "answer": record["answer"]})
    if not records:
        raise IntentError(f"{path}: no GSM8k records in file")
    return records


CURATED_SOURCES_FILE = "gsm8k_curated_sources.jsonl"
"""The GSM8k test problems behind the curated intents (MIT, see data/GSM8K_LICENSE), shipped
so the curated set can be validated offline."""


def curated_gsm8k_sources() -> dict[int, dict[str, str]]:
    """The shipped test problems of the curated intents, by test index."""
    data = resources.files("benchmark.intents").joinpath("data", CURATED_SOURCES_FILE)
    records = [json.loads(line) for line in data.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {int(r["index"]): {"question": r["question"], "answer": r["answer"]} for r in records}


def load_gsm8k_hub() -> list[dict[str, str]]:
    """The pinned GSM8k test split from the Hugging Face Hub (needs network)."""
    from datasets import load_dataset

    try:
        dataset = load_dataset(GSM8K_DATASET, GSM8K_CONFIG, split=GSM8K_SPLIT, revision=GSM8K_REVISION)
    except Exception as err:
        raise IntentError(
            f"could not load {GSM8K_DATASET}@{GSM8K_REVISION[:8]} from the Hugging Face Hub ({err}); "
            f"offline, pass {setting('data_path', 'FILE')} with a local GSM8k JSONL (question/answer per line)"
        ) from err
    return [{"question": row["question"], "answer": row["answer"]} for row in dataset]


def gsm8k_intents(data_path: str | Path | None = None) -> list[Intent]:
    """Intents for the whole GSM8k test split, from `data_path` or else the Hub."""
    records = read_gsm8k_jsonl(data_path) if data_path else load_gsm8k_hub()
    intents = []
    for index, record in enumerate(records):
        try:
            intents.append(intent_from_problem(record["question"], record["answer"], index))
        except ValueError as err:
            where = f"{data_path}:{index + 1}" if data_path else f"{GSM8K_DATASET} record {index}"
            raise IntentError(f"{where}: cannot derive an intent: {err}") from None
    return intents
