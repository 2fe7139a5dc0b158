"""The simulator-fidelity task end to end, offline: scripted simulators, judges and writers."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from inspect_ai import eval
from inspect_ai.log import EvalLog
from inspect_ai.model import ChatMessage, GenerateConfig, ModelOutput, get_model
from inspect_ai.tool import ToolChoice, ToolInfo

from benchmark.constants import (
    CI_HIGH_SUFFIX,
    CI_LOW_SUFFIX,
    DECISION_POINTS,
    END_F1,
    END_PRECISION,
    END_PREDICTION,
    END_RECALL,
    END_TOKEN,
    FIRST_TURN_DIVERSITY,
    HUMAN_FIRST_TURN_DIVERSITY,
    HUMAN_INTENT_DECOMPOSITION,
    HUMAN_REFERENCE,
    INTENT_ADHERENCE,
    INTENT_DECOMPOSITION,
    JUDGE_MAX_RETRIES,
    JUDGE_ROLE,
    OPENING_TURNS,
    PERPLEXITY,
    PERPLEXITY_TOKENS,
    PROBE_ADHERENCE,
    ROLE_ADHERENCE,
    SIMULATOR_FAILED,
    UNJUDGED_PROBES,
    USER_PERPLEXITY,
    USER_ROLE,
    WRITER_ROLE,
)
from benchmark.fidelity.conversations import ConversationError, read_conversations
from benchmark.fidelity.probes import PROBES
from benchmark.fidelity.record import NO_INTENT, FidelityRecord
from benchmark.fidelity.task import load_human_conversations
from benchmark.inspect_compat import bind_model_role_models, clear_model_roles
from benchmark.intents.record import INTENT_PREFIX
from benchmark.serving.scripted import scripted_output
from benchmark.task import TaskParameterError
from tasks.simulator_fidelity import simulator_fidelity

DATA = Path(__file__).parent / "data"
FIGURES = {
    END_PREDICTION: [END_PRECISION, END_RECALL, END_F1],
    OPENING_TURNS: [FIRST_TURN_DIVERSITY, INTENT_DECOMPOSITION],
    HUMAN_REFERENCE: [HUMAN_FIRST_TURN_DIVERSITY, HUMAN_INTENT_DECOMPOSITION],
    PROBE_ADHERENCE: [ROLE_ADHERENCE, INTENT_ADHERENCE],
    PERPLEXITY: [USER_PERPLEXITY],
}
COUNTS = {END_PREDICTION: [DECISION_POINTS], PROBE_ADHERENCE: [UNJUDGED_PROBES], PERPLEXITY: [PERPLEXITY_TOKENS]}

# scripted/user says "Help me <first sentence of the goal>", then the goal's other sentences, one per user
# turn it has seen, then the end token. At decision point k it has seen k user turns: it ends when k >= the
# number of sentences.
GOALS = {
    "a": ("fix my printer.", ["printer wont print"]),  # 1 sentence, 1 turn: k=1 end (human: end) -> TP
    "b": ("plan a party. It is for ten people.", ["party ideas?", "10 ppl", "thanks"]),  # TN, FP, TP
    "c": ("learn chess. Start with openings. Then endgames.", ["teach me chess", "openings pls"]),  # TN, FN
    "d": ("name a cat.", ["cat names", "more"]),  # FP, TP
}
# TP 3, FP 2, FN 1, TN 2


def record(conversation_id: str, goal: str | None, turns: list[str]) -> dict:
    messages = []
    for turn in turns:
        messages += [{"role": "user", "content": turn}, {"role": "assistant", "content": f"Reply to: {turn}"}]
    return {"id": conversation_id, "messages": messages} | ({"intent": f"{INTENT_PREFIX} {goal}"} if goal else {})


def write(path: Path, records: list[dict]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return str(path)


@pytest.fixture
def conversations(tmp_path) -> str:
    return write(tmp_path / "convs.jsonl", [record(c, goal, turns) for c, (goal, turns) in GOALS.items()])


def run(tmp_path: Path, conversations: str, roles: dict | None = None, **task_args) -> EvalLog:
    args = {"simulator": "scripted", "conversations": conversations, "intents_cache": str(tmp_path / "cache.jsonl")}
    (log,) = eval(
        simulator_fidelity,  # built inside the eval, with its model roles bound, as `inspect eval` does
        model="scripted/user",
        task_args=args | task_args,
        model_roles=roles,
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    assert log.status == "success", log.error
    return log


def results(log: EvalLog) -> dict[str, dict[str, float]]:
    return {score.name: {k: m.value for k, m in score.metrics.items()} for score in log.results.scores}


def records(log: EvalLog) -> dict[str, FidelityRecord]:
    return {str(s.id): FidelityRecord.model_validate(s.metadata["fidelity"]) for s in log.samples}


class Scripted:
    """A mockllm model answering every call with `reply(input)`; `calls` keeps the inputs."""

    def __init__(self, reply) -> None:
        self.reply = reply
        self.calls: list[list[ChatMessage]] = []

    def __call__(
        self, input: list[ChatMessage], tools: list[ToolInfo], tool_choice: ToolChoice, config: GenerateConfig
    ) -> ModelOutput:
        self.calls.append(list(input))
        return scripted_output("mockllm/model", self.reply(input))

    def model(self):
        return get_model("mockllm/model", custom_outputs=self, memoize=False)


def test_offline_run_has_every_figure_and_end_f1_by_hand(tmp_path, conversations):
    log = run(tmp_path, conversations)
    scores = results(log)
    for scorer_name, figures in FIGURES.items():
        expected = {f + suffix for f in figures for suffix in ("", CI_LOW_SUFFIX, CI_HIGH_SUFFIX)}
        assert set(scores[scorer_name]) == expected | set(COUNTS.get(scorer_name, []))
    end = scores[END_PREDICTION]
    assert end[END_PRECISION] == pytest.approx(3 / 5) and end[END_RECALL] == pytest.approx(3 / 4)
    assert end[END_F1] == pytest.approx(2 / 3) and end[DECISION_POINTS] == 8
    assert end[END_F1 + CI_LOW_SUFFIX] <= end[END_F1] <= end[END_F1 + CI_HIGH_SUFFIX]
    # no judge: the adherence figures are missing, every probe unjudged; no prompt log-probabilities
    assert math.isnan(scores[PROBE_ADHERENCE][ROLE_ADHERENCE]) and math.isnan(scores[PROBE_ADHERENCE][INTENT_ADHERENCE])
    assert scores[PROBE_ADHERENCE][UNJUDGED_PROBES] == 8
    assert math.isnan(scores[PERPLEXITY][USER_PERPLEXITY]) and scores[PERPLEXITY][PERPLEXITY_TOKENS] == 0
    for name in (FIRST_TURN_DIVERSITY, INTENT_DECOMPOSITION):
        assert 0 < scores[OPENING_TURNS][name] < 1
    for name in (HUMAN_FIRST_TURN_DIVERSITY, HUMAN_INTENT_DECOMPOSITION):
        assert 0 < scores[HUMAN_REFERENCE][name] <= 1
    sample = log.samples[0]
    assert "no prompt log-probabilities" in sample.scores[PERPLEXITY].explanation
    assert "no judge bound" in sample.scores[PROBE_ADHERENCE].explanation
    assert log.eval.task_version == "1.0.0"


def test_the_record_shows_every_call(tmp_path, conversations):
    by_id = records(run(tmp_path, conversations))
    b = by_id["b"]
    assert b.user_model == "scripted/user" and b.intent_status == "given"
    assert b.opening.text == "Help me plan a party."
    assert [(d.after_assistant_turn, d.human_ended, d.predicted_end) for d in b.decisions] == [
        (1, False, False),
        (2, False, True),
        (3, True, True),
    ]
    assert b.decisions[0].draft.text == "It is for ten people." and b.decisions[1].draft.raw == END_TOKEN
    assert [p.kind for p in b.probes] == ["role", "intent"]
    assert all(p.adherent is None and p.draft.text == "It is for ten people." for p in b.probes)
    assert b.perplexity.missing and "scripted/user" in b.perplexity.missing


def test_probes_with_a_scripted_judge(tmp_path, conversations):
    def verdict(input: list[ChatMessage]) -> str:
        prompt = input[1].text
        if "[person] party ideas?" in prompt:
            return "it holds, I think"  # malformed every time: b's probes are unjudged
        if "[person] teach me chess" in prompt:
            raise RuntimeError("judge overloaded")  # c's judge calls fail: unjudged, the rest of c stays
        role = "in the user's role?" in prompt
        return json.dumps({"reason": "looks like a user" if role else "took up the new topic", "adherent": role})

    judge = Scripted(verdict)
    log = run(tmp_path, conversations, roles={JUDGE_ROLE: judge.model()})
    scores = results(log)
    assert scores[PROBE_ADHERENCE][ROLE_ADHERENCE] == 1.0 and scores[PROBE_ADHERENCE][INTENT_ADHERENCE] == 0.0
    assert scores[PROBE_ADHERENCE][UNJUDGED_PROBES] == 4
    assert scores[END_PREDICTION][DECISION_POINTS] == 8  # c's failed judge calls left its decisions alone
    by_id = records(log)
    assert [p.judge_attempts for p in by_id["b"].probes] == [JUDGE_MAX_RETRIES + 1] * 2
    assert all("not valid JSON" in e for p in by_id["b"].probes for e in p.judge_errors)
    assert [p.judge_attempts for p in by_id["c"].probes] == [1, 1]
    assert "judge overloaded" in by_id["c"].probes[0].judge_errors[0]
    assert by_id["a"].probes[0].adherent is True and by_id["a"].probes[1].judge_reason == "took up the new topic"
    assert by_id["a"].judge_model == "mockllm/model"
    assert "passes" in log.samples[0].scores[PROBE_ADHERENCE].explanation


def test_a_silent_simulator_never_ends_and_opens_with_nothing(tmp_path, conversations):
    user = Scripted(lambda input: "\n")
    log = run(tmp_path, conversations, roles={USER_ROLE: user.model()}, simulator="userlm")
    scores = results(log)
    assert math.isnan(scores[END_PREDICTION][END_PRECISION])
    assert scores[END_PREDICTION][END_RECALL] == 0.0 and scores[END_PREDICTION][END_F1] == 0.0
    assert scores[OPENING_TURNS][FIRST_TURN_DIVERSITY] == 0.0  # empty openings are identical
    assert math.isnan(scores[OPENING_TURNS][INTENT_DECOMPOSITION])  # no words: missing, not 0
    assert not math.isnan(scores[HUMAN_REFERENCE][HUMAN_FIRST_TURN_DIVERSITY])
    assert all(r.user_model == "mockllm/model" for r in records(log).values())  # the user role, not --model
    assert len(user.calls) == 4 * 3 + 8  # opening and two probes per conversation, one call per decision point


def test_the_prompted_protocol_flips_roles_and_shows_the_probe_as_the_assistant(tmp_path, conversations):
    user = Scripted(lambda input: f"ok thanks {END_TOKEN}")
    log = run(tmp_path, conversations, roles={USER_ROLE: user.model()}, simulator="prompted")
    assert results(log)[END_PREDICTION][END_RECALL] == 1.0
    texts = {probe.text for probes in PROBES.values() for probe in probes}
    probe = next(call for call in user.calls if call[-1].text in texts)
    assert probe[-1].role == "user" and probe[-2].role == "assistant"  # the probe comes from the other side
    assert "prompted protocol" in records(log)["a"].perplexity.missing


def without_intents(tmp_path: Path) -> str:
    return write(tmp_path / "bare.jsonl", [record(c, None, turns) for c, (_, turns) in GOALS.items()])


def test_intents_are_written_cached_and_reused(tmp_path):
    bare = without_intents(tmp_path)
    writer = Scripted(lambda input: json.dumps({"intent": f"{INTENT_PREFIX} get some help."}))
    first = records(run(tmp_path, bare, roles={WRITER_ROLE: writer.model()}))
    assert {r.intent_status for r in first.values()} == {"written"} and len(writer.calls) == 4
    again = Scripted(lambda input: "unused")
    second = records(run(tmp_path, bare, roles={WRITER_ROLE: again.model()}))
    assert {r.intent_status for r in second.values()} == {"cached"} and again.calls == []
    assert second["a"].intent == f"{INTENT_PREFIX} get some help."
    third = records(run(tmp_path, bare))  # all cached: no writer needed
    assert {r.intent_status for r in third.values()} == {"cached"}


def test_a_conversation_the_writer_cannot_describe_is_left_out(tmp_path, conversations):
    mixed = write(
        tmp_path / "mixed.jsonl",
        [*map(json.loads, Path(conversations).read_text().splitlines()), record("e", None, ["hm"])],
    )
    writer = Scripted(lambda input: "no idea")
    log = run(tmp_path, mixed, roles={WRITER_ROLE: writer.model()})
    e = records(log)["e"]
    assert e.left_out == NO_INTENT and e.intent_status == "failed" and e.decisions == [] and e.intent_problems
    sample = next(s for s in log.samples if s.id == "e")
    assert all(score.metadata[SIMULATOR_FAILED] for score in sample.scores.values())
    scores = results(log)
    assert scores[END_PREDICTION][DECISION_POINTS] == 8 and scores[END_PREDICTION][END_F1] == pytest.approx(2 / 3)
    assert scores[PROBE_ADHERENCE][UNJUDGED_PROBES] == 8


def test_conversations_without_intent_need_a_writer(tmp_path):
    with pytest.raises(ConversationError, match=f"4 conversations have no intent.*--model-role {WRITER_ROLE}="):
        simulator_fidelity(conversations=without_intents(tmp_path), intents_cache=str(tmp_path / "cache.jsonl"))


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ({}, ValueError, "-T conversations=FILE"),
        ({"simulator": "gpt"}, ValueError, "-T simulator=userlm|prompted|scripted"),
        ({"with_intent": "yes"}, TaskParameterError, "with_intent='yes' must be true or false"),
        ({"max_conversations": 0}, ValueError, "max_conversations must be a whole number >= 1"),
        ({"max_conversations": "5"}, TaskParameterError, "-T max_conversations=500"),
        ({"data_path": "rows/"}, ValueError, "data_path is for conversations=wildchat|prism"),
    ],
)
def test_parameters_are_checked_before_any_model_call(conversations, args, error, message):
    args = {"conversations": conversations} | args if args else {}
    with pytest.raises(error, match=message.replace("|", r"\|").replace("(", r"\(")):
        simulator_fidelity(**args)


def test_the_intents_cache_is_a_file(tmp_path, conversations):
    with pytest.raises(ValueError, match="is a directory"):
        simulator_fidelity(conversations=conversations, intents_cache=str(tmp_path))


def test_a_missing_conversation_file(tmp_path):
    with pytest.raises(ConversationError, match="conversation file not found"):
        simulator_fidelity(conversations=str(tmp_path / "nope.jsonl"))
    # Inspect creates the task in its file's directory: a relative path is read from there
    with pytest.raises(ConversationError, match="where Inspect reads relative paths; pass an absolute path"):
        simulator_fidelity(conversations="nope.jsonl")
    with pytest.raises(ConversationError, match="data_path=rows: not found"):
        simulator_fidelity(conversations="wildchat", data_path="rows")


def test_max_conversations_and_the_samples(conversations):
    task = simulator_fidelity(conversations=conversations, max_conversations=2)
    assert [s.id for s in task.dataset] == ["a", "b"]
    sample = task.dataset[1]
    assert [m.role for m in sample.input] == ["user", "assistant"] * 3  # the human conversation, shown in the viewer
    assert task.metadata["guardrails"] == "none" and task.version == "1.0.0"


@pytest.mark.parametrize(
    ("source", "path"), [("wildchat", "wildchat_rows.jsonl"), ("prism", "prism_conversations.jsonl")]
)
def test_sources_load_from_local_files(tmp_path, source, path):
    kept = load_human_conversations(source, str(DATA / path), None)
    assert kept and all(c.id.startswith(f"{source}-") for c in kept)
    assert len(load_human_conversations(source, str(DATA / path), 2)) == 2
    bind_model_role_models({WRITER_ROLE: Scripted(lambda input: "unused").model()})
    try:
        task = simulator_fidelity(conversations=source, data_path=str(DATA / path), intents_cache=str(tmp_path / "c"))
    finally:
        clear_model_roles()
    assert [s.id for s in task.dataset] == [c.id for c in kept] and task.metadata["intents_to_write"] == len(kept)


def test_the_shared_fixture_runs(tmp_path):
    with_intent = [c for c in read_conversations(DATA / "human_conversations.jsonl") if c.intent is not None]
    path = write(tmp_path / "fixture.jsonl", [json.loads(c.model_dump_json(exclude_none=True)) for c in with_intent])
    scores = results(run(tmp_path, path, with_intent=False))
    assert scores[END_PREDICTION][DECISION_POINTS] == sum(len(c.user_turns) for c in with_intent)
    assert not math.isnan(scores[END_PREDICTION][END_F1])
