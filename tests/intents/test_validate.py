"""`intents validate`: the shipped sets pass, and each rule catches a deliberately broken intent."""

import json

import pytest

from benchmark.cli import main
from benchmark.grading.humaneval import humaneval_problem
from benchmark.intents import curated_intents
from benchmark.intents.record import INTENT_PREFIX, Grading, Intent, Shard
from benchmark.intents.validate import (
    RULES,
    Sources,
    check_intent,
    demanded_numbers,
    gsm8k_source,
    humaneval_source,
    missing_numbers,
    numbers_in,
    validate_files,
)
from tests.conftest import GSM8K_TEST, needs_shared_data

QUESTION = (
    "Lena buys 3 boxes of pens for $1,250.50 in total. Each box holds twelve pens. "
    "She gives one box to her brother. How many pens does she keep?"
)
SOURCE = gsm8k_source(QUESTION, "3 - 1 = 2 boxes. 2 * 12 = 24.\n#### 24")
GOOD = Intent(
    id="gsm8k-lena-pens",
    source="gsm8k",
    source_id="lena/0",
    intent=f"{INTENT_PREFIX} find out how many pens Lena keeps. She buys 3 boxes of pens for $1,250.50 in total, "
    "each box holds twelve pens, and she gives one box to her brother.",
    shards=[
        Shard(id=1, text="How many pens does Lena keep?", required=True),
        Shard(id=2, text="She bought 3 boxes of pens for $1250.5 altogether.", required=True),
        Shard(id=3, text="Every box has 12 pens in it.", required=True),
        Shard(id=4, text="She gave a box to her brother.", required=True),
        Shard(id=5, text="Please show your working.", required=False),
    ],
    grading=Grading(answer="24"),
)
HUMANEVAL = next(i for i in curated_intents("humaneval") if i.id == "humaneval-3-below-zero")
HUMANEVAL_SOURCE = humaneval_source(humaneval_problem("HumanEval/3"))


def shards(intent, **changes):
    """The intent's shards with some texts replaced ({id: text}, or {id: None} to drop one)."""
    kept = []
    for shard in intent.shards:
        text = changes.get(f"s{shard.id}", shard.text)
        if text is not None:
            kept.append(Shard(id=len(kept) + 1, text=text, required=shard.required))
    return kept


def broken(base, **update):
    return Intent.model_validate({**base.model_dump(), **update})


def rules_of(intent, source):
    return {complaint.rule for complaint in check_intent(intent, source)}


def test_good_intents_pass_every_rule():
    assert check_intent(GOOD, SOURCE) == []
    assert check_intent(HUMANEVAL, HUMANEVAL_SOURCE) == []


# One deliberately broken intent per content rule.
GSM8K_BROKEN = {
    "opening_shard_required": lambda: broken(
        GOOD,
        shards=[
            {"id": 1, "text": "How many pens does Lena keep?", "required": False},
            *GOOD.model_dump()["shards"][1:],
        ],
    ),
    "no_duplicate_shards": lambda: broken(
        GOOD, shards=[*GOOD.model_dump()["shards"], {"id": 6, "text": "every box has 12 pens in it", "required": False}]
    ),
    "intent_carries_required_shards": lambda: broken(
        GOOD, intent=f"{INTENT_PREFIX} find out how many pens Lena keeps. She buys 3 boxes for $1,250.50."
    ),
    "source_numbers_in_required_shards": lambda: broken(GOOD, shards=shards(GOOD, s3=None)),
    "shard_numbers_in_source": lambda: broken(GOOD, shards=shards(GOOD, s4="She gives 1 box away, so 2 are left.")),
    "grading_matches_source": lambda: broken(GOOD, grading={"answer": "36"}),
}
HUMANEVAL_BROKEN = {
    "grading_matches_source": lambda: broken(HUMANEVAL, grading={"task_id": "HumanEval/4"}),
    "humaneval_entry_point": lambda: broken(HUMANEVAL, intent=HUMANEVAL.intent.replace("below_zero", "the function")),
    "humaneval_inputs": lambda: broken(
        HUMANEVAL,
        intent=f"{INTENT_PREFIX} get a Python function named below_zero that returns True if a running balance "
        "ever goes negative, else False; empty means False. below_zero([1, 2, -4, 5]) is True.",
    ),
    "humaneval_output": lambda: broken(
        HUMANEVAL,
        intent=f"{INTENT_PREFIX} get a Python function named below_zero over a list of integers, the operations "
        "on an account starting at zero, that checks if the balance goes negative; empty lists too.",
    ),
    "humaneval_empty_input": lambda: broken(
        HUMANEVAL, intent=HUMANEVAL.intent.replace(", and an empty list returns False", "")
    ),
    "shard_numbers_in_source": lambda: broken(
        HUMANEVAL, shards=shards(HUMANEVAL, s5="Example: [7, 8, -40] gives True.")
    ),
    "intent_carries_required_shards": lambda: broken(
        HUMANEVAL, shards=shards(HUMANEVAL, s5="Examples: [1, 2, -4, 5] gives True, 'abc' is not allowed.")
    ),
}


