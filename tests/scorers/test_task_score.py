"""`task_score` with answer_extraction=llm: a scripted judge sorts the assistant turns and reads the answers;
malformed replies are retried, then the grade falls back to rules; the agreement metric; the settings."""

from __future__ import annotations

import json
import math
import re

import pytest
from inspect_ai import eval, score
from inspect_ai.model import ChatMessage, GenerateConfig, ModelOutput, get_model
from inspect_ai.tool import ToolChoice, ToolInfo

from benchmark.constants import (
    END_TOKEN,
    EXTRACTION_AGREEMENT,
    EXTRACTION_FALLBACKS,
    JUDGE_MAX_RETRIES,
    JUDGE_ROLE,
    TASK_SCORE,
    USER_ROLE,
)
from benchmark.grading.humaneval import humaneval_problem
from benchmark.intents import curated_intents
from benchmark.judging.answers import AnswerExtractionError
from benchmark.judging.replies import JUDGE_RETRY
from benchmark.serving.scripted import scripted_output
from scorers.task_score import extraction_figures, task_score
from tasks.gsm8k_multiturn import gsm8k_multiturn
from tasks.humaneval_multiturn import humaneval_multiturn
from tests.conftest import RecordingAssistant, scripted_user

_HEADER = re.compile(r"^\[(?:person|assistant, message (\d+))\] ", re.MULTILINE)
_STATED = re.compile(r"the answer is (\d+)|covers (\d+) miles")


class ScriptedJudge:
    """A judge that reads the numbered assistant messages of its prompt.

    GSM8k: a message stating "the answer is N" (or "covers N miles") is an answer attempt with answer N,
    any other a clarification; with `first_only`, attempts after the first are discussion. HumanEval: a
    message with a python block is an answer attempt (with `first_only`, only the first). `bad_replies`
    malformed replies come first. The coverage judge's calls (user_behaviour) get empty labels and are not
    recorded in `calls`.
    """

    def __init__(self, bad_replies: int = 0, first_only: bool = False) -> None:
        self.bad_replies = bad_replies
        self.first_only = first_only
        self.calls: list[list[ChatMessage]] = []

    def __call__(
        self, input: list[ChatMessage], tools: list[ToolInfo], tool_choice: ToolChoice, config: GenerateConfig
    ) -> ModelOutput:
        if "SHARDS" in input[1].text:  # the coverage judge's call (user_behaviour): nothing revealed
            n_turns = len(re.findall(r"^\[person, message \d+\]", input[1].text, re.MULTILINE))
            labels = [{"turn": k, "shards": [], "adds_demand": False} for k in range(1, n_turns + 1)]
            return scripted_output("mockllm/model", json.dumps({"turns": labels}))
        self.calls.append(list(input))
        retries = sum(1 for m in input if m.role == "user" and m.text.startswith(JUDGE_RETRY.split("{")[0]))
        if retries < self.bad_replies:
            return scripted_output("mockllm/model", "The last message is the answer.")
        code = "Python function" in input[0].text
        turns, attempted = [], False
        parts = _HEADER.split(input[1].text)
        for number, text in [(n, t) for n, t in zip(parts[1::2], parts[2::2], strict=True) if n is not None]:
            stated = _STATED.search(text)
            attempt = ("```python" in text) if code else stated is not None
            category = "answer_attempt" if attempt and not (self.first_only and attempted) else "discussion"
            attempted = attempted or attempt
            entry = {"turn": int(number), "category": category if attempt else "clarification"}
            if not code:
                entry["answer"] = (
                    next(g for g in stated.groups() if g) if entry["category"] == "answer_attempt" else None
                )
            turns.append(entry)
        return scripted_output("mockllm/model", json.dumps({"turns": turns}))

    def model(self):
        return get_model("mockllm/model", custom_outputs=self, memoize=False)


