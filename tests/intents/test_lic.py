"""The Lost in Conversation loader, on a small fixture we wrote in LiC's schema."""

import json
import logging
from pathlib import Path

import pytest
from inspect_ai import eval

from benchmark.intents import IntentError, load_intent_set
from benchmark.intents.sources.lic import iter_records, lic_intents, read_lic
from benchmark.intents.validate import check_intent
from tasks.gsm8k_multiturn import gsm8k_multiturn

FIXTURE = Path(__file__).parent / "lic_sample.jsonl"
RECORDS = [json.loads(line) for line in FIXTURE.read_text().splitlines()]


def test_fixture_maps_math_and_humaneval_records():
    load = read_lic(FIXTURE)
    assert [item.intent.id for item in load.items] == [
        "lic-gsm8k-0",
        "lic-gsm8k-7",
        "lic-humaneval-0",
        "lic-humaneval-53",
    ]
    assert [item.line for item in load.items] == [1, 2, 3, 4]
    assert load.skipped == {"code records not from HumanEval": 1, "database records": 1, "summary records": 1}


def test_math_record():
    janet, baker = read_lic(FIXTURE).items[:2]
    intent = janet.intent
    assert (intent.source, intent.source_id, intent.grading.answer) == ("gsm8k", "sharded-GSM8K/0", "18")
    assert [s.text for s in intent.shards] == [s["shard"] for s in RECORDS[0]["shards"]]
    assert all(s.required for s in intent.shards)
    assert RECORDS[0]["question"] in intent.intent
    # shards come in shard_id order (the file lists 2 before 1), read from `shard_text` too
    assert baker.intent.shards[0].text == "How many rolls does the baker have left?"
    # a shard with a fact the question lacks (LiC's "48 rolls in all") is added to the intent text
    assert "48 rolls in all" in baker.intent.intent
    for item in (janet, baker):
        assert not [c for c in check_intent(item.intent, item.source) if c.rule == "intent_carries_required_shards"]


def test_humaneval_record():
    item = read_lic(FIXTURE).items[2]
    intent = item.intent
    assert (intent.source, intent.source_id, intent.grading.task_id) == ("humaneval", "HumanEval/0", "HumanEval/0")
    assert "def has_close_elements(numbers: List[float], threshold: float) -> bool" in intent.intent
    assert all(shard.text in intent.intent for shard in intent.shards)
    assert intent.shards[0].text.startswith("Write a Python function")


def test_intent_sets_and_the_skip_count(caplog):
    with caplog.at_level(logging.WARNING, logger="benchmark.intents.sources.lic"):
        gsm8k = load_intent_set("gsm8k", "lic", str(FIXTURE))
    assert [i.id for i in gsm8k] == ["lic-gsm8k-0", "lic-gsm8k-7"]
    assert (
        f"{FIXTURE}: using 2 GSM8K math records of 7; skipped 2 HumanEval records (for the other task), "
        "1 code records not from HumanEval, 1 database records, 1 summary records"
    ) in caplog.text
    assert [i.id for i in lic_intents(FIXTURE, "humaneval")] == ["lic-humaneval-0", "lic-humaneval-53"]
    with pytest.raises(IntentError, match="-T intents=lic needs -T data_path=FILE"):
        load_intent_set("gsm8k", "lic")


def test_json_array_file_has_line_numbers(tmp_path):
    path = tmp_path / "lic.json"
    path.write_text(json.dumps(RECORDS[:2], indent=2))
    lines = [line for line, _ in iter_records(path)]
    assert lines == [2, 2 + json.dumps(RECORDS[0], indent=2).count("\n") + 1]
    assert [i.id for i in lic_intents(path, "gsm8k")] == ["lic-gsm8k-0", "lic-gsm8k-7"]


def changed(index, **update):
    record = json.loads(json.dumps(RECORDS[index]))
    for key, value in update.items():
        target = record
        *parents, last = key.split("__")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is None:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value
    return record


@pytest.mark.parametrize(
    ("record", "field", "message"),
    [
        (changed(0, question=None), "question", "missing"),
        (changed(0, answer="It is 18."), "answer", "no '#### N'"),
        (changed(0, answer="#### eighteen"), "answer", "not a number"),
        (changed(0, shards=[]), "shards", "missing or empty"),
        (changed(0, shards__1__shard_id=1), "shards.1.shard_id", "used twice"),
        (changed(0, shards__1__shard="  "), "shards.1.shard", "missing, empty"),
        (changed(0, shards__4__shard_id=9), "shards", "must be 1..5"),
        (changed(2, metadata={}), "metadata.func_name", "missing"),
        (changed(2, metadata={"func_name": "close"}), "metadata.func_name", "tests 'has_close_elements'"),
        (changed(2, task_id="sharded-HumanEval/999"), "task_id", "no HumanEval problem"),
        (changed(2, prompt="def oops(:\n"), "prompt", "is not Python"),
        (changed(0, task=None), "task", "missing"),
    ],
)
def test_malformed_record_names_file_line_field(tmp_path, record, field, message):
    path = tmp_path / "lic.jsonl"
    path.write_text(json.dumps(RECORDS[5]) + "\n" + json.dumps(record) + "\n")
    with pytest.raises(IntentError) as err:
        read_lic(path)
    assert f"{path}:2: field '{field}': " in str(err.value)
    assert message in str(err.value)


def test_not_json_and_missing_file(tmp_path):
    path = tmp_path / "lic.jsonl"
    path.write_text(json.dumps(RECORDS[0]) + "\n{nope\n")
    with pytest.raises(IntentError, match=r"lic.jsonl:2: not valid JSON"):
        read_lic(path)
    with pytest.raises(IntentError, match="microsoft/lost_in_conversation"):
        read_lic(tmp_path / "absent.jsonl")
    only_other = tmp_path / "other.jsonl"
    only_other.write_text(json.dumps(RECORDS[5]) + "\n")
    with pytest.raises(IntentError, match="using 0 GSM8K math records of 1.*no records for this task"):
        lic_intents(only_other, "gsm8k")


def test_gsm8k_task_runs_lic_intents(tmp_path):
    task = gsm8k_multiturn(simulator="scripted", intents="lic", data_path=str(FIXTURE), max_turns=2)
    assert [sample.id for sample in task.dataset] == ["lic-gsm8k-0", "lic-gsm8k-7"]
    (log,) = eval(task, model="scripted/assistant", log_dir=str(tmp_path), display="none")
    assert log.status == "success", log.error
    assert len(log.samples) == 2