@pytest.mark.parametrize("rule", sorted(GSM8K_BROKEN))
def test_each_rule_catches_a_broken_gsm8k_intent(rule):
    assert rule in rules_of(GSM8K_BROKEN[rule](), SOURCE)


@pytest.mark.parametrize("rule", sorted(HUMANEVAL_BROKEN))
def test_each_rule_catches_a_broken_humaneval_intent(rule):
    assert rule in rules_of(HUMANEVAL_BROKEN[rule](), HUMANEVAL_SOURCE)


def test_every_rule_has_a_broken_example():
    names = {rule.__name__ for rule in RULES}
    assert names == set(GSM8K_BROKEN) | set(HUMANEVAL_BROKEN)


def test_complaint_names_field_problem_and_fix():
    complaints = check_intent(GSM8K_BROKEN["shard_numbers_in_source"](), SOURCE)
    (complaint,) = [c for c in complaints if c.rule == "shard_numbers_in_source"]
    assert str(complaint) == (
        "shards[id=4].text: states '2', which the source problem does not "
        "(state only the problem's own numbers; never computed results)"
    )
    (complaint,) = check_intent(GSM8K_BROKEN["source_numbers_in_required_shards"](), SOURCE)
    assert complaint.field == "shards" and "'twelve'" in complaint.problem


def test_carry_rule_checks_quoted_literals_and_gsm8k_wording():
    text = f"{INTENT_PREFIX} find out how many pens Lena keeps. She buys 3 boxes of pens."
    intent = broken(GOOD, intent=text, shards=[*shards(GOOD, s2="She bought 3 boxes of pens.", s3=None, s4=None)])
    assert check_intent(intent, None) == []
    worded = broken(
        intent,
        shards=[*intent.model_dump()["shards"], {"id": 4, "text": "Her brother owns a red bicycle.", "required": True}],
    )
    (complaint,) = check_intent(worded, None)
    assert "content words" in complaint.problem


@pytest.mark.parametrize(
    ("text", "other"),
    [
        ("It costs $1,000.", "it costs 1000 dollars"),
        ("It costs 3.50 a day.", "3.5 per day"),
        ("She has three cats.", "3 cats"),
        ("She has 3 cats.", "three cats"),
        ("It is twenty-five miles.", "25 miles"),
        ("He bought 2 dozen eggs.", "24 eggs"),
        ("He earns 20k a year.", "20,000 a year"),
        ("He earns $3 million.", "3,000,000"),
        ("He gets 1/3 of it.", "he gets one-third of it"),
        ("Bob runs 2 times as fast.", "Bob runs twice as fast"),
        ("It has 50% off.", "50 percent"),
    ],
)
def test_numbers_match_in_their_different_spellings(text, other):
    assert missing_numbers(text, other) == []


