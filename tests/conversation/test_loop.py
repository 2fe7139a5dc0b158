"""The conversation loop end to end through Inspect's eval(), with scripted offline models."""

from __future__ import annotations

import logging
import math
import re
import subprocess
import sys

import pytest
from inspect_ai import eval
from inspect_ai.log import read_eval_log
from inspect_ai.model import ChatMessageAssistant, ChatMessageUser, GenerateConfig, get_model

import benchmark.conversation.simulators as simulators
from benchmark.constants import DEFAULT_MAX_RESTARTS, DEFAULT_USER_MODEL, END_TOKEN, USER_ROLE
from benchmark.conversation.guardrails import Guardrails
from benchmark.conversation.simulators import PROMPTED_FIRST_TURN_CUE, PromptedSimulator, UserLMSimulator
from benchmark.conversation.userlm import render_userlm_prompt
from benchmark.inspect_compat import vllm_servers_forgotten
from benchmark.intents import curated_intents
from benchmark.serving.scripted import scripted_output
from tasks.gsm8k_multiturn import gsm8k_multiturn
from tests.conftest import ROOT, RecordingAssistant, scripted_user

OK = "how many apples are in 3 bags"


def run(task, *, user=None, assistant=None, limit=1, tmp_path=None):
    roles = {USER_ROLE: user} if user is not None else None
    model = assistant.model() if assistant else get_model("scripted/assistant")
    (log,) = eval(task, model=model, model_roles=roles, limit=limit, log_dir=str(tmp_path), display="none")
    return log


def conversation(log, index=0):
    return log.samples[index].metadata["conversation"]


def test_rejected_draft_is_resampled_and_logged(tmp_path):
    user = scripted_user("I want to know about apples", f"\n{OK}", END_TOKEN)
    log = run(gsm8k_multiturn(), user=user, tmp_path=tmp_path)
    record = conversation(log)
    assert log.status == "success"
    assert record["stop_reason"] == "end_token"
    assert record["user_turns"] == 1 and record["assistant_turns"] == 1 and record["drafts"] == 3
    assert record["rejected_drafts"] == [
        {"turn": 0, "draft": "I want to know about apples", "reason": "banned_opener", "attempt": 0}
    ]
    assert [m.role for m in log.samples[0].messages] == ["user", "assistant"]
    assert log.samples[0].messages[0].text == OK


def test_no_acceptable_opening_is_a_simulator_failure_scored_missing(tmp_path):
    user = scripted_user("hi", "hello", "hey", "never used")
    log = run(gsm8k_multiturn(max_resamples=2, max_restarts=0), user=user, tmp_path=tmp_path)
    record = conversation(log)
    assert record["stop_reason"] == "no_opening"
    assert record["drafts"] == 3 and record["user_turns"] == 0 and record["restarts"] == 0
    assert [r["reason"] for r in record["rejected_drafts"]] == ["too_short"] * 3
    scores = log.samples[0].scores
    assert math.isnan(scores["task_score"].value) and scores["task_score"].metadata["reason"] == "simulator_failed"
    assert all(math.isnan(v) for v in scores["user_behaviour"].value.values())
    assert math.isnan(scores["turn_stats"].value["user_turns"])
    metrics = {m.name: m.value for s in log.results.scores for m in s.metrics.values()}
    assert metrics["simulator_failures"] == 1.0 and math.isnan(metrics["mean"])
    assert next(s for s in log.results.scores if s.name == "task_score").unscored_samples == 1


def test_a_failed_opening_is_restarted_from_scratch(tmp_path):
    user = scripted_user("hi", "hello", "hey", OK, END_TOKEN)
    log = run(gsm8k_multiturn(max_resamples=2, max_restarts=1), user=user, tmp_path=tmp_path)
    record = conversation(log)
    assert record["stop_reason"] == "end_token" and record["restarts"] == 1
    assert record["failed_attempts"] == [
        {"stop_reason": "no_opening", "user_turns": 0, "assistant_turns": 0, "error": None}
    ]
    assert [r["attempt"] for r in record["rejected_drafts"]] == [0, 0, 0]
    assert [m.text for m in log.samples[0].messages if m.role == "user"] == [OK]  # only the last start's turns
    assert log.samples[0].scores["task_score"].value in (0, 1)
    restarts = [e for e in log.samples[0].events if e.event == "info" and e.source == "conversation"]
    assert len(restarts) == 1 and restarts[0].data["restart"] == 1


