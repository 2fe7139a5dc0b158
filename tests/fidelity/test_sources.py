"""WildChat and PRISM loaders on invented rows in each source's own schema (no network: the Hub is faked)."""

import json
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from benchmark.fidelity.conversations import ConversationError
from benchmark.fidelity.sources import prism, wildchat
from benchmark.fidelity.sources.prism import PRISM_CONFIG, PRISM_DATASET, PRISM_REVISION, load_prism
from benchmark.fidelity.sources.wildchat import WILDCHAT_DATASET, WILDCHAT_REVISION, load_wildchat

DATA = Path(__file__).parent / "data"
WILDCHAT_ROWS = DATA / "wildchat_rows.jsonl"
PRISM_ROWS = DATA / "prism_conversations.jsonl"

WILDCHAT_KEPT = [
    "wildchat-d0241b6edfb523153fd7b25e5c1bba78",
    "wildchat-83ced3be187a18c5c8d465729dec9c01",
    "wildchat-bf770a9c63ccec4ba2a32bbd6484a9f2",
    "wildchat-651bdee5a1b29f2c5f2dd7f6e7055880",
]
WILDCHAT_DROPPED = Counter(
    {
        "not_english": 1,
        "toxic": 2,
        "redacted": 1,
        "empty_turn": 1,
        "roles": 1,
        "no_assistant_reply": 1,
        "duplicate": 1,
    }
)
PRISM_KEPT = ["prism-c101", "prism-c102", "prism-c103", "prism-c110"]
PRISM_DROPPED = Counter({"no_chosen_response": 2, "empty_turn": 1, "roles": 2, "no_assistant_reply": 1, "duplicate": 1})


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def write_rows(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


class FakeHub:
    """Stands in for datasets.load_dataset: records the call and serves the fixture rows."""

    def __init__(self, served: list[dict] | Exception) -> None:
        self.served = served
        self.calls: list[tuple[tuple, dict]] = []

    def __call__(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        if isinstance(self.served, Exception):
            raise self.served
        return iter(self.served)


# --- WildChat -----------------------------------------------------------------------------


def test_wildchat_keeps_english_clean_alternating_conversations():
    loaded = load_wildchat(WILDCHAT_ROWS)
    assert [c.id for c in loaded.conversations] == WILDCHAT_KEPT
    assert loaded.dropped == WILDCHAT_DROPPED
    assert loaded.rows == 12
    assert loaded.summary() == (
        "wildchat: 12 rows read, 4 kept; dropped: duplicate 1, empty_turn 1, no_assistant_reply 1, "
        "not_english 1, redacted 1, roles 1, toxic 2"
    )
    bio = loaded.conversations[1]
    assert bio.source == "wildchat" and bio.intent is None
    assert [m.role for m in bio.messages] == ["user", "assistant"] * 3
    assert bio.user_turns[1] == "less cheesy pls"


def test_wildchat_each_filter_drops_its_row():
    def reason(row: dict) -> str:
        loaded = wildchat.wildchat_conversations([("row", row)])
        return next(iter(loaded.dropped)) if loaded.dropped else "kept"

    fixture = rows(WILDCHAT_ROWS)
    assert [reason(row) for row in fixture] == [
        "kept",
        "kept",
        "kept",
        "not_english",
        "toxic",  # the row is flagged
        "toxic",  # only a turn is flagged
        "redacted",
        "empty_turn",
        "roles",
        "no_assistant_reply",
        "kept",  # on its own; a duplicate of the first row in the file
        "kept",
    ]


def test_wildchat_limit_stops_reading_once_enough_are_kept():
    loaded = load_wildchat(WILDCHAT_ROWS, limit=2)
    assert [c.id for c in loaded.conversations] == WILDCHAT_KEPT[:2] and loaded.rows == 2


def test_wildchat_parquet_shards_and_json_arrays_read_like_json_lines(tmp_path):
    records = rows(WILDCHAT_ROWS)
    shards = tmp_path / "data"
    shards.mkdir()
    pq.write_table(pa.Table.from_pylist(records[:6]), shards / "train-00000-of-00002.parquet")
    pq.write_table(pa.Table.from_pylist(records[6:]), shards / "train-00001-of-00002.parquet")
    from_parquet = load_wildchat(tmp_path)
    assert [c.id for c in from_parquet.conversations] == WILDCHAT_KEPT
    assert from_parquet.dropped == WILDCHAT_DROPPED
    array = tmp_path / "rows.json"
    array.write_text(json.dumps(records), encoding="utf-8")
    assert load_wildchat(array).conversations == load_wildchat(WILDCHAT_ROWS).conversations


def test_wildchat_bad_files_name_the_file_and_what_is_missing(tmp_path):
    record = rows(WILDCHAT_ROWS)[0]
    no_hash = write_rows(tmp_path / "a.jsonl", [{k: v for k, v in record.items() if k != "conversation_hash"}])
    with pytest.raises(ConversationError) as caught:
        load_wildchat(no_hash)
    assert str(caught.value) == (
        f"{no_hash}:1: field 'conversation_hash' missing; expected WildChat-1M rows with conversation_hash, "
        "conversation, language, toxic and redacted"
    )
    system = json.loads(json.dumps(record))
    system["conversation"][0]["role"] = "system"
    with pytest.raises(ConversationError, match=r"b.jsonl:1: conversation\[0\]: field 'role' is 'system'"):
        load_wildchat(write_rows(tmp_path / "b.jsonl", [system]))
    no_flag = json.loads(json.dumps(record))
    del no_flag["conversation"][1]["toxic"]
    with pytest.raises(ConversationError, match=r"c.jsonl:1: conversation\[1\]: field 'toxic' missing"):
        load_wildchat(write_rows(tmp_path / "c.jsonl", [no_flag]))
    with pytest.raises(ConversationError, match="d.jsonl:1: field 'toxic' is str, not bool"):
        load_wildchat(write_rows(tmp_path / "d.jsonl", [{**record, "toxic": "no"}]))
    shard = tmp_path / "shard.parquet"
    pq.write_table(pa.Table.from_pylist([{"conversation_hash": "ab", "turn": 1}]), shard)
    with pytest.raises(ConversationError, match="shard.parquet: no column 'conversation', 'language', 'toxic'"):
        load_wildchat(shard)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConversationError, match=r"empty: no \*.parquet or \*.jsonl or \*.json files in this directory"):
        load_wildchat(tmp_path / "empty")
    with pytest.raises(ConversationError, match="missing.jsonl: not found; pass WildChat-1M data"):
        load_wildchat(tmp_path / "missing.jsonl")
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{not json\n", encoding="utf-8")
    with pytest.raises(ConversationError, match="broken.jsonl:1: not valid JSON"):
        load_wildchat(broken)


def test_wildchat_from_the_hub_loads_the_pinned_revision(monkeypatch):
    import datasets

    hub = FakeHub(rows(WILDCHAT_ROWS))
    monkeypatch.setattr(datasets, "load_dataset", hub)
    loaded = load_wildchat()
    assert [c.id for c in loaded.conversations] == WILDCHAT_KEPT
    assert hub.calls == [
        ((WILDCHAT_DATASET, None), {"split": "train", "revision": WILDCHAT_REVISION, "streaming": True})
    ]
    assert len(WILDCHAT_REVISION) == 40


def test_wildchat_hub_failure_says_how_to_work_offline(monkeypatch):
    import datasets

    monkeypatch.setattr(datasets, "load_dataset", FakeHub(ConnectionError("no network")))
    with pytest.raises(
        ConversationError, match=r"could not load allenai/WildChat-1M@7d6490e4 .*offline, pass the path"
    ):
        load_wildchat()


# --- PRISM --------------------------------------------------------------------------------


def test_prism_follows_the_chosen_replies():
    loaded = load_prism(PRISM_ROWS)
    assert [c.id for c in loaded.conversations] == PRISM_KEPT
    assert loaded.dropped == PRISM_DROPPED
    assert loaded.rows == 11
    plants, meat, voting, chess = loaded.conversations
    assert plants.source == "prism"
    assert [(m.role, m.content) for m in plants.messages] == [
        ("user", "what are some easy houseplants for a dark apartment"),
        ("assistant", "Consider a snake plant, a ZZ plant, or a cast iron plant; all handle dim rooms."),
        ("user", "how often do i water a zz plant"),
        ("assistant", "Water it about every three weeks; it stores water in its rhizomes, so err on the dry side."),
    ]
    assert len(meat.messages) == 2 and meat.messages[1].content.startswith("Many people wrestle")
    # user entries written without the model-only keys read the same
    assert voting.user_turns == [
        "should voting be mandatory",
        "what happens in australia if you dont vote",
        "do people there like it",
    ]
    assert chess.messages[1].content == "Learn a few openings and practice endgames."


def test_prism_each_filter_drops_its_row():
    def reason(row: dict) -> str:
        loaded = prism.prism_conversations([("row", row)])
        return next(iter(loaded.dropped)) if loaded.dropped else "kept"

    assert [reason(row) for row in rows(PRISM_ROWS)] == [
        "kept",
        "kept",
        "kept",
        "no_chosen_response",  # none chosen
        "empty_turn",
        "roles",  # turn 1 missing
        "roles",  # the last user turn got no reply
        "no_assistant_reply",
        "kept",  # on its own; a duplicate id in the file
        "kept",
        "no_chosen_response",  # two different replies chosen
    ]


def test_prism_directory_holding_conversations_jsonl(tmp_path):
    (tmp_path / "prism").mkdir()
    (tmp_path / "prism" / "conversations.jsonl").write_text(PRISM_ROWS.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "prism" / "survey.jsonl").write_text("{}\n", encoding="utf-8")
    (tmp_path / "prism" / "my_conversations.jsonl").write_text("{}\n", encoding="utf-8")
    assert [c.id for c in load_prism(tmp_path).conversations] == PRISM_KEPT
    (tmp_path / "other").mkdir()
    with pytest.raises(ConversationError, match="other: no conversations.jsonl files in this directory"):
        load_prism(tmp_path / "other")


def test_prism_bad_files_name_the_file_and_what_is_missing(tmp_path):
    record = rows(PRISM_ROWS)[0]
    no_history = write_rows(tmp_path / "a.jsonl", [{k: v for k, v in record.items() if k != "conversation_history"}])
    with pytest.raises(ConversationError) as caught:
        load_prism(no_history)
    assert str(caught.value) == (
        f"{no_history}:1: field 'conversation_history' missing; expected PRISM conversations rows with "
        "conversation_id and conversation_history"
    )
    renamed = json.loads(json.dumps(record))
    renamed["conversation_history"][1]["role"] = "assistant"
    with pytest.raises(ConversationError, match=r"conversation_history\[1\]: field 'role' is 'assistant'; PRISM"):
        load_prism(write_rows(tmp_path / "b.jsonl", [renamed]))
    unflagged = json.loads(json.dumps(record))
    del unflagged["conversation_history"][2]["if_chosen"]
    with pytest.raises(ConversationError, match=r"c.jsonl:1: conversation_history\[2\]: field 'if_chosen' missing"):
        load_prism(write_rows(tmp_path / "c.jsonl", [unflagged]))
    bad_turn = json.loads(json.dumps(record))
    bad_turn["conversation_history"][0]["turn"] = "0"
    with pytest.raises(ConversationError, match=r"d.jsonl:1: conversation_history\[0\]: field 'turn' is str, not int"):
        load_prism(write_rows(tmp_path / "d.jsonl", [bad_turn]))


def test_prism_from_the_hub_loads_the_pinned_revision_of_the_conversations_config(monkeypatch):
    import datasets

    hub = FakeHub(rows(PRISM_ROWS))
    monkeypatch.setattr(datasets, "load_dataset", hub)
    assert [c.id for c in load_prism().conversations] == PRISM_KEPT
    assert hub.calls == [
        ((PRISM_DATASET, PRISM_CONFIG), {"split": "train", "revision": PRISM_REVISION, "streaming": True})
    ]
