"""Running the rules over intent files: schema complaints, reading, LiC detection, located findings."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from benchmark.intents.record import Intent, IntentError
from benchmark.intents.validate.humaneval import (
    humaneval_empty_input,
    humaneval_entry_point,
    humaneval_inputs,
    humaneval_output,
)
from benchmark.intents.validate.rules import (
    Complaint,
    Rule,
    grading_matches_source,
    intent_carries_required_shards,
    no_duplicate_shards,
    opening_shard_required,
    shard_numbers_in_source,
    source_numbers_in_required_shards,
)
from benchmark.intents.validate.source import SourceProblem, Sources

RULES: tuple[Rule, ...] = (
    opening_shard_required,
    no_duplicate_shards,
    intent_carries_required_shards,
    source_numbers_in_required_shards,
    shard_numbers_in_source,
    grading_matches_source,
    humaneval_entry_point,
    humaneval_inputs,
    humaneval_output,
    humaneval_empty_input,
)
"""Content rules, in the order their complaints are reported."""


def check_intent(intent: Intent, source: SourceProblem | None) -> list[Complaint]:
    """Every content complaint about `intent`; `source` None skips the rules that need it."""
    return [complaint for rule in RULES for complaint in rule(intent, source)]


@dataclass(frozen=True)
class Finding:
    """A complaint located in a file: `FILE:LINE: INTENT_ID: field: problem (fix)`."""

    file: str
    line: int
    intent_id: str
    complaint: Complaint

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.intent_id}: {self.complaint}"


_SCHEMA_FIXES = {
    "missing": "add the field",
    "extra_forbidden": "remove it; intent records have id, source, source_id, intent, shards, grading",
    "string_type": "use a JSON string",
    "bool_type": "use true or false",
    "int_type": "use a whole number",
    "list_type": "use a JSON list",
    "too_short": "add at least one item",
    "string_too_short": "write some text",
    "literal_error": "use one of the allowed values",
    "string_pattern_mismatch": "use a lower-case slug: letters, digits, '-', '_', '.'",
}


def _schema_complaints(data: Any) -> list[Complaint]:
    if not isinstance(data, dict):
        return [Complaint("schema", "record", "is not a JSON object", "write one JSON object per line")]
    try:
        Intent.model_validate(data)
    except ValidationError as err:
        complaints = []
        for item in err.errors():
            where = ".".join(str(part) for part in item["loc"]) or "record"
            message = item["msg"].removeprefix("Value error, ")
            if where == "record" and ": " in message:  # the model's own checks name their field first
                where, message = message.split(": ", 1)
            fix = _SCHEMA_FIXES.get(item["type"], "see the intent record schema in benchmark/intents/record.py")
            complaints.append(Complaint("schema", where, message, fix))
        return complaints
    return []


@dataclass
class LocatedIntent:
    """An intent read from a file, with where it came from and, when known, its source problem."""

    file: str
    line: int
    intent: Intent
    source: SourceProblem | None = None


def read_for_validation(path: str | Path) -> tuple[list[LocatedIntent], list[Finding]]:
    """The schema-valid intents of an intent JSONL file, and a finding per schema problem."""
    path = Path(path)
    if not path.is_file():
        raise IntentError(f"{path}: intent file not found; pass an existing JSONL file")
    intents: list[LocatedIntent] = []
    findings: list[Finding] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as err:
                complaint = Complaint(
                    "schema", "record", f"not valid JSON ({err.msg})", "write one JSON object per line"
                )
                findings.append(Finding(str(path), number, "?", complaint))
                continue
            intent_id = str(data.get("id", "?")) if isinstance(data, dict) else "?"
            complaints = _schema_complaints(data)
            if complaints:
                findings.extend(Finding(str(path), number, intent_id, c) for c in complaints)
            else:
                intents.append(LocatedIntent(str(path), number, Intent.model_validate(data)))
    if not intents and not findings:
        findings.append(
            Finding(str(path), 1, "?", Complaint("schema", "file", "has no intents", "write one JSON object per line"))
        )
    return intents, findings


def is_lic_file(path: str | Path) -> bool:
    """Whether `path` looks like a Lost in Conversation sharded file rather than an intent file."""
    with Path(path).open(encoding="utf-8") as handle:
        head = handle.read(4096).lstrip()
    if head.startswith("["):
        return True
    try:
        first = json.loads(head.splitlines()[0]) if head else None
    except json.JSONDecodeError:
        return False
    return isinstance(first, dict) and "task" in first and "intent" not in first


def validate_intents(
    located: Sequence[LocatedIntent], sources: Sources | None, *, check_ids: bool = True
) -> list[Finding]:
    """Content findings for intents already read; `sources` None skips the source-dependent rules."""
    findings: list[Finding] = []
    first_use: dict[str, LocatedIntent] = {}
    for item in located:
        intent = item.intent
        if check_ids and intent.id in first_use:
            seen = first_use[intent.id]
            complaint = Complaint(
                "unique_ids",
                "id",
                f"'{intent.id}' already used at {seen.file}:{seen.line}",
                "give every intent its own id",
            )
            findings.append(Finding(item.file, item.line, intent.id, complaint))
        first_use.setdefault(intent.id, item)
        source = item.source
        if source is None and sources is not None:
            found = sources.find(intent)
            if isinstance(found, str):
                complaint = Complaint(
                    "source", "source_id", found, "point source_id at the problem it was written from"
                )
                findings.append(Finding(item.file, item.line, intent.id, complaint))
                source = None
            else:
                source = found
        findings.extend(Finding(item.file, item.line, intent.id, c) for c in check_intent(intent, source))
    return findings


def validate_files(paths: Sequence[str | Path], sources: Sources | None) -> tuple[int, list[Finding]]:
    """Validate intent files (or Lost in Conversation files); returns (intents read, findings)."""
    located: list[LocatedIntent] = []
    findings: list[Finding] = []
    for path in paths:
        if Path(path).is_file() and is_lic_file(path):
            from benchmark.intents.sources.lic import read_lic

            loaded = read_lic(path)
            located.extend(
                LocatedIntent(str(path), item.line, item.intent, item.source if sources is not None else None)
                for item in loaded.items
            )
            continue
        intents, schema = read_for_validation(path)
        located.extend(intents)
        findings.extend(schema)
    findings.extend(validate_intents(located, sources))
    findings.sort(key=lambda f: (str(f.file), f.line))
    return len(located), findings
