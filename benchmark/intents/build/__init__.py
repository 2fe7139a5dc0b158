"""`userlm-bench intents build`: write intents for any GSM8k or HumanEval problems.

Two methods, both ending with `validate`'s rules:

- `llm` (the paper's way, which used GPT-4o): the Inspect model role `writer` (any
  provider, bound with `--model-role writer=PROVIDER/MODEL`) gets our prompt and the
  problem, and answers with one JSON object `{intent, shards: [{text, required}]}`,
  asked for through structured output (a JSON schema) where the provider supports it
  and parsed strictly either way. When the reply cannot be parsed or `validate` rejects
  it, the complaints go back to the writer in the same chat and it tries again, up to
  WRITER_MAX_ATTEMPTS calls. Problems it never gets right are reported and not written.
- `rules` (offline): the automatic derivations of `gsm8k.py` (one shard per sentence)
  and `humaneval.py` (docstring sentences and examples), then repairs for what
  `validate` rejects: drop a duplicate shard, add a missing fact to the intent text,
  add the problem sentence that holds a missing number as a required shard, state the
  signature, and add what the tests expect for an empty input.

The writer decides only the intent text and the shards: the id, source, source id and
grading data always come from the problem. `selection.py` finds the problems,
`repairs.py` is the rules method, `writer.py` the llm method, `report.py` what they did.
"""

from benchmark.intents.build.repairs import FIXERS, MAX_REPAIR_ROUNDS, Fixer, build_rules, repair
from benchmark.intents.build.report import BuildReport, Outcome, Progress, no_progress
from benchmark.intents.build.selection import BuildItem, build_items, parse_ids
from benchmark.intents.build.writer import (
    WRITER_GSM8K,
    WRITER_HUMANEVAL,
    WRITER_SYSTEM,
    WriterError,
    WriterReply,
    WriterShard,
    build_llm,
    parse_reply,
    retry_message,
    write_intent,
    writer_config,
    writer_messages,
    writer_model,
)

__all__ = [
    "FIXERS",
    "MAX_REPAIR_ROUNDS",
    "WRITER_GSM8K",
    "WRITER_HUMANEVAL",
    "WRITER_SYSTEM",
    "BuildItem",
    "BuildReport",
    "Fixer",
    "Outcome",
    "Progress",
    "WriterError",
    "WriterReply",
    "WriterShard",
    "build_items",
    "build_llm",
    "build_rules",
    "no_progress",
    "parse_ids",
    "parse_reply",
    "repair",
    "retry_message",
    "write_intent",
    "writer_config",
    "writer_messages",
    "writer_model",
]
