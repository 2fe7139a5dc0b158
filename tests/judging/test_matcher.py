"""The offline shard matcher and its evaluation against the hand-labelled set."""

from __future__ import annotations

import pytest

from benchmark.devtools.conversation_labels import read_conversations
from benchmark.devtools.matcher_eval import COMMAND, count, first_reveal_only, main, predict, read_labels, report
from benchmark.intents import curated_intents
from benchmark.judging.matcher import MatchRule, match_turns, reveals


def _intent(intent_id: str):
    return next(i for i in [*curated_intents("gsm8k"), *curated_intents("humaneval")] if i.id == intent_id)


def test_numbers_and_paraphrase():
    assert reveals("He has 8 quarters.", "colby got eight quarters")
    assert reveals("Each car costs $20,000.", "they're 20k each")
    assert not reveals("Each car costs $20,000.", "they're 2000 each")
    # every number of the shard is needed: one of two examples is not enough
    assert not reveals("She spends 1/3 of that time running and the other 2/3 walking.", "1/3 running")
    # numbers are read as `intents validate` reads them: "2 dozen" is 2 or 24, a hyphen joins number words
    assert reveals("He bought 2 dozen eggs.", "he got 24 eggs")
    assert reveals("Each ticket costs $25.", "tickets are twenty-five bucks")
    # number words in a shard are wording: "any two numbers" needs its words, not a 2
    assert reveals("Take any two numbers from the list.", "take numbers from the list")


def test_text_shards_need_enough_content_words():
    assert reveals("Type hints would be nice.", "type hints pls")
    assert not reveals("Type hints would be nice.", "thanks, that works")
    strict = MatchRule(number_overlap=0.0, text_overlap=1.0)
    assert not reveals("Please walk me through it step by step.", "walk me through it", strict)


def test_match_turns_labels_each_turn():
    intent = _intent("gsm8k-jean-age")
    turns = ["how old is jean", "jeans 2 yrs older than mark", "jan is 30 now", "thx"]
    assert match_turns(intent.shards, turns) == [[1], [2], [4], []]


def test_a_later_turn_counts_again_only_when_it_restates_the_shard():
    intent = _intent("gsm8k-fleet-car-purchase")
    turns = [
        "mark is buying a fleet of 12 cars, what does he pay in total",
        "wait so 12 cars times 20k each is 240k right?",  # 12 read back: not a repeat of shard 2
        "like i said hes buying a fleet of 12 cars",  # restated in the shard's own words
    ]
    assert match_turns(intent.shards, turns) == [[1, 2], [3], [2]]
    # without the restate rule every later match counts again, as the matcher did before it
    assert match_turns(intent.shards, turns, first_reveal_only(MatchRule())) == [[1, 2], [2, 3], [2]]


def test_restate_rule_leaves_first_reveals_alone():
    """Which shards a conversation reveals at least once (intent coverage, skipped shards) does not depend on
    the restate thresholds; only the repeat counts do."""
    rule = MatchRule()
    for conversation in read_conversations():
        user = [turn.user for turn in conversation.turns]
        after = match_turns(conversation.intent.shards, user, rule)
        before = match_turns(conversation.intent.shards, user, first_reveal_only(rule))
        assert {i for ids in after for i in ids} == {i for ids in before for i in ids}, conversation.id
        assert all(set(a) <= set(b) for a, b in zip(after, before, strict=True)), conversation.id


def test_labelled_set_size_and_coverage():
    labels = read_labels()
    assert len(labels) >= 60
    sources = {label.intent_id.split("-")[0] for label in labels}
    assert sources == {"gsm8k", "humaneval"}
    assert any(label.revealed for label in labels) and any(not label.revealed for label in labels)
    assert {label.split for label in labels} == {"dev", "test"}


def test_matcher_quality_does_not_regress():
    labels = read_labels()
    counts = count(labels, predict(labels, MatchRule()))
    assert counts.precision >= 0.9
    assert counts.recall >= 0.8


def test_report_and_cli(tmp_path, capsys):
    labels = read_labels()
    text = report(labels, read_conversations(), MatchRule())
    assert COMMAND in text and "| all |" in text and "precision" in text
    out = tmp_path / "matcher_eval.md"
    main(["--out", str(out)])
    assert out.read_text() == capsys.readouterr().out


def test_unknown_shard_in_labels_is_rejected(tmp_path):
    bad = tmp_path / "labels.jsonl"
    bad.write_text('{"intent_id": "gsm8k-jean-age", "shard_id": 9, "turn": "x", "revealed": true, "split": "dev"}\n')
    with pytest.raises(ValueError, match="unknown shard 9"):
        read_labels(bad)
