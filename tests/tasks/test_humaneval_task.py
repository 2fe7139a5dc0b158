"""The HumanEval task end to end with scripted models: extraction, sandboxed grading, reasons."""

from inspect_ai import eval

from benchmark.constants import USER_ROLE
from benchmark.grading.humaneval import humaneval_problem
from benchmark.intents import curated_intents
from tasks.humaneval_multiturn import humaneval_multiturn
from tests.conftest import RecordingAssistant, scripted_user

INTENT = curated_intents("humaneval")[0]
PROBLEM = humaneval_problem(INTENT.grading.task_id)


def run(reply: str, tmp_path, sandbox=None):
    user = scripted_user(f"need a python function called {PROBLEM.entry_point} please", "<|endconversation|>")
    (log,) = eval(
        humaneval_multiturn(sandbox=sandbox),
        model=RecordingAssistant(reply).model(),
        model_roles={USER_ROLE: user},
        limit=1,
        log_dir=str(tmp_path),
        display="none",
    )
    assert log.status == "success", log.error
    return log.samples[0].scores["task_score"]


def test_canonical_solution_passes(tmp_path):
    score = run(f"Here you go:\n```python\n{PROBLEM.reference_program}\n```", tmp_path)
    assert score.value == 1 and score.metadata["reason"] == "passed"
    assert score.metadata["sandbox"] == "subprocess"


def test_wrong_solution_fails(tmp_path):
    score = run(f"```python\ndef {PROBLEM.entry_point}(*args):\n    return None\n```", tmp_path)
    assert score.value == 0 and score.metadata["reason"] == "failed"


def test_no_code(tmp_path):
    score = run("Could you tell me more about what the function should do?", tmp_path)
    assert score.value == 0 and score.metadata["reason"] == "no_code"


def test_inspect_local_sandbox_path(tmp_path):
    passing = run(f"```python\n{PROBLEM.reference_program}\n```", tmp_path, sandbox="local")
    assert passing.value == 1 and passing.metadata["sandbox"] == "local"
    failing = run(f"```python\ndef {PROBLEM.entry_point}(*a):\n    import sys; sys.exit(0)\n```", tmp_path, "local")
    assert failing.value == 0 and failing.metadata["reason"] == "failed"
