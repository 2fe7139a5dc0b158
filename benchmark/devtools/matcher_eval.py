"""How well the offline shard matcher agrees with hand labels, per (turn, shard) pair and per conversation.

    python -m benchmark.devtools.matcher_eval                      # the report as Markdown
    python -m benchmark.devtools.matcher_eval --out results/matcher_eval.md
    python -m benchmark.devtools.matcher_eval --tune               # grid-search thresholds on the dev splits

Pairs: benchmark/devtools/data/shard_labels.jsonl holds (user turn, shard, revealed) triples
written by hand for curated GSM8k and HumanEval intents: casual, terse turns with typos,
numbers as words, paraphrases, partial information, and numbers that belong to another shard.
A turn reveals a shard when a reader learns the shard's information from it (in any wording);
giving part of it (one of two examples, a number without what it counts) does not.

Conversations: benchmark/devtools/data/conversation_labels.jsonl (see `conversation_labels`)
holds whole labelled conversations, on which `user_behaviour`'s per-conversation figures are
compared under the labels and under the matcher, before and after the restate rule.

Each triple and each conversation is in the `dev` split (used to tune the thresholds: the reveal
thresholds on the pairs, the restate thresholds on the conversations) or the `test` split (held out).
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from benchmark.constants import INTENT_COVERAGE, REPEAT_REQUIRED, SKIP_NONREQUIRED
from benchmark.devtools.conversation_labels import (
    SPLITS,
    LabelledConversation,
    binary_pairs,
    read_conversations,
    tune_restate,
)
from benchmark.intents.record import Intent
from benchmark.intents.sets import curated_intents
from benchmark.judging.matcher import MatchRule, match_turns, reveals

LABELS_PATH = Path(__file__).parent / "data" / "shard_labels.jsonl"
COMMAND = "python -m benchmark.devtools.matcher_eval --out results/matcher_eval.md"
_GRID = [round(0.05 * step, 2) for step in range(21)]
_SPLIT_NAMES = {"dev": "split=dev (tuning)", "test": "split=test (held out)"}


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
    def n(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

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

    @property
    def accuracy(self) -> float:
        return (self.tp + self.tn) / self.n if self.n else float("nan")


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


def tally(pairs: Iterable[tuple[bool, bool]]) -> Counts:
    """The confusion counts of (truth, guess) pairs."""
    pairs = list(pairs)
    return Counts(
        tp=sum(truth and guess for truth, guess in pairs),
        fp=sum(guess and not truth for truth, guess in pairs),
        fn=sum(truth and not guess for truth, guess in pairs),
        tn=sum(not truth and not guess for truth, guess in pairs),
    )


def count(labels: Sequence[Label], predicted: Sequence[bool]) -> Counts:
    return tally((label.revealed, guess) for label, guess in zip(labels, predicted, strict=True))


def tune(labels: Sequence[Label]) -> MatchRule:
    """The reveal thresholds with the best F1 on `labels` (ties: the higher precision, then the stricter rule)."""
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


def first_reveal_only(rule: MatchRule) -> MatchRule:
    """`rule` without the restate rule: every later match counts again (the matcher before it)."""
    return replace(rule, restate_number_overlap=rule.number_overlap, restate_text_overlap=rule.text_overlap)


def conversation_pairs(conversations: Sequence[LabelledConversation], rule: MatchRule) -> list[tuple[bool, bool]]:
    """(label, matcher) for every (user turn, shard of the intent) of the conversations, the matcher's
    verdict being whether `match_turns` lists the shard in that turn."""
    pairs = []
    for conversation in conversations:
        matched = match_turns(conversation.intent.shards, [turn.user for turn in conversation.turns], rule)
        for turn, ids in zip(conversation.turns, matched, strict=True):
            pairs += [(shard.id in turn.shards, shard.id in ids) for shard in conversation.intent.shards]
    return pairs


def _number(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.3f}"


def _header(*columns: str) -> list[str]:
    return ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]


_PAIR_COLUMNS = ("n", "revealed", "precision", "recall", "F1", "TP", "FP", "FN", "TN")
_BINARY_COLUMNS = (
    *("n", "precision", "recall", "accuracy", "mean (labels)", "mean (matcher)", "bias"),
    *("TP", "FP", "FN", "TN"),
)
_COVERAGE_COLUMNS = ("n", "mean (labels)", "mean (matcher)", "bias", "mean abs error", "exact")


def _pair_cells(counts: Counts) -> str:
    return (
        f"{counts.n} | {counts.tp + counts.fn} | {_number(counts.precision)} | {_number(counts.recall)} "
        f"| {counts.f1:.3f} | {counts.tp} | {counts.fp} | {counts.fn} | {counts.tn} |"
    )


def _binary_cells(pairs: Sequence[tuple[bool, bool]]) -> str:
    counts = tally(pairs)
    labelled, matched = (counts.tp + counts.fn) / counts.n, (counts.tp + counts.fp) / counts.n
    return (
        f"{counts.n} | {_number(counts.precision)} | {_number(counts.recall)} | {counts.accuracy:.3f} "
        f"| {labelled:.3f} | {matched:.3f} | {matched - labelled:+.3f} | {counts.tp} | {counts.fp} | {counts.fn} "
        f"| {counts.tn} |"
    )


def _coverage_cells(conversations: Sequence[LabelledConversation], rule: MatchRule) -> str:
    pairs = [(c.labelled_figures()[INTENT_COVERAGE], c.matched_figures(rule)[INTENT_COVERAGE]) for c in conversations]
    labelled = sum(truth for truth, _ in pairs) / len(pairs)
    matched = sum(guess for _, guess in pairs) / len(pairs)
    error = sum(abs(guess - truth) for truth, guess in pairs) / len(pairs)
    exact = sum(abs(guess - truth) < 1e-9 for truth, guess in pairs) / len(pairs)
    return f"{len(pairs)} | {labelled:.3f} | {matched:.3f} | {matched - labelled:+.3f} | {error:.3f} | {exact:.3f} |"


def pair_report(labels: Sequence[Label], rule: MatchRule) -> list[str]:
    """The per-pair section: precision and recall on the labelled triples by split and source."""
    predicted = predict(labels, rule)
    groups: list[tuple[str, list[int]]] = [("all", list(range(len(labels))))]
    for split in SPLITS:
        groups.append((_SPLIT_NAMES[split], [i for i, label in enumerate(labels) if label.split == split]))
    for source in ("gsm8k", "humaneval"):
        groups.append((f"source={source}", [i for i, label in enumerate(labels) if label.intent_id.startswith(source)]))
    lines = [
        "## Per (turn, shard) pair",
        "",
        f"Labels: `benchmark/devtools/data/shard_labels.jsonl`, {len(labels)} (user turn, shard, revealed) triples, "
        f"{len({label.turn for label in labels})} user turns, "
        f"{len({label.intent_id for label in labels})} curated intents. The reveal thresholds were tuned on `dev` "
        "only (`--tune`); `test` is held out, and its row is the one to quote.",
        "",
        "Each triple is one turn on its own, so the restate rule (which applies only to a shard revealed earlier "
        "in the same conversation) does not touch these figures: they are the same before and after it.",
        "",
        'Typical misses: information given without the shard\'s numbers or words ("time and a half", '
        '"a fifth", "half an hour", a number left implicit by the conversation). Typical false alarms: '
        "a turn that holds another shard's number or a question shard's few words.",
        "",
        *_header("triples", *_PAIR_COLUMNS),
    ]
    for name, indices in groups:
        lines.append(f"| {name} | " + _pair_cells(count([labels[i] for i in indices], [predicted[i] for i in indices])))
    return lines


def conversation_report(conversations: Sequence[LabelledConversation], rule: MatchRule) -> list[str]:
    """The per-conversation section: the three figures under the labels and the matcher, before and after
    the restate rule, by split."""
    rules = [("before", first_reveal_only(rule)), ("after", rule)]
    by_split = {split: [c for c in conversations if c.split == split] for split in SPLITS}

    def rows(cells: Callable[[list[LabelledConversation], MatchRule], str]) -> list[str]:
        return [
            f"| {_SPLIT_NAMES[split]} | {name} | " + cells(by_split[split], variant)
            for split in SPLITS
            for name, variant in rules
        ]

    sources = {source: sum(c.intent.id.startswith(source) for c in conversations) for source in ("gsm8k", "humaneval")}
    return [
        "## Per conversation",
        "",
        f"Labels: `benchmark/devtools/data/conversation_labels.jsonl`, {len(conversations)} conversations "
        f"({', '.join(f'{len(by_split[s])} {s}' for s in SPLITS)}; "
        f"{', '.join(f'{n} {s}' for s, n in sources.items())}), "
        f"{sum(len(c.turns) for c in conversations)} user turns, {len({c.intent.id for c in conversations})} "
        "curated intents, each turn labelled by hand with the shards it reveals. Reading back a value the "
        "assistant's reply just stated is an echo, not a reveal; a user restating their own information is a "
        "reveal in that turn (rules in `benchmark/devtools/conversation_labels.py`). The restate thresholds were "
        "tuned on `dev` only; `test` is held out.",
        "",
        "Rules: `before` counts every later match of a shard as revealing it again (restate thresholds equal to "
        f"the reveal ones: the matcher before the restate rule); `after` counts a later turn only when it holds "
        f"the shard's numerals and at least {rule.restate_number_overlap:.2f} of its content words "
        f"({rule.restate_text_overlap:.2f} without numerals). Figures are computed as `user_behaviour` computes "
        "them, from the labels and from the matcher; `bias` is the matcher's mean minus the labels' mean.",
        "",
        f"### {REPEAT_REQUIRED}",
        "",
        *_header("split", "rule", *_BINARY_COLUMNS),
        *rows(lambda group, variant: _binary_cells(binary_pairs(group, variant, REPEAT_REQUIRED))),
        "",
        f"### {SKIP_NONREQUIRED}",
        "",
        "Conversations whose intent has a non-required shard. The first reveal of a shard does not depend on the "
        "restate rule, so neither does this figure.",
        "",
        *_header("split", "rule", *_BINARY_COLUMNS),
        *rows(lambda group, variant: _binary_cells(binary_pairs(group, variant, SKIP_NONREQUIRED))),
        "",
        f"### {INTENT_COVERAGE}",
        "",
        "Independent of the restate rule for the same reason. `exact`: share of conversations where the "
        "matcher's figure equals the labels'.",
        "",
        *_header("split", "rule", *_COVERAGE_COLUMNS),
        *rows(_coverage_cells),
        "",
        "### Per (turn, shard) pair within the conversations",
        "",
        "Every (user turn, shard of the intent): whether the matcher lists the shard in that turn. `after` "
        "drops later matches that do not restate the shard, echoes included.",
        "",
        *_header("pairs", "rule", *_PAIR_COLUMNS),
        *rows(lambda group, variant: _pair_cells(tally(conversation_pairs(group, variant)))),
    ]


def _pair_disagreements(labels: Sequence[Label], rule: MatchRule) -> list[str]:
    lines = ["## Disagreements, per pair", "", "| split | intent | shard | label | matcher | turn | note |"]
    lines.append("| --- | --- | --- | --- | --- | --- | --- |")
    for label, guess in zip(labels, predict(labels, rule), strict=True):
        if guess != label.revealed:
            lines.append(
                f"| {label.split} | {label.intent_id} | {label.shard_id} | {_verdict(label.revealed)} | "
                f"{_verdict(guess)} | {label.turn} | {label.note} |"
            )
    return lines


def _conversation_disagreements(conversations: Sequence[LabelledConversation], rule: MatchRule) -> list[str]:
    lines = [
        "## Disagreements, per conversation (after)",
        "",
        "Turns: the user turns where the matcher's shards differ from the labels, as `turn: labels / matcher`.",
        "",
        "| split | conversation | intent | figure | label | matcher | turns | note |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for conversation in conversations:
        labelled, matched = conversation.labelled_figures(), conversation.matched_figures(rule)
        turns = match_turns(conversation.intent.shards, [turn.user for turn in conversation.turns], rule)
        differing = "; ".join(
            f"{k}: {list(turn.shards)} / {ids}"
            for k, (turn, ids) in enumerate(zip(conversation.turns, turns, strict=True), start=1)
            if sorted(turn.shards) != ids
        )
        for figure in (REPEAT_REQUIRED, SKIP_NONREQUIRED, INTENT_COVERAGE):
            truth, guess = labelled[figure], matched[figure]
            if not math.isnan(truth) and abs(truth - guess) > 1e-9:
                lines.append(
                    f"| {conversation.split} | {conversation.id} | {conversation.intent.id} | {figure} | "
                    f"{truth:.3g} | {guess:.3g} | {differing} | {conversation.note} |"
                )
    return lines


def _verdict(revealed: bool) -> str:
    return "revealed" if revealed else "not revealed"


def report(labels: Sequence[Label], conversations: Sequence[LabelledConversation], rule: MatchRule) -> str:
    """The Markdown report: per-pair and per-conversation agreement, and every disagreement."""
    lines = [
        "# Offline shard matcher vs hand labels",
        "",
        f"Command: `{COMMAND}`",
        "",
        "Rule (`benchmark/judging/matcher.py`): a turn reveals a shard with numerals when all of them appear in "
        f"the turn (digits, `20k` or number words) and at least {rule.number_overlap:.2f} of the shard's stemmed "
        f"content words do; a shard without numerals when at least {rule.text_overlap:.2f} of its content words "
        "do. Within a conversation, a shard already revealed counts again in a later turn only when that turn "
        f"restates it: its numerals and at least {rule.restate_number_overlap:.2f} of its content words "
        f"({rule.restate_text_overlap:.2f} without numerals).",
        "",
        *pair_report(labels, rule),
        "",
        *conversation_report(conversations, rule),
        "",
        *_pair_disagreements(labels, rule),
        "",
        *_conversation_disagreements(conversations, rule),
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmark.devtools.matcher_eval", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--out", help="also write the Markdown report to this file")
    parser.add_argument("--tune", action="store_true", help="print the best thresholds on the dev splits and exit")
    args = parser.parse_args(argv)
    labels = read_labels()
    conversations = read_conversations()
    if args.tune:
        reveal = tune([label for label in labels if label.split == "dev"])
        rule = tune_restate([c for c in conversations if c.split == "dev"], reveal)
        print(
            f"MATCHER_NUMBER_OVERLAP = {rule.number_overlap}\nMATCHER_TEXT_OVERLAP = {rule.text_overlap}\n"
            f"MATCHER_RESTATE_NUMBER_OVERLAP = {rule.restate_number_overlap}\n"
            f"MATCHER_RESTATE_TEXT_OVERLAP = {rule.restate_text_overlap}"
        )
        return
    text = report(labels, conversations, MatchRule())
    print(text, end="")
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