def gsm8k_run(tmp_path, judge, limit: int = 2, **kwargs):
    roles = {JUDGE_ROLE: judge.model()} if judge is not None else None
    (log,) = eval(
        gsm8k_multiturn,  # created inside the eval, with its roles bound, as `inspect eval` does
        task_args={"simulator": "scripted", "answer_extraction": "llm"},
        model="scripted/assistant",
        model_roles=roles,
        limit=limit,
        log_dir=str(tmp_path),
        display="none",
        **kwargs,
    )
    assert log.status == "success", log.error
    return log


def task_metrics(log) -> dict[str, float]:
    return {key: m.value for s in log.results.scores if s.name == TASK_SCORE for key, m in s.metrics.items()}


def assistant_numbers(sample) -> list[str | None]:
    """The number each assistant turn of a scripted conversation states (None: it asks a question)."""
    found = [re.search(r"the answer is (\d+)", m.text) for m in sample.messages if m.role == "assistant"]
    return [None if match is None else match.group(1) for match in found]


def categories(numbers: list[str | None]) -> list[str]:
    return ["clarification" if number is None else "answer_attempt" for number in numbers]


def test_the_judge_sorts_each_turn_and_its_last_attempt_is_graded(tmp_path):
    judge = ScriptedJudge()
    log = gsm8k_run(tmp_path, judge)
    assert len(judge.calls) == 2  # one call per conversation
    for sample in log.samples:
        score = sample.scores[TASK_SCORE]
        numbers = assistant_numbers(sample)
        meta = score.metadata
        assert meta["extraction"] == "llm" and meta["judge_attempts"] == 1 and meta["judge_errors"] == []
        assert meta["turn_categories"] == categories(numbers)
        assert meta["answer_turn"] == len(numbers) and meta["llm_answer"] == numbers[-1] == score.answer
        assert meta["rules_answer"] == numbers[-1] and meta["extractions_agree"] is True
        assert meta["judge_model"] == "mockllm/model" and score.value == 0  # the scripted sums are wrong
    assert task_metrics(log)[EXTRACTION_AGREEMENT] == 1.0 and task_metrics(log)[EXTRACTION_FALLBACKS] == 0.0
    prompt = judge.calls[0][1].text
    assert "[assistant, message 1]" in prompt and "[person]" in prompt


def test_an_earlier_attempt_is_graded_when_the_judge_says_so(tmp_path):
    log = gsm8k_run(tmp_path, ScriptedJudge(first_only=True))
    for sample in log.samples:
        numbers = assistant_numbers(sample)
        meta = sample.scores[TASK_SCORE].metadata
        first = meta["answer_turn"]
        assert meta["turn_categories"][:first] == categories(numbers)[:first] and numbers[first - 1] is not None
        assert set(meta["turn_categories"][first:]) == {"discussion"}
        assert meta["llm_answer"] == numbers[meta["answer_turn"] - 1] != meta["rules_answer"] == numbers[-1]
        assert meta["extractions_agree"] is False
    assert task_metrics(log)[EXTRACTION_AGREEMENT] == 0.0


def test_the_judge_read_answer_decides_the_grade(tmp_path):
    """The assistant answers 18 (the gold), then revises to 28; the judge takes the first as the answer."""
    replies = iter(["So she covers 18 miles.", "Sorry, I misread the times: she covers 28 miles."])
    user = scripted_user("help me find how far dana travels in six hours", "she runs four times as fast", END_TOKEN)
    (log,) = eval(
        gsm8k_multiturn,
        task_args={"answer_extraction": "llm", "intents": "curated"},
        model=RecordingAssistant(lambda _: next(replies)).model(),
        model_roles={USER_ROLE: user, JUDGE_ROLE: ScriptedJudge(first_only=True).model()},
        limit=1,
        log_dir=str(tmp_path),
        display="none",
    )
    assert log.status == "success", log.error
    score = log.samples[0].scores[TASK_SCORE]
    assert score.metadata["gold"] == "18" and score.value == 1 and score.answer == "18"
    assert score.metadata["rules_answer"] == "28" and score.metadata["extractions_agree"] is False
    assert score.explanation == "So she covers 18 miles."


