import json

import pytest

from benchmark.intents import IntentError, curated_intents, load_intent_set, read_intents
from benchmark.intents.record import INTENT_PREFIX
from benchmark.intents.sentences import split_sentences
from benchmark.intents.sources.gsm8k import gsm8k_intents, read_gsm8k_jsonl
from tests.conftest import GSM8K_TEST, needs_shared_data

GOOD = {
    "id": "gsm8k-x",
    "source": "gsm8k",
    "source_id": "test/1",
    "intent": f"{INTENT_PREFIX} find out how many apples there are. 3 bags of 4 apples.",
    "shards": [
        {"id": 1, "text": "How many apples are there?", "required": True},
        {"id": 2, "text": "There are 3 bags.", "required": True},
        {"id": 3, "text": "Each bag has 4 apples.", "required": True},
    ],
    "grading": {"answer": "12"},
}


def write_lines(path, *records):
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n")
    return path


def test_good_record_loads(tmp_path):
    (intent,) = read_intents(write_lines(tmp_path / "i.jsonl", GOOD))
    assert intent.required_shards[0].text == "How many apples are there?"


@pytest.mark.parametrize(
    ("change", "field", "expected"),
    [
        ({"shards": []}, "shards", "at least 1"),
        ({"grading": {"answer": "twelve"}}, "grading.answer", "gold number"),
        ({"intent": "Solve this."}, "intent", INTENT_PREFIX),
        ({"source": "mmlu"}, "source", "gsm8k"),
        ({"shards": [{"id": 1, "text": "x", "required": "yes"}]}, "shards.0.required", "boolean"),
        ({"shards": [{"id": 2, "text": "x", "required": True}]}, "shards", "1, 2"),
        ({"extra": 1}, "extra", "not permitted"),
        ({"source": "humaneval"}, "grading.task_id", "HumanEval/0"),
    ],
)
def test_malformed_record_names_file_line_field(tmp_path, change, field, expected):
    path = write_lines(tmp_path / "bad.jsonl", GOOD, {**GOOD, "id": "gsm8k-y", **change})
    with pytest.raises(IntentError) as err:
        read_intents(path)
    message = str(err.value)
    assert f"{path}:2:" in message
    assert field in message
    assert expected in message


def test_invalid_json_and_duplicate_ids(tmp_path):
    with pytest.raises(IntentError, match=r"bad.jsonl:1: not valid JSON"):
        read_intents(write_lines(tmp_path / "bad.jsonl", "{oops"))
    with pytest.raises(IntentError, match=r"dup.jsonl:2: field 'id': 'gsm8k-x' already used on line 1"):
        read_intents(write_lines(tmp_path / "dup.jsonl", GOOD, GOOD))
    with pytest.raises(IntentError, match="not found"):
        read_intents(tmp_path / "missing.jsonl")


def test_curated_gsm8k_set():
    intents = curated_intents("gsm8k")
    assert len(intents) == 20
    assert len({i.source_id for i in intents}) == 20
    for intent in intents:
        assert 3 <= len(intent.shards) <= 8, intent.id
        assert intent.intent.startswith(INTENT_PREFIX)


@needs_shared_data
def test_curated_gold_matches_gsm8k():
    records = read_gsm8k_jsonl(GSM8K_TEST)
    for intent in curated_intents("gsm8k"):
        index = int(intent.source_id.split("/")[1])
        gold = records[index]["answer"].split("####")[-1].strip().replace(",", "")
        assert intent.grading.answer == gold, intent.id


@needs_shared_data
def test_full_gsm8k_from_local_file():
    intents = load_intent_set("gsm8k", data_path=str(GSM8K_TEST))
    assert len(intents) == 1319
    records = read_gsm8k_jsonl(GSM8K_TEST)
    for intent, record in zip(intents, records, strict=True):
        shards = [s.text for s in intent.shards]
        assert shards[0].endswith("?") or "?" not in record["question"], intent.id
        # every sentence of the problem is one shard, and the intent carries the whole problem
        assert sorted(shards) == sorted(dict.fromkeys(split_sentences(record["question"])))
        assert " ".join(record["question"].split()) in intent.intent
        assert intent.grading.answer == record["answer"].split("####")[-1].strip().replace(",", "")


def test_sentence_split_keeps_abbreviations():
    text = "Mr. Lee leaves at 8 a.m. and drives 3.5 hours. He stops twice. How far did he go?"
    assert split_sentences(text) == [
        "Mr. Lee leaves at 8 a.m. and drives 3.5 hours.",
        "He stops twice.",
        "How far did he go?",
    ]


def test_malformed_gsm8k_file(tmp_path):
    path = write_lines(tmp_path / "g.jsonl", {"question": "q?", "answer": "#### 3"}, {"question": "q?"})
    with pytest.raises(IntentError, match=r"g.jsonl:2: field 'answer' missing"):
        gsm8k_intents(path)
    path = write_lines(tmp_path / "h.jsonl", {"question": "q?", "answer": "no final line"})
    with pytest.raises(IntentError, match=r"h.jsonl:1: field 'answer' has no '#### N'"):
        gsm8k_intents(path)


def test_intent_set_errors(tmp_path):
    with pytest.raises(IntentError, match="unknown intent set 'nope'"):
        load_intent_set("gsm8k", "nope")
    with pytest.raises(IntentError, match="-T data_path=FILE is for -T intents=full"):
        load_intent_set("gsm8k", "curated", "x.jsonl")
    path = write_lines(tmp_path / "i.jsonl", GOOD)
    with pytest.raises(IntentError, match="not humaneval intents"):
        load_intent_set("humaneval", str(path))


def test_shipped_sets_validate_offline(capsys):
    from benchmark.cli import main

    assert main(["intents", "validate"]) == 0  # the curated GSM8k problems ship with the package
    assert "65 intents" in capsys.readouterr().err
