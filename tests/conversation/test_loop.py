"""The conversation loop end to end through Inspect's eval(), with scripted offline models."""

from __future__ import annotations

import sys

import pytest
from inspect_ai import eval
from inspect_ai.model import ChatMessageAssistant, ChatMessageUser, GenerateConfig, get_model

import benchmark.conversation.simulators as simulators
from benchmark.constants import DEFAULT_USER_MODEL, END_TOKEN, USER_ROLE
from benchmark.conversation.guardrails import Guardrails
from benchmark.conversation.simulators import PROMPTED_FIRST_TURN_CUE, PromptedSimulator, UserLMSimulator
from benchmark.inspect_compat import vllm_servers_forgotten
from benchmark.intents import curated_intents
from benchmark.serving.scripted import scripted_output
from tasks.gsm8k_multiturn import gsm8k_multiturn
from tests.conftest import RecordingAssistant, scripted_user

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
    assert record["rejected_drafts"] == [{"turn": 0, "draft": "I want to know about apples", "reason": "banned_opener"}]
    assert [m.role for m in log.samples[0].messages] == ["user", "assistant"]
    assert log.samples[0].messages[0].text == OK


def test_resample_bound_gives_guardrails_exhausted(tmp_path):
    user = scripted_user("hi", "hello", "hey", "never used")
    log = run(gsm8k_multiturn(max_resamples=2), user=user, tmp_path=tmp_path)
    record = conversation(log)
    assert record["stop_reason"] == "guardrails_exhausted"
    assert record["drafts"] == 3 and record["user_turns"] == 0
    assert [r["reason"] for r in record["rejected_drafts"]] == ["too_short"] * 3
    assert log.samples[0].scores["task_score"].value == 0


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
    assert config.extra_body == {"add_generation_prompt": True, "continue_final_message": False}
    assert "<|eot_id|>" in config.stop_seqs


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