def test_a_malformed_reply_is_retried(tmp_path):
    judge = ScriptedJudge(bad_replies=1)
    log = gsm8k_run(tmp_path, judge, limit=1)
    meta = log.samples[0].scores[TASK_SCORE].metadata
    assert meta["extraction"] == "llm" and meta["judge_attempts"] == 2
    assert "not valid JSON" in meta["judge_errors"][0]
    assert judge.calls[1][-2].role == "assistant" and judge.calls[1][-1].text.startswith("That reply could not")


def test_an_always_malformed_judge_falls_back_to_rules(tmp_path):
    judge = ScriptedJudge(bad_replies=99)
    log = gsm8k_run(tmp_path, judge)
    assert len(judge.calls) == 2 * (JUDGE_MAX_RETRIES + 1)
    for sample in log.samples:
        score = sample.scores[TASK_SCORE]
        meta = score.metadata
        assert meta["extraction"] == "rules_fallback" and len(meta["judge_errors"]) == JUDGE_MAX_RETRIES + 1
        assert meta["turn_categories"] is None and meta["llm_answer"] is None and meta["extractions_agree"] is None
        assert score.answer == meta["rules_answer"] == assistant_numbers(sample)[-1]
    metrics = task_metrics(log)
    assert metrics[EXTRACTION_FALLBACKS] == 2.0 and math.isnan(metrics[EXTRACTION_AGREEMENT])


def test_a_judge_call_that_raises_falls_back_to_rules(tmp_path):
    def broken(input, tools, tool_choice, config):
        raise RuntimeError("judge server down")

    class Broken:
        def model(self):
            return get_model("mockllm/model", custom_outputs=broken, memoize=False)

    log = gsm8k_run(tmp_path, Broken(), limit=1, max_retries=0)
    sample = log.samples[0]
    meta = sample.scores[TASK_SCORE].metadata
    assert sample.error is None and meta["extraction"] == "rules_fallback" and meta["judge_attempts"] == 1
    assert "judge server down" in meta["judge_errors"][0]


def test_llm_extraction_needs_the_judge_role_before_any_model_call():
    with pytest.raises(AnswerExtractionError, match=re.escape("--model-role judge=")):
        gsm8k_multiturn(simulator="scripted", answer_extraction="llm")
    with pytest.raises(ValueError, match=re.escape("unknown answer_extraction 'model'")):
        gsm8k_multiturn(answer_extraction="model")
    with pytest.raises(ValueError, match=re.escape("use -T answer_extraction=rules|llm")):
        humaneval_multiturn(answer_extraction=1)


def test_the_setting_is_recorded_and_rules_adds_no_agreement_metric(tmp_path):
    task = gsm8k_multiturn(simulator="scripted")
    assert task.metadata["settings"]["answer_extraction"] == "rules"
    assert not any(s.startswith("answer_extraction") for s in task.metadata["changed_settings"])
    (log,) = eval(task, model="scripted/assistant", limit=1, log_dir=str(tmp_path), display="none")
    assert log.samples[0].scores[TASK_SCORE].metadata["extraction"] == "rules"
    assert EXTRACTION_AGREEMENT not in task_metrics(log) and "mean" in task_metrics(log)
    judged = gsm8k_run(tmp_path, ScriptedJudge(), limit=1)
    assert judged.eval.metadata["settings"]["answer_extraction"] == "llm"
    assert "answer_extraction=llm" in judged.eval.metadata["changed_settings"]


def test_a_simulator_failure_stays_missing_and_is_not_judged(tmp_path):
    judge = ScriptedJudge()
    (log,) = eval(
        gsm8k_multiturn,
        task_args={"answer_extraction": "llm", "max_resamples": 0, "max_restarts": 0},
        model=RecordingAssistant().model(),
        model_roles={USER_ROLE: scripted_user("I"), JUDGE_ROLE: judge.model()},
        limit=1,
        log_dir=str(tmp_path),
        display="none",
    )
    score = log.samples[0].scores[TASK_SCORE]
    assert math.isnan(score.value) and "extraction" not in score.metadata and judge.calls == []