def test_number_rules():
    # a bare "one" (a pronoun as often as a number) and ordinals need not be matched
    assert demanded_numbers("One of them came third.") == []
    assert "1" in numbers_in("one of them")
    # but they count as stating their number, and wrong numbers still miss
    assert [m.text for m in missing_numbers("She paid $18.", "she paid 81 dollars")] == ["18"]
    # number words are skipped when they are wording (HumanEval), numerals are not
    assert demanded_numbers("Take two lists and return 5.", words=False)[0].text == "5"
    # code: a literal prefix is not a number, commas separate, powers are stated values
    assert "0" not in numbers_in("the prefix '0b'")
    assert {"964", "977"} <= numbers_in("candidate(964,977)")
    assert "1000" in numbers_in("1 <= n <= 10^3")


def test_humaneval_source_folds_test_arithmetic():
    source = humaneval_source(humaneval_problem("HumanEval/31"))  # the tests check candidate(5 * 17)
    assert "85" in numbers_in(source.text)


def write(path, *records):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))
    return path


def test_cli_prints_one_line_per_problem_and_exits_1(tmp_path, capsys):
    bad = GSM8K_BROKEN["grading_matches_source"]().model_dump(exclude_none=True)
    schema = {**GOOD.model_dump(exclude_none=True), "id": "gsm8k-second", "source": "mmlu", "extra": 1}
    path = write(
        tmp_path / "mine.jsonl", GOOD.model_dump(exclude_none=True), "{oops", schema, {**bad, "id": "gsm8k-third"}
    )
    problems = write(tmp_path / "problems.jsonl", {"question": QUESTION, "answer": "#### 24"})
    assert main(["intents", "validate", str(path), "--data-path", str(problems)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"{path}:2: ?: record: not valid JSON (Expecting property name enclosed in double quotes) "
        "(write one JSON object per line)",
        f"{path}:3: gsm8k-second: source: Input should be 'gsm8k' or 'humaneval' (use one of the allowed values)",
        f"{path}:3: gsm8k-second: extra: Extra inputs are not permitted "
        "(remove it; intent records have id, source, source_id, intent, shards, grading)",
        f"{path}:4: gsm8k-third: grading.answer: '36' but the problem's gold answer is '24' (set it to '24')",
    ]


def test_cli_reports_duplicate_ids_and_unknown_sources(tmp_path, capsys):
    record = GOOD.model_dump(exclude_none=True)
    path = write(tmp_path / "i.jsonl", record, record, {**record, "id": "gsm8k-other", "source_id": "somewhere"})
    problems = write(tmp_path / "problems.jsonl", {"question": QUESTION, "answer": "#### 24"})
    assert main(["intents", "validate", str(path), "--data-path", str(problems)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:2: gsm8k-lena-pens: id: 'gsm8k-lena-pens' already used at {path}:1" in out
    assert f"{path}:3: gsm8k-other: source_id: cannot find the GSM8k problem 'somewhere'" in out


def test_cli_without_source_checks(tmp_path, capsys):
    path = write(tmp_path / "i.jsonl", GOOD.model_dump(exclude_none=True))
    assert main(["intents", "validate", str(path), "--no-source-checks"]) == 0
    assert "no problems" in capsys.readouterr().err


def test_shipped_humaneval_set_passes():
    count, findings = validate_files([_curated("humaneval")], Sources())
    assert count == 45 and [str(f) for f in findings] == []


@needs_shared_data
def test_shipped_sets_pass(capsys):
    assert main(["intents", "validate", "--data-path", str(GSM8K_TEST)]) == 0
    assert "65 intents in 2 files, schema and content checks: no problems" in capsys.readouterr().err


def _curated(source):
    from importlib import resources

    from benchmark.intents.sets import CURATED_FILES

    return str(resources.files("benchmark.intents").joinpath("data", CURATED_FILES[source]))