def test_a_simulator_that_stalls_after_the_assistant_answered_is_restarted_then_missing(tmp_path):
    user = scripted_user(OK, "hi", "hi", "hi")
    log = run(gsm8k_multiturn(max_resamples=2, max_restarts=0), user=user, tmp_path=tmp_path)
    record = conversation(log)
    assert record["stop_reason"] == "stalled" and record["assistant_turns"] == 1
    assert math.isnan(log.samples[0].scores["task_score"].value)


def test_an_error_output_of_the_user_model_is_a_simulator_failure(tmp_path):
    broken = scripted_output("mockllm/model", "")
    broken.error = "the user model refused"
    user = get_model("mockllm/model", custom_outputs=[broken])
    log = run(gsm8k_multiturn(max_restarts=0), user=user, tmp_path=tmp_path)
    record = conversation(log)
    assert record["stop_reason"] == "user_error" and "refused" in record["error"]
    assert math.isnan(log.samples[0].scores["task_score"].value)


def test_an_error_output_of_the_assistant_is_the_assistants(tmp_path):
    def reply(messages):
        raise AssertionError("not used")

    broken = scripted_output("mockllm/model", "")
    broken.error = "context length exceeded"
    assistant = get_model("mockllm/model", custom_outputs=[broken])
    (log,) = eval(
        gsm8k_multiturn(),
        model=assistant,
        model_roles={USER_ROLE: scripted_user(OK)},
        limit=1,
        log_dir=str(tmp_path),
        display="none",
    )
    record = conversation(log)
    assert record["stop_reason"] == "assistant_error" and record["restarts"] == 0
    assert log.samples[0].scores["task_score"].value == 0  # graded: the failure is the assistant's