INTENT = curated_intents("humaneval")[0]
PROBLEM = humaneval_problem(INTENT.grading.task_id)
WRONG = f"A shorter variant, untested:\n```python\ndef {PROBLEM.entry_point}(*args):\n    return None\n```"


@pytest.mark.parametrize(("first_only", "value", "agree"), [(False, 0, True), (True, 1, False)])
def test_humaneval_tests_the_code_up_to_the_judges_last_attempt(tmp_path, first_only, value, agree):
    replies = iter([f"Here you go:\n```python\n{PROBLEM.reference_program}\n```", WRONG])
    user = scripted_user(f"need a python function called {PROBLEM.entry_point} please", "can it be shorter", END_TOKEN)
    judge = ScriptedJudge(first_only=first_only)
    (log,) = eval(
        humaneval_multiturn,
        task_args={"answer_extraction": "llm"},
        model=RecordingAssistant(lambda _: next(replies)).model(),
        model_roles={USER_ROLE: user, JUDGE_ROLE: judge.model()},
        limit=1,
        log_dir=str(tmp_path),
        display="none",
    )
    assert log.status == "success", log.error
    score = log.samples[0].scores[TASK_SCORE]
    meta = score.metadata
    expected = ["answer_attempt", "discussion"] if first_only else ["answer_attempt", "answer_attempt"]
    assert meta["extraction"] == "llm" and meta["turn_categories"] == expected
    assert score.value == value and meta["extractions_agree"] is agree
    assert meta["llm_answer"] == score.answer and "return None" in meta["rules_answer"]
    assert '"answer"' not in judge.calls[0][0].text  # HumanEval: categories only


def test_extraction_figures_from_score_metadata():
    metadata = [
        {"extraction": "llm", "extractions_agree": True},
        {"extraction": "llm", "extractions_agree": False},
        {"extraction": "llm", "extractions_agree": True},
        {"extraction": "rules_fallback", "extractions_agree": None},
        {"reason": "simulator_failed"},
        None,
    ]
    assert extraction_figures(metadata) == {EXTRACTION_AGREEMENT: 2 / 3, EXTRACTION_FALLBACKS: 1.0}
    assert math.isnan(extraction_figures([{"extraction": "rules"}])[EXTRACTION_AGREEMENT])


def test_a_rules_log_rescored_with_the_judge_reports_agreement(tmp_path):
    """How the demo's logs are measured: `inspect score LOG --scorer scorers/task_score.py@task_score
    -S answer_extraction=llm --model-role judge=... --action append`, here through Inspect's score()."""
    task = gsm8k_multiturn(simulator="scripted")
    (log,) = eval(task, model="scripted/assistant", limit=3, log_dir=str(tmp_path), display="none")
    judge = ScriptedJudge()
    llm = task_score(answer_extraction="llm")
    rescored = score(log, scorers=[llm], model_roles={JUDGE_ROLE: judge.model()}, display="none")
    assert len(judge.calls) == 3 and all(
        s.scores[TASK_SCORE].metadata["extraction"] == "rules" for s in rescored.samples
    )
    added = [name for name in rescored.samples[0].scores if name.startswith(TASK_SCORE) and name != TASK_SCORE]
    (name,) = added
    figures = extraction_figures(sample.scores[name].metadata for sample in rescored.samples)
    assert figures == {EXTRACTION_AGREEMENT: 1.0, EXTRACTION_FALLBACKS: 0.0}
    (metrics,) = [s.metrics for s in rescored.results.scores if s.name == name and EXTRACTION_AGREEMENT in s.metrics]
    assert metrics[EXTRACTION_AGREEMENT].value == 1.0
