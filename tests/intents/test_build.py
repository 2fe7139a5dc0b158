"""`intents build`: the offline rules method and the LLM writer (role `writer`, scripted here)."""

import asyncio
import json

import pytest
from inspect_ai.model import ChatMessage, GenerateConfig, ModelOutput, get_model
from inspect_ai.tool import ToolChoice, ToolInfo

from benchmark.cli import intents as intents_cli
from benchmark.cli import main
from benchmark.constants import WRITER_MAX_ATTEMPTS, WRITER_ROLE
from benchmark.grading.humaneval import humaneval_problem
from benchmark.inspect_compat import bind_model_role_models, clear_model_roles
from benchmark.intents import read_intents
from benchmark.intents.build import (
    BuildItem,
    build_items,
    build_llm,
    build_rules,
    parse_ids,
    repair,
    write_intent,
    writer_model,
)
from benchmark.intents.record import INTENT_PREFIX, Intent, IntentError, Shard
from benchmark.intents.validate import Sources, check_intent, gsm8k_source, humaneval_source, validate_files
from benchmark.serving.scripted import scripted_output
from tests.conftest import GSM8K_TEST, needs_shared_data

QUESTION = "Tom has 4 bags with 6 marbles each. He loses 5 marbles. How many marbles does he have left?"
ANSWER = "4 * 6 = 24. 24 - 5 = 19.\n#### 19"


@pytest.fixture(autouse=True)
def no_roles_left_bound():
    yield
    clear_model_roles()  # the CLI binds roles in this thread's context; leave none for other tests