def test_scripted_cli_user_that_never_opens(tmp_path):
    """The issue's command: every draft is rejected, so the simulator never opens."""
    done = subprocess.run(
        [
            sys.executable, "-m", "inspect_ai", "eval", "tasks/gsm8k_multiturn.py", "--model", "scripted/assistant",
            "--model-role", 'user={model: scripted/user, model_args: {turns: ["ok"]}}', "--limit", "2",
            "--log-dir", str(tmp_path), "--display", "none",
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    (log,) = [read_eval_log(str(path)) for path in tmp_path.glob("*.eval")]
    metrics = {m.name: m.value for s in log.results.scores for m in s.metrics.values()}
    assert metrics["simulator_failures"] == 1.0
    for sample in log.samples:
        record = sample.metadata["conversation"]
        assert record["stop_reason"] == "no_opening" and record["restarts"] == DEFAULT_MAX_RESTARTS
        assert len(record["failed_attempts"]) == DEFAULT_MAX_RESTARTS
        assert {r["reason"] for r in record["rejected_drafts"]} == {"too_short"}
        assert math.isnan(sample.scores["task_score"].value)  # missing, never 0


def test_max_turns(tmp_path):
    turns = [f"{OK} number {n}" for n in range(5)]
    log = run(gsm8k_multiturn(max_turns=3), user=scripted_user(*turns), tmp_path=tmp_path)
    record = conversation(log)
    assert record["stop_reason"] == "max_turns"
    assert record["user_turns"] == 3 and record["assistant_turns"] == 3


def test_allow_end_false_rejects_end_token(tmp_path):
    user = scripted_user(OK, END_TOKEN, f"{OK} again please", END_TOKEN, "fine what else now")
    log = run(gsm8k_multiturn(max_turns=3, allow_end=False), user=user, tmp_path=tmp_path)
    record = conversation(log)
    assert record["stop_reason"] == "max_turns" and record["user_turns"] == 3
    assert [r["reason"] for r in record["rejected_drafts"]] == ["end_token_banned"] * 2


def test_end_token_banned_on_first_turn_and_closing_text_kept(tmp_path):
    user = scripted_user(END_TOKEN, OK, f"perfect, thanks {END_TOKEN}assistant\nYou're welcome")
    log = run(gsm8k_multiturn(), user=user, tmp_path=tmp_path)
    record = conversation(log)
    assert record["rejected_drafts"][0]["reason"] == "end_token_on_first_turn"
    assert record["stop_reason"] == "end_token" and record["user_turns"] == 2
    assert log.samples[0].messages[-1].text == "perfect, thanks"


def test_assistant_sees_only_the_conversation(tmp_path):
    assistant = RecordingAssistant()
    log = run(gsm8k_multiturn(simulator="scripted"), assistant=assistant, limit=3, tmp_path=tmp_path)
    intents = {i.id: i for i in curated_intents("gsm8k")}
    assert len(assistant.calls) == sum(conversation(log, i)["assistant_turns"] for i in range(3)) > 3
    openings = {sample.messages[0].text: sample for sample in log.samples}
    for call in assistant.calls:
        sample = openings[call[0].text]  # every call belongs to one conversation
        intent = intents[sample.id]
        said = [m.text for m in sample.messages if m.role == "user"]
        assert all(m.role in ("user", "assistant") for m in call)
        assert all(m.text in said for m in call if m.role == "user")
        text = "\n".join(m.text for m in call)
        assert intent.intent not in text
        assert "grading" not in text and "shards" not in text


def test_task_score_grades_last_answer_attempt(tmp_path):
    intent = curated_intents("gsm8k")[0]
    gold = intent.grading.answer

    def reply(messages):
        return f"The answer is {gold}." if len(messages) == 1 else "You're welcome!"

    user = scripted_user(OK, "and what about the rest", END_TOKEN)
    log = run(gsm8k_multiturn(), user=user, assistant=RecordingAssistant(reply), tmp_path=tmp_path)
    assert log.samples[0].id == intent.id
    assert log.samples[0].scores["task_score"].value == 1


def test_userlm_call_config():
    simulator = UserLMSimulator(Guardrails())
    simulator._model = get_model("mockllm/model", config=GenerateConfig(temperature=0.3))
    config = simulator.config()
    assert config.temperature is None  # the role's own 0.3 wins over the model card's 1.0
    assert config.top_p == 0.8
    assert config.extra_body is None  # no server, no fields
    assert {"<|eot_id|>", "<|end_of_text|>", "<|start_header_id|>"} <= set(config.stop_seqs)


def test_vllm_chat_path_sends_the_fields_that_open_a_user_turn():
    simulator = UserLMSimulator(Guardrails())
    simulator._model = get_model("vllm/chat-probe", base_url="http://127.0.0.1:9/v1", memoize=False)
    assert simulator.config().extra_body == {
        "add_generation_prompt": True,
        "continue_final_message": False,
        "skip_special_tokens": False,
    }
    intent = curated_intents("gsm8k")[0]
    sent = simulator.request(intent, [ChatMessageUser(content="hi there")])
    assert [m.role for m in sent] == ["system", "user"]


def test_completions_path_sends_the_rendered_prompt():
    simulator = UserLMSimulator(Guardrails())
    simulator._model = get_model("vllm-completions/completions-probe", base_url="http://127.0.0.1:9/v1", memoize=False)
    intent = curated_intents("gsm8k")[0]
    conversation = [ChatMessageUser(content="how far can dana go"), ChatMessageAssistant(content="18 miles.")]
    (sent,) = simulator.request(intent, conversation)
    assert sent.role == "user"
    assert sent.text == render_userlm_prompt(
        [{"role": "system", "content": intent.intent}, *({"role": m.role, "content": m.text} for m in conversation)]
    )
    assert sent.text.endswith("<|start_header_id|>user<|end_header_id|>")
    assert simulator.config().extra_body == {"add_special_tokens": False, "skip_special_tokens": False}


def test_another_chat_api_warns_once_that_its_template_decides(caplog):
    simulator = UserLMSimulator(Guardrails())
    simulator._model = get_model("openai-api/local/UserLM-8b", base_url="http://127.0.0.1:9/v1", api_key="x")
    with caplog.at_level(logging.WARNING, logger="benchmark.conversation.simulators"):
        assert simulator.config().extra_body is None
        simulator.config()
    warnings = [r.getMessage() for r in caplog.records if "chat template" in r.getMessage()]
    assert len(warnings) == 1
    assert "userlm-bench check-user" in warnings[0] and "openai-api-completions/local/UserLM-8b" in warnings[0]


def test_unbound_role_uses_documented_default(monkeypatch):
    seen = {}

    def fake_get_model(**kwargs):
        seen.update(kwargs)
        return get_model("mockllm/model")

    monkeypatch.setattr(simulators, "get_model", fake_get_model)
    UserLMSimulator(Guardrails()).model()
    assert seen == {"role": USER_ROLE, "default": DEFAULT_USER_MODEL}
    assert DEFAULT_USER_MODEL == "vllm/microsoft/UserLM-8b"


def test_default_that_cannot_start_names_model_role(tmp_path, monkeypatch):
    monkeypatch.setattr(UserLMSimulator, "default_model", "nosuchprovider/UserLM-8b")
    log = run(gsm8k_multiturn(), tmp_path=tmp_path)
    assert log.status == "error"
    message = log.samples[0].error.message if log.samples else log.error.message
    assert "could not start" in message and "--model-role user=" in message


def test_default_user_model_without_vllm_fails_before_any_model_call(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "vllm", None)  # as if the `local` extra were not installed
    monkeypatch.delenv("VLLM_BASE_URL", raising=False)
    # Inspect keeps one vLLM server address per model name for the whole process: forget any an
    # earlier test (the integration suite's UserLM server) left behind
    assistant = RecordingAssistant()
    with vllm_servers_forgotten():
        log = run(gsm8k_multiturn(), assistant=assistant, limit=3, tmp_path=tmp_path)
    assert log.status == "error" and assistant.calls == []
    message = log.error.message
    assert f"the default user model '{DEFAULT_USER_MODEL}' could not start" in message
    assert "pip install vllm" in message and "--model-role user=" in message


def test_prompted_needs_a_bound_role(tmp_path):
    log = run(gsm8k_multiturn(simulator="prompted"), tmp_path=tmp_path)
    assert log.status == "error"
    message = log.samples[0].error.message if log.samples else log.error.message
    assert "--model-role user=" in message


def test_prompted_flips_roles():
    intent = curated_intents("gsm8k")[0]
    conversation = [ChatMessageUser(content="help with dana"), ChatMessageAssistant(content="What speeds?")]
    messages = PromptedSimulator(Guardrails()).messages(intent, conversation)
    assert [m.role for m in messages] == ["system", "user", "assistant", "user"]
    assert intent.intent in messages[0].text and END_TOKEN in messages[0].text
    assert messages[1].text == PROMPTED_FIRST_TURN_CUE
    assert messages[2].text == "help with dana" and messages[3].text == "What speeds?"


def test_prompted_run_with_bound_role(tmp_path):
    user = scripted_user(f"{OK}", END_TOKEN)
    log = run(gsm8k_multiturn(simulator="prompted"), user=user, tmp_path=tmp_path)
    assert conversation(log)["stop_reason"] == "end_token"
    assert log.eval.task_args["simulator"] == "prompted"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"simulator": "chatty"}, "unknown simulator 'chatty'"),
        ({"max_turns": 0}, "max_turns must be"),
        ({"max_resamples": -1}, "max_resamples must be"),
        ({"intents": "nope"}, "unknown intent set"),
        # what `-T name=value` delivers when the value has the wrong type
        ({"max_turns": "abc"}, r"max_turns='abc' must be a whole number, e.g. -T max_turns=10"),
        ({"max_turns": True}, r"max_turns=True must be a whole number"),
        ({"allow_end": "maybe"}, r"allow_end='maybe' must be true or false, e.g. -T allow_end=false"),
        ({"ban_openers": 3}, r"ban_openers=3 must be true or false or unset"),
        ({"intents": 5}, r"intents=5 must be text or unset"),
    ],
)
def test_bad_task_parameters(args, message):
    with pytest.raises(Exception, match=message):
        gsm8k_multiturn(**args)


