"""How well the offline shard matcher agrees with hand labels.

    python -m benchmark.devtools.matcher_eval                      # precision/recall as Markdown
    python -m benchmark.devtools.matcher_eval --out results/matcher_eval.md
    python -m benchmark.devtools.matcher_eval --tune               # grid-search thresholds on the dev split

The labelled set, benchmark/data/shard_labels.jsonl, holds (user turn, shard, revealed)
triples written by hand for curated GSM8k and HumanEval intents: casual, terse turns
with typos, numbers as words, paraphrases, partial information, and numbers that belong
to another shard. A turn reveals a shard when a reader learns the shard's information
from it (in any wording); giving part of it (one of two examples, a number without what
it counts) does not. Each turn is in the `dev` split (used to tune the thresholds) or
the `test` split (held out).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmark.intents.record import Intent
from benchmark.intents.sets import curated_intents
from benchmark.judging.matcher import MatchRule, reveals

LABELS_PATH = Path(__file__).parent / "data" / "shard_labels.jsonl"
COMMAND = "python -m benchmark.devtools.matcher_eval --out results/matcher_eval.md"
_GRID = [round(0.05 * step, 2) for step in range(21)]


@dataclass(frozen=True)
class Label:
    intent_id: str
    shard_id: int
    turn: str
    revealed: bool
    split: str
    note: str = ""


@dataclass(frozen=True)
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else float("nan")

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else float("nan")

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def read_labels(path: Path = LABELS_PATH) -> list[Label]:
    """The labelled triples; every intent and shard id must exist in the curated sets."""
    shards = _shard_texts()
    labels = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            label = Label(**json.loads(line))
            if (label.intent_id, label.shard_id) not in shards:
                raise ValueError(f"{path.name}:{number}: unknown shard {label.shard_id} of '{label.intent_id}'")
            labels.append(label)
    return labels


def _shard_texts() -> dict[tuple[str, int], str]:
    intents: list[Intent] = [*curated_intents("gsm8k"), *curated_intents("humaneval")]
    return {(intent.id, shard.id): shard.text for intent in intents for shard in intent.shards}


def predict(labels: Iterable[Label], rule: MatchRule) -> list[bool]:
    """The matcher's verdict for each labelled triple."""
    shards = _shard_texts()
    return [reveals(shards[(label.intent_id, label.shard_id)], label.turn, rule) for label in labels]


def count(labels: Sequence[Label], predicted: Sequence[bool]) -> Counts:
    pairs = [(label.revealed, guess) for label, guess in zip(labels, predicted, strict=True)]
    return Counts(
        tp=sum(truth and guess for truth, guess in pairs),
        fp=sum(guess and not truth for truth, guess in pairs),
        fn=sum(truth and not guess for truth, guess in pairs),
        tn=sum(not truth and not guess for truth, guess in pairs),
    )


def tune(labels: Sequence[Label]) -> MatchRule:
    """The thresholds with the best F1 on `labels` (ties: the higher precision, then the stricter rule)."""
    best: tuple[tuple[float, float, float, float], MatchRule] | None = None
    for number_overlap in _GRID:
        for text_overlap in _GRID:
            rule = MatchRule(number_overlap=number_overlap, text_overlap=text_overlap)
            counts = count(labels, predict(labels, rule))
            key = (counts.f1, counts.precision, number_overlap, text_overlap)
            if best is None or key > best[0]:
                best = (key, rule)
    assert best is not None
    return best[1]


def _row(name: str, counts: Counts) -> str:
    n = counts.tp + counts.fp + counts.fn + counts.tn
    return (
        f"| {name} | {n} | {counts.tp + counts.fn} | {counts.precision:.3f} | {counts.recall:.3f} | {counts.f1:.3f} "
        f"| {counts.tp} | {counts.fp} | {counts.fn} | {counts.tn} |"
    )


def report(labels: Sequence[Label], rule: MatchRule) -> str:
    """A Markdown report: precision and recall by split and source, and every disagreement."""
    predicted = predict(labels, rule)
    groups: list[tuple[str, list[int]]] = [("all", list(range(len(labels))))]
    for split in ("dev", "test"):
        groups.append((f"split={split}", [i for i, label in enumerate(labels) if label.split == split]))
    for source in ("gsm8k", "humaneval"):
        groups.append((f"source={source}", [i for i, label in enumerate(labels) if label.intent_id.startswith(source)]))
    lines = [
        "# Offline shard matcher vs hand labels",
        "",
        f"Command: `{COMMAND}`",
        "",
        f"Labels: `benchmark/data/shard_labels.jsonl`, {len(labels)} (user turn, shard, revealed) triples, "
        f"{len({label.turn for label in labels})} user turns, "
        f"{len({label.intent_id for label in labels})} curated intents. Thresholds were tuned on `dev` only "
        f"(`--tune`); `test` is held out.",
        "",
        f"Rule (scorers/matcher.py): a turn reveals a shard with numerals when all of them appear in the turn "
        f"(digits, `20k` or number words) and at least {rule.number_overlap:.2f} of the shard's stemmed content "
        f"words do; a shard without numerals when at least {rule.text_overlap:.2f} of its content words do.",
        "",
        'Typical misses: information given without the shard\'s numbers or words ("time and a half", '
        '"a fifth", "half an hour", a number left implicit by the conversation). Typical false alarms: '
        "a turn that holds another shard's number or a question shard's few words.",
        "",
        "| triples | n | revealed | precision | recall | F1 | TP | FP | FN | TN |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, indices in groups:
        lines.append(_row(name, count([labels[i] for i in indices], [predicted[i] for i in indices])))
    lines += ["", "## Disagreements", "", "| split | intent | shard | label | matcher | turn | note |"]
    lines.append("| --- | --- | --- | --- | --- | --- | --- |")
    for label, guess in zip(labels, predicted, strict=True):
        if guess != label.revealed:
            verdict = "revealed" if label.revealed else "not revealed"
            lines.append(
                f"| {label.split} | {label.intent_id} | {label.shard_id} | {verdict} | "
                f"{'revealed' if guess else 'not revealed'} | {label.turn} | {label.note} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmark.devtools.matcher_eval", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--out", help="also write the Markdown report to this file")
    parser.add_argument("--tune", action="store_true", help="print the best thresholds on the dev split and exit")
    args = parser.parse_args(argv)
    labels = read_labels()
    if args.tune:
        rule = tune([label for label in labels if label.split == "dev"])
        print(f"MATCHER_NUMBER_OVERLAP = {rule.number_overlap}\nMATCHER_TEXT_OVERLAP = {rule.text_overlap}")
        return
    text = report(labels, MatchRule())
    print(text, end="")
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