@pytest.fixture
def problems(tmp_path):
    path = tmp_path / "my_problems.jsonl"
    lines = [
        {"question": QUESTION, "answer": ANSWER},
        {"question": "Ann reads 3 books a week. How many in 2 weeks?", "answer": "#### 6"},
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def reply(intent: str, *shards: tuple[str, bool]) -> str:
    return json.dumps(
        {"intent": f"{INTENT_PREFIX} {intent}", "shards": [{"text": t, "required": r} for t, r in shards]}
    )


GOOD_REPLY = reply(
    "find out how many marbles Tom has left. He has 4 bags with 6 marbles each and loses 5 marbles.",
    ("How many marbles does Tom have left?", True),
    ("He has 4 bags.", True),
    ("Each bag holds 6 marbles.", True),
    ("He loses 5 marbles.", True),
)
COMPUTED_REPLY = reply(  # invalid shards: a computed number, and the 6 per bag is missing
    "find out how many marbles Tom has left. He has 4 bags with 6 marbles each and loses 5 marbles.",
    ("How many marbles does Tom have left?", True),
    ("He has 24 marbles in 4 bags.", True),
    ("He loses 5 marbles.", True),
)


class ScriptedWriter:
    """A writer model that returns `replies` in order and records every call."""

    def __init__(self, *replies: str) -> None:
        self.replies = list(replies)
        self.calls: list[tuple[list[ChatMessage], GenerateConfig]] = []

    def __call__(
        self, input: list[ChatMessage], tools: list[ToolInfo], tool_choice: ToolChoice, config: GenerateConfig
    ) -> ModelOutput:
        self.calls.append((list(input), config))
        text = self.replies[min(len(self.calls), len(self.replies)) - 1]
        return scripted_output("mockllm/model", text)

    def model(self):
        return get_model("mockllm/model", custom_outputs=self, memoize=False)


def item(problems) -> BuildItem:
    (first,) = build_items(str(problems), ids="0")
    return first


def test_parse_ids():
    assert parse_ids("0,5, 10-12,5") == [0, 5, 10, 11, 12]
    assert parse_ids("HumanEval/3,test/7") == [3, 7]
    assert parse_ids(None) is None
    with pytest.raises(IntentError, match="'x' is not an index"):
        parse_ids("x")


def test_items_from_own_file(problems):
    items = build_items(str(problems))
    assert [(i.id, i.source_id, i.problem.gold) for i in items] == [
        ("my-problems-0", "my-problems/0", "19"),
        ("my-problems-1", "my-problems/1", "6"),
    ]
    with pytest.raises(IntentError, match="beyond the 2 problems"):
        build_items(str(problems), ids="5")
    with pytest.raises(IntentError, match="--source 'nope'"):
        build_items("nope")


def test_writer_first_returns_invalid_shards_then_fixes_them(problems):
    writer = ScriptedWriter(COMPUTED_REPLY, "```json\n" + GOOD_REPLY + "\n```")
    outcome = asyncio.run(write_intent(writer.model(), item(problems)))
    assert outcome.status == "fixed" and outcome.attempts == 2
    assert "shard_numbers_in_source" in outcome.fixed and "source_numbers_in_required_shards" in outcome.fixed
    assert [s.text for s in outcome.intent.shards][1:3] == ["He has 4 bags.", "Each bag holds 6 marbles."]
    assert outcome.intent.id == "my-problems-0" and outcome.intent.grading.answer == "19"
    # the second call continues the chat: our prompt, the problem, the bad reply, validate's complaints
    (first, config), (second, _) = writer.calls
    assert first[0].role == "system" and QUESTION in first[1].text
    assert second[2].text == COMPUTED_REPLY
    assert "shards[id=2].text: states '24', which the source problem does not" in second[3].text
    assert "the problem's number(s) '6' are in no required shard" in second[3].text
    # structured output: the reply's JSON schema
    assert config.response_schema is not None and config.response_schema.name == "intent"
    assert config.response_schema.json_schema.required == ["intent", "shards"]


def test_writer_that_never_succeeds_is_reported_not_written(problems):
    writer = ScriptedWriter("Sure! Here is the intent you asked for.", '{"intent": "x", "shards": [], "extra": 1}')
    report = asyncio.run(build_llm([item(problems)], "mine", writer.model()))
    (outcome,) = report.outcomes
    assert outcome.status == "failed" and outcome.attempts == WRITER_MAX_ATTEMPTS
    assert len(writer.calls) == WRITER_MAX_ATTEMPTS
    assert "is not one JSON object" in writer.calls[1][0][-1].text
    assert "extra: Extra inputs are not permitted" in writer.calls[2][0][-1].text
    assert report.intents == []
    assert "  failed (not written): 1" in report.summary()


def test_a_failing_writer_call_fails_that_problem_only(problems):
    def broken_api(input, tools, tool_choice, config):
        raise RuntimeError("quota exceeded")

    model = get_model("mockllm/model", custom_outputs=broken_api, memoize=False)
    report = asyncio.run(build_llm(build_items(str(problems)), "mine", model, max_attempts=1))
    assert [o.status for o in report.outcomes] == ["failed", "failed"]
    assert "  my-problems-0: reply: the writer call failed: RuntimeError: quota exceeded" in report.summary()


def test_writer_prompt_for_humaneval_shows_prompt_and_tests():
    writer = ScriptedWriter("{}")
    (humaneval,) = build_items("humaneval", ids="HumanEval/3")
    asyncio.run(write_intent(writer.model(), humaneval, max_attempts=1))
    system, task = writer.calls[0][0]
    assert "name the function below_zero" in system.text
    assert "def below_zero(operations: List[int]) -> bool:" in task.text and "def check(candidate):" in task.text


def test_writer_role_must_be_bound():
    clear_model_roles()
    with pytest.raises(Exception, match=f"--model-role {WRITER_ROLE}=PROVIDER/MODEL"):
        writer_model()


def test_cli_llm_build_with_a_bound_writer(problems, tmp_path, monkeypatch, capsys):
    writer = ScriptedWriter(COMPUTED_REPLY, GOOD_REPLY)
    bound: list[list[str]] = []

    def bind(specs):
        bound.append(specs)
        bind_model_role_models({WRITER_ROLE: writer.model()})

    monkeypatch.setattr(intents_cli, "_bind_roles", bind)
    out = tmp_path / "built.jsonl"
    args = ["intents", "build", "--source", str(problems), "--ids", "0", "--out", str(out)]
    assert main([*args, "--model-role", "writer=openai/gpt-4o"]) == 0
    assert bound == [["writer=openai/gpt-4o"]]
    (intent,) = read_intents(out)
    assert intent.id == "my-problems-0"
    captured = capsys.readouterr()
    assert "[1/1] my-problems-0: fixed after 2 calls" in captured.err
    assert "rejected at first, then accepted: 1" in captured.out


def test_cli_llm_build_without_writer(problems, tmp_path, capsys):
    clear_model_roles()
    code = main(["intents", "build", "--source", str(problems), "--out", str(tmp_path / "o.jsonl")])
    assert code == 2
    assert "--method llm needs a writer model: pass --model-role writer=PROVIDER/MODEL" in capsys.readouterr().err


def test_repair_fixes_what_validate_rejects(problems):
    source = gsm8k_source(QUESTION, ANSWER)
    broken = Intent(
        id="x",
        source="gsm8k",
        source_id="my-problems/0",
        intent=f"{INTENT_PREFIX} find out how many marbles Tom has left.",
        shards=[
            Shard(id=1, text="How many marbles does Tom have left?", required=False),
            Shard(id=2, text="Tom has 4 bags with 6 marbles each.", required=True),
            Shard(id=3, text="tom has 4 bags with 6 marbles each", required=True),
            Shard(id=4, text="That makes 24 marbles.", required=False),
        ],
        grading={"answer": "20"},
    )
    rules = {c.rule for c in check_intent(broken, source)}
    assert rules == {
        "opening_shard_required",
        "no_duplicate_shards",
        "intent_carries_required_shards",
        "source_numbers_in_required_shards",
        "shard_numbers_in_source",
        "grading_matches_source",
    }
    fixed, remaining, by = repair(broken, source)
    assert remaining == [] and set(by) == rules
    assert [(s.text, s.required) for s in fixed.shards] == [
        ("How many marbles does Tom have left?", True),
        ("Tom has 4 bags with 6 marbles each.", True),
        ("He loses 5 marbles.", True),
    ]
    assert fixed.grading.answer == "19" and "He loses 5 marbles." in fixed.intent


def test_rules_build_all_humaneval(tmp_path, capsys):
    out = tmp_path / "humaneval.jsonl"
    assert main(["intents", "build", "--method", "rules", "--source", "humaneval", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "164 problems" in printed and "failed (not written): 0" in printed
    assert "humaneval_empty_input" in printed  # some derived intents needed the tests' empty case
    count, findings = validate_files([out], Sources())
    assert count == 164 and findings == []


def test_rules_build_own_file_then_validate(problems, tmp_path):
    out = tmp_path / "mine.jsonl"
    assert main(["intents", "build", "--method", "rules", "--source", str(problems), "--out", str(out)]) == 0
    assert [i.id for i in read_intents(out)] == ["my-problems-0", "my-problems-1"]
    assert main(["intents", "validate", str(out), "--data-path", str(problems)]) == 0
    assert main(["intents", "validate", str(out)]) == 1  # its source ids name your file: pass it


@needs_shared_data
def test_rules_build_all_gsm8k(tmp_path):
    report = build_rules(build_items("gsm8k", str(GSM8K_TEST)), "gsm8k")
    assert len(report.outcomes) == 1319 and report.count("failed") == 0
    out = tmp_path / "gsm8k.jsonl"
    assert main(["intents", "build", "--method", "rules", "--source", "gsm8k", "--ids", "0-49",
                 "--data-path", str(GSM8K_TEST), "--out", str(out)]) == 0  # fmt: skip
    assert main(["intents", "validate", str(out), "--data-path", str(GSM8K_TEST)]) == 0


def test_rules_method_takes_no_model(tmp_path, capsys):
    args = ["intents", "build", "--method", "rules", "--source", "humaneval", "--out", str(tmp_path / "o.jsonl")]
    assert main([*args, "--model-role", "writer=openai/gpt-4o"]) == 2
    assert "--model-role is for --method llm" in capsys.readouterr().err


def test_repair_states_what_the_humaneval_tests_check():
    source = humaneval_source(humaneval_problem("HumanEval/3"))
    vague = Intent(
        id="x",
        source="humaneval",
        source_id="HumanEval/3",
        intent=f"{INTENT_PREFIX} get code that spots an overdrawn bank account.",
        shards=[Shard(id=1, text="I need code that spots an overdrawn bank account.", required=True)],
        grading={"task_id": "HumanEval/3"},
    )
    rules = {c.rule for c in check_intent(vague, source)}
    assert {"humaneval_entry_point", "humaneval_inputs", "humaneval_output", "humaneval_empty_input"} <= rules
    fixed, remaining, _ = repair(vague, source)
    assert remaining == []
    assert "The function is `def below_zero(operations: List[int]) -> bool`." in fixed.intent
    assert "For an empty input, below_zero([]) returns False." in fixed.intent
    assert fixed.shards[-1].text == "For an empty input, below_zero([]) returns False."