def test_scripted_outputs_carry_usage():
    output = scripted_output("m", "three little words")
    assert output.usage is not None and output.usage.output_tokens == 3


# Each raw-output shape of tests/conversation/test_userlm.py, as the user's second draft of a conversation:
# (draft, the user turns the assistant saw, stop reason). The first draft is always OK; the last one, when
# the conversation goes on, is the end token.
SHAPES_IN_A_CONVERSATION = [
    ("\nand what about the rest", [OK, "and what about the rest"], "end_token"),
    ("so can i get it backassistant\nSure, here's how", [OK, "so can i get it back"], "end_token"),
    ("can u just tell me nowassistant\nSure!", [OK, "can u just tell me now"], "end_token"),
    ("user\nso can i get it back", [OK, "so can i get it back"], "end_token"),
    # the end token in a later hallucinated turn does not end the conversation
    (f"thanks a lot<|eot_id|><|start_header_id|>user<|end_header_id|>\n{END_TOKEN}", [OK, "thanks a lot"], "end_token"),
    # a closing turn with text: the user's last turn, and the assistant does not answer it
    (f"\nok thanks{END_TOKEN}assistant\nYou're welcome!", [OK, "ok thanks"], "end_token"),
    (f"\n{END_TOKEN}assistant\nYou're welcome!", [OK], "end_token"),
    # blank (resampled by default) and the other side (rejected): the next draft, the end token, is taken
    ("\n", [OK], "end_token"),
    ("assistant\nSure! The answer is 12.", [OK], "end_token"),
]


