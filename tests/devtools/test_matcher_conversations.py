"""The hand-labelled conversations validate, and the committed matcher report is what the tool prints."""

from __future__ import annotations

import json
import re

import pytest

from benchmark.constants import REPEAT_REQUIRED
from benchmark.devtools.conversation_labels import (
    MAX_TURNS,
    MIN_TURNS,
    SPLITS,
    binary_pairs,
    read_conversations,
)
from benchmark.devtools.matcher_eval import COMMAND, first_reveal_only, main
from benchmark.intents import curated_intents
from benchmark.judging.matcher import MatchRule
from tests.conftest import ROOT

REPORT = ROOT / "results" / "matcher_eval.md"
GOOD = {
    "id": "x-1",
    "split": "dev",
    "intent_id": "gsm8k-jean-age",
    "turns": [
        {"user": "how old is jean", "shards": [1]},
        {"assistant": "What do you know?", "user": "jeans 2 yrs older than mark", "shards": [2]},
        {"assistant": "Anything else?", "user": "jean is 2 years older than mark, like i said", "shards": [2]},
    ],
    "repeat_required": True,
    "skip_nonrequired": None,
    "intent_coverage": 0.5,
}


def test_labelled_conversations_cover_both_sources_splits_and_behaviours():
    conversations = read_conversations()
    assert len(conversations) >= 40
    assert len({c.id for c in conversations}) == len(conversations)
    shards = {i.id: {s.id for s in i.shards} for source in ("gsm8k", "humaneval") for i in curated_intents(source)}
    for conversation in conversations:
        assert MIN_TURNS <= len(conversation.turns) <= MAX_TURNS
        assert all(set(turn.shards) <= shards[conversation.intent.id] for turn in conversation.turns)
    for split in SPLITS:
        part = [c for c in conversations if c.split == split]
        assert {c.intent.id.split("-")[0] for c in part} == {"gsm8k", "humaneval"}
        assert {c.repeat_required for c in part} == {True, False}
        assert {c.skip_nonrequired for c in part} == {True, False, None}
        assert any(c.intent_coverage < 1 for c in part)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"intent_id": "gsm8k-nope"}, "unknown intent 'gsm8k-nope'"),
        ({"split": "train"}, "split 'train'"),
        ({"turns": GOOD["turns"][:2]}, "2 user turns"),
        ({"turns": [*GOOD["turns"][:2], {"user": "x", "shards": [9]}]}, r"turn 3: unknown shard ids \[9\]"),
        ({"repeat_required": False}, "disagree with its turn labels"),
        ({"intent_coverage": 1.0}, "intent_coverage disagrees"),
    ],
)
def test_malformed_conversations_are_rejected_with_their_line(tmp_path, change, problem):
    path = tmp_path / "conversations.jsonl"
    path.write_text(json.dumps(GOOD) + "\n" + json.dumps({**GOOD, "id": "x-2", **change}) + "\n")
    with pytest.raises(ValueError, match=f"conversations.jsonl:2: .*{problem}"):
        read_conversations(path)


def test_repeated_conversation_ids_are_rejected(tmp_path):
    path = tmp_path / "conversations.jsonl"
    path.write_text((json.dumps(GOOD) + "\n") * 2)
    with pytest.raises(ValueError, match="repeated id 'x-1'"):
        read_conversations(path)


def test_restate_rule_shrinks_the_held_out_repeat_bias():
    held_out = [c for c in read_conversations() if c.split == "test"]

    def bias(rule: MatchRule) -> float:
        pairs = binary_pairs(held_out, rule, REPEAT_REQUIRED)
        return (sum(guess for _, guess in pairs) - sum(truth for truth, _ in pairs)) / len(pairs)

    assert abs(bias(MatchRule())) < 0.1 < bias(first_reveal_only(MatchRule()))


def test_committed_report_is_what_the_tool_prints(tmp_path, capsys):
    out = tmp_path / "matcher_eval.md"
    main(["--out", str(out)])
    text = out.read_text()
    assert text == capsys.readouterr().out
    assert f"Command: `{COMMAND}`" in text
    assert re.search(r"\| split=test \(held out\) \| after \| \d+ \|", text)
    assert text == REPORT.read_text(), "results/matcher_eval.md is stale: rerun " + COMMAND