@pytest.mark.parametrize(("draft", "user_turns", "stop"), SHAPES_IN_A_CONVERSATION)
def test_each_raw_shape_in_a_conversation(tmp_path, draft, user_turns, stop):
    assistant = RecordingAssistant("There are 12 apples.")
    log = run(gsm8k_multiturn(), user=scripted_user(OK, draft, END_TOKEN), assistant=assistant, tmp_path=tmp_path)
    record = conversation(log)
    said = [m.text for m in log.samples[0].messages if m.role == "user"]
    assert (said, record["stop_reason"], record["user_turns"]) == (user_turns, stop, len(user_turns))
    closing = draft.strip().startswith("ok thanks")
    assert len(assistant.calls) == len(user_turns) - closing  # nobody answers a closing turn
    assert log.samples[0].scores["turn_stats"].value["user_turns"] == len(user_turns)


def test_blank_turn_end_reads_a_blank_turn_as_leaving(tmp_path):
    log = run(gsm8k_multiturn(blank_turn="end"), user=scripted_user(OK, "\n", OK), tmp_path=tmp_path)
    record = conversation(log)
    assert record["stop_reason"] == "blank" and record["user_turns"] == 1 and record["rejected_drafts"] == []
    assert log.samples[0].scores["task_score"].value in (0, 1)  # graded: the user left


def test_blank_turn_resample_rejects_it(tmp_path):
    log = run(gsm8k_multiturn(), user=scripted_user(OK, "\n", END_TOKEN), tmp_path=tmp_path)
    record = conversation(log)
    assert record["stop_reason"] == "end_token"
    assert [r["reason"] for r in record["rejected_drafts"]] == ["empty"]


def test_a_blank_opening_with_blank_turn_end_is_no_opening(tmp_path):
    user = scripted_user("\n", "\n")
    log = run(gsm8k_multiturn(blank_turn="end", max_restarts=1), user=user, tmp_path=tmp_path)
    record = conversation(log)
    assert record["stop_reason"] == "no_opening" and record["restarts"] == 1
    assert math.isnan(log.samples[0].scores["task_score"].value)


def test_a_closing_turn_escapes_the_guardrails(tmp_path):
    log = run(gsm8k_multiturn(), user=scripted_user(OK, f"I see{END_TOKEN}"), tmp_path=tmp_path)
    record = conversation(log)  # "I see" is a banned opener and too short, but it closes the conversation
    assert record["stop_reason"] == "end_token" and record["rejected_drafts"] == []
    assert [m.text for m in log.samples[0].messages if m.role == "user"] == [OK, "I see"]


def test_ban_repeats_rejects_a_parroted_assistant_message(tmp_path):
    reply = "There are 12 apples in the three bags."
    user = scripted_user(OK, "there are 12 apples in the three  bags.", END_TOKEN)
    log = run(gsm8k_multiturn(), user=user, assistant=RecordingAssistant(reply), tmp_path=tmp_path)
    assert [r["reason"] for r in conversation(log)["rejected_drafts"]] == ["repeats_assistant"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"blank_turn": "skip"}, "unknown blank_turn 'skip': use -T blank_turn=resample|end"),
        ({"max_restarts": -1}, "max_restarts must be a whole number >= 0"),
    ],
)
def test_new_parameters_are_checked(args, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        gsm8k_multiturn(**args)


def test_an_unbound_user_role_says_it_will_start_userlm_locally(caplog, monkeypatch):
    monkeypatch.delenv("VLLM_BASE_URL", raising=False)
    with caplog.at_level(logging.WARNING, logger="benchmark.conversation.simulators"):
        gsm8k_multiturn()
    notices = [r.getMessage() for r in caplog.records if "is not bound" in r.getMessage()]
    assert len(notices) == 1 and "downloads UserLM-8b" in notices[0] and "base_url" in notices[0]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="benchmark.conversation.simulators"):
        gsm8k_multiturn(simulator="scripted")
    assert not [r for r in caplog.records if "is not bound" in r.getMessage()]
