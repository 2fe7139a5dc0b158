"""The release gate workflow, dry-run: its `run:` steps executed in order as an assistant team's repository
would call it, offline (tests.workflows.dry_run). The candidate is `scripted/assistant`, the simulator a
local UserLM-shaped server (benchmark.devtools.latency_server behind Inspect's vllm provider), the
baselines made here from an earlier run of the same workflow, `gh` and `python -m pip` stubbed.

Three outcomes: an identical candidate passes; a candidate worse than its baseline fails with exit 1; a
baseline of another task version fails with exit 2. Each time the summary, the pull-request comment and
the workflow's outputs are checked. Every dry run is the whole workflow, one job at a time as GitHub orders
them: `plan`, the `shard` matrix job once per shard (or skipped), then `gate`, each job in a workspace of its
own (a checkout of the caller's repository), artifacts passed through the run's store. Sharded, a candidate
run as 2 matrix jobs passes against the same run made whole, and a failed shard job makes the gate refuse.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from inspect_ai.log import EvalLog, read_eval_log, write_eval_log

import benchmark
from benchmark.constants import TASK_SCORE
from benchmark.devtools.latency_server import Settings, running
from benchmark.intents.record import write_intents
from benchmark.intents.sets import curated_intents
from tests.conftest import ROOT
from tests.workflows.artifacts import ArtifactStore
from tests.workflows.dry_run import (
    JobRun,
    dry_run,
    inputs_context,
    load_workflow,
    needed,
    secrets_context,
    workflow_call,
)
from tests.workflows.expressions import OpenMap, substitute
from tests.workflows.stubs import Stubs

pytestmark = pytest.mark.integration  # real servers end to end: run by CI beside the vLLM suite

WORKFLOWS = ROOT / ".github" / "workflows"
GATE = WORKFLOWS / "release-gate.yml"
CALLER = WORKFLOWS / "assistant-release.yml"
VENV_BIN = Path(sys.executable).parent

CURRENT_MAJORS = {
    "actions/checkout": "v7",
    "actions/setup-python": "v7",
    "actions/upload-artifact": "v7",
    "actions/download-artifact": "v8",
}
"""The newest major of each action, all on node24: checkout v7.0.1 (2026-07-17) and setup-python v7.0.0
(2026-07-19) per their repositories' tags, CHANGELOG.md and README; upload-artifact v7.0.0 (2026-02-25),
whose action.yml runs `using: node24` (there is no v8: download-artifact alone has one); download-artifact
v8.0.1 (2026-03-11), `using: node24`, its README's v8 notes (hash mismatches fail by default)."""

PR_NUMBER = 7
TOKEN = "ghs_dry_run_token"
CALLER_REPOSITORY = "assistant-team/assistant"
WORKFLOW_REPOSITORY = "example-org/userlm-bench"
OLD_TASK_VERSION = "1.0.0"

CANDIDATE = {
    "candidate_model": "scripted/assistant",
    "user_model": "vllm/latency/user",
    "epochs": 2,
    "eval_args": "--limit 2",
}
"""What the assistant team passes (the other inputs keep their defaults: both registered tasks,
baselines/current, userlm-bench's max drop)."""


def _head_sha() -> str:
    done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else "0" * 40


WORKFLOW_SHA = _head_sha()
JOB_CONTEXT = {
    "workflow_repository": WORKFLOW_REPOSITORY,
    "workflow_sha": WORKFLOW_SHA,
    "workflow_ref": f"{WORKFLOW_REPOSITORY}/.github/workflows/release-gate.yml@refs/heads/main",
    "workflow_file_path": ".github/workflows/release-gate.yml",
}
GITHUB_CONTEXT = {
    "event_name": "pull_request",
    "event": {"pull_request": {"number": PR_NUMBER}},
    "token": TOKEN,
    "repository": CALLER_REPOSITORY,
    "server_url": "https://github.com",
}


class Gated(NamedTuple):
    run: JobRun
    """The gate job."""
    plan: JobRun
    shards: list[JobRun]
    """The shard matrix job's runs (one skipped run when the candidate is not sharded)."""
    stubs: Stubs
    workspace: Path
    """The gate job's workspace."""
    artifacts: ArtifactStore


def gate(
    run_dir: Path,
    *,
    baseline: Path | None,
    server: str = "http://127.0.0.1:9/v1",  # nothing listens there: for runs that stop before the benchmark
    inputs: dict[str, Any] | None = None,
    secrets: dict[str, str] | None = None,
    job: dict[str, Any] | None = None,
    repository: dict[str, Path] | None = None,
    failing_shard: int | None = None,
) -> Gated:
    """Dry-run the whole gate workflow as a caller whose repository holds `baseline` at baselines/current (and
    `repository`'s files, by path): every job in a fresh checkout of it. `failing_shard`'s job finds an
    `inspect` that fails."""
    run_dir.mkdir(parents=True, exist_ok=True)
    files = {**({"baselines/current": baseline} if baseline is not None else {}), **(repository or {})}
    stubs = Stubs.install(run_dir / "stubs")
    broken = run_dir / "broken-inspect"
    broken.mkdir()
    (broken / "inspect").write_text("#!/bin/sh\necho 'inspect: this runner is broken' >&2\nexit 1\n")
    (broken / "inspect").chmod(0o755)
    home = run_dir / "home"
    home.mkdir()
    artifacts = ArtifactStore(run_dir / "artifacts")

    def run_job(job_id: str, **more: Any) -> JobRun:
        label = job_id + "".join(f"-{value}" for value in (more.get("matrix") or {}).values())
        workspace = run_dir / label / "workspace"
        workspace.mkdir(parents=True)
        for target, source in files.items():
            copy = shutil.copytree if source.is_dir() else shutil.copy
            (workspace / target).parent.mkdir(parents=True, exist_ok=True)
            copy(source, workspace / target)
        shard = (more.get("matrix") or {}).get("shard")
        first = [str(broken)] if shard is not None and shard == failing_shard else []
        path = ":".join([*first, str(stubs.bin), str(VENV_BIN), "/usr/local/bin", "/usr/bin", "/bin"])
        return dry_run(
            GATE,
            job_id=job_id,
            inputs={**CANDIDATE, **(inputs or {})},
            secrets={"USERLM_BASE_URL": server, "OPENAI_API_KEY": "sk-dry-run", **(secrets or {})},
            github=GITHUB_CONTEXT,
            job=JOB_CONTEXT if job is None else job,
            workspace=workspace,
            env={"PATH": path, "HOME": str(home), "LANG": "C.UTF-8"},
            artifacts=artifacts,
            **more,
        )

    plan = run_job("plan")
    combinations = [{"shard": k} for k in json.loads(plan.outputs.get("shards") or "[]")] or [None]
    shards = [run_job("shard", needs={"plan": needed(plan)}, matrix=matrix) for matrix in combinations]
    final = run_job("gate", needs={"plan": needed(plan), "shard": needed(*shards)})
    return Gated(final, plan, shards, stubs, run_dir / "gate" / "workspace", artifacts)


def edited_logs(source: Path, target: Path, edit: Callable[[EvalLog], None]) -> Path:
    """A copy of the log directory `source`, each log changed by `edit` (through inspect_ai.log)."""
    target.mkdir(parents=True)
    for path in sorted(source.glob("*.eval")):
        log = read_eval_log(str(path))
        edit(log)
        write_eval_log(log, str(target / path.name))
    return target


def solved_everything(log: EvalLog) -> None:
    """The log of an assistant that solved every intent in every epoch."""
    for sample in log.samples or []:
        sample.scores[TASK_SCORE].value = 1.0
    for reduction in log.reductions or []:
        if reduction.scorer == TASK_SCORE:
            for score in reduction.samples:
                score.value = 1.0
    for score in log.results.scores if log.results else []:
        if score.name == TASK_SCORE:
            for metric in score.metrics.values():
                metric.value = 0.0 if metric.name == "stderr" else 1.0


def older_task_version(log: EvalLog) -> None:
    if log.eval.task.endswith("gsm8k_multiturn"):
        log.eval.task_version = OLD_TASK_VERSION


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A UserLM-shaped endpoint: every user turn passes the guardrails, the user leaves after 3 turns."""
    with running(Settings(latency=0, end_after=3), max_seconds=600) as latency_server:
        yield latency_server.url


@pytest.fixture(scope="module")
def earlier_run(tmp_path_factory: pytest.TempPathFactory, server: str) -> Path:
    """The candidate's logs from an earlier run of the gate (with no baseline yet: compare exits 2)."""
    run_dir = tmp_path_factory.mktemp("earlier")
    gated = gate(run_dir, baseline=None, server=server)
    benchmark_step = gated.run.step("Run the benchmark for the candidate")
    assert benchmark_step.outcome == "success", benchmark_step.output[-3000:]
    assert gated.run.workflow_outputs["verdict"] == "unusable"
    assert "baselines/current: no such file or directory" in gated.run.summary
    logs = gated.workspace / "logs" / "candidate"
    assert len(list(logs.glob("*.eval"))) == 2
    return logs


def check_reported(gated: Gated, *, exit_code: int, verdict: str) -> str:
    """What every run that got to the comparison shows: the same markdown printed, in the step summary, in
    the workflow's `summary` output and as the pull-request comment; returns it."""
    run = gated.run
    compare = run.step("Compare with the baseline")
    assert compare.outcome == "success" and compare.outputs["exit_code"] == str(exit_code)
    summary = (gated.workspace / "compare.md").read_text()
    assert run.summary == summary and summary in compare.output
    assert run.workflow_outputs == {"verdict": verdict, "exit_code": str(exit_code), "summary": summary.rstrip("\n")}
    assert gated.stubs.gh_calls == [
        {
            "argv": ["pr", "comment", str(PR_NUMBER), "--edit-last", "--create-if-none", "--body-file", "compare.md"],
            "body": summary,
            "GH_TOKEN": TOKEN,
            "GH_REPO": CALLER_REPOSITORY,
        }
    ]
    assert run.step("Leaderboard of baseline and candidate").outcome == "success"
    assert (gated.workspace / "leaderboard" / "leaderboard.md").is_file()
    upload = run.step("Keep the logs and reports")
    assert upload.ran and upload.with_["name"] == "candidate-logs"
    assert all((gated.workspace / path).exists() for path in upload.with_["path"].split())
    return summary


# --- the three outcomes ----------------------------------------------------------------------


def test_an_identical_candidate_passes(tmp_path: Path, earlier_run: Path, server: str) -> None:
    gated = gate(tmp_path, baseline=earlier_run, server=server)
    summary = check_reported(gated, exit_code=0, verdict="pass")
    run = gated.run
    assert run.result == "success"
    assert summary.startswith("## userlm-bench compare: no significant regression in `task_score`")
    assert "`task_score` changed by **+0.000**" in summary
    assert "Candidate `scripted/assistant` vs baseline `scripted/assistant`" in summary
    assert not run.step("Fail on regression or unusable input").ran
    # no userlm_bench input: the commit the workflow file came from
    assert gated.stubs.pip_calls == [
        ["install", "--upgrade", "pip"],
        ["install", f"userlm-bench @ git+https://github.com/{WORKFLOW_REPOSITORY}@{WORKFLOW_SHA}"],
    ]


def test_a_worse_candidate_fails_with_exit_1(tmp_path: Path, earlier_run: Path, server: str) -> None:
    better = edited_logs(earlier_run, tmp_path / "better-baseline", solved_everything)
    version = importlib.metadata.version("userlm-bench")
    gated = gate(tmp_path / "run", baseline=better, server=server, inputs={"userlm_bench": f"userlm-bench=={version}"})
    summary = check_reported(gated, exit_code=1, verdict="regression")
    run = gated.run
    assert run.result == "failure"
    assert summary.startswith("## userlm-bench compare: REGRESSION in `task_score`")
    assert "`task_score` dropped by **1.000**" in summary
    fail = run.step("Fail on regression or unusable input")
    assert fail.returncode == 1
    assert fail.errors == ["the candidate is significantly worse than the baseline (see the comparison)"]
    assert gated.stubs.pip_calls[-1] == ["install", f"userlm-bench=={version}"]


def test_a_baseline_of_another_task_version_fails_with_exit_2(tmp_path: Path, earlier_run: Path, server: str) -> None:
    current = read_eval_log(str(next(earlier_run.glob("*gsm8k*.eval"))), header_only=True).eval.task_version
    assert current != OLD_TASK_VERSION
    older = edited_logs(earlier_run, tmp_path / "old-baseline", older_task_version)
    gated = gate(tmp_path / "run", baseline=older, server=server)
    summary = check_reported(gated, exit_code=2, verdict="unusable")
    run = gated.run
    assert run.result == "failure"
    assert summary.startswith("## userlm-bench compare: unusable input\n\n")
    assert f"task version: baseline {OLD_TASK_VERSION}, candidate {current}" in summary
    assert "rerun the baseline with the current task version" in summary
    fail = run.step("Fail on regression or unusable input")
    assert fail.returncode == 1 and fail.errors == ["the comparison could not be made (exit 2; see compare.md)"]


# --- sharded: the matrix jobs, then the gate -------------------------------------------------------

SHARDED_INTENTS = 4
SMALL = {"tasks": "userlm_bench/gsm8k_multiturn", "eval_args": "-T intents=intents.jsonl"}
"""The sharded runs: one task over an intent file of the caller's repository (a whole set, so the shards cover
it and `--limit` does not cut each shard)."""


@pytest.fixture(scope="module")
def intent_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("intents") / "intents.jsonl"
    write_intents(curated_intents("gsm8k")[:SHARDED_INTENTS], path)
    return path


@pytest.fixture(scope="module")
def whole_small_run(tmp_path_factory: pytest.TempPathFactory, server: str, intent_file: Path) -> Path:
    """The small run made whole, in one job (no baseline: compare exits 2)."""
    repository = {"intents.jsonl": intent_file}
    gated = gate(tmp_path_factory.mktemp("whole"), baseline=None, server=server, inputs=SMALL, repository=repository)
    assert gated.run.step("Run the benchmark for the candidate").outcome == "success"
    logs = gated.workspace / "logs" / "candidate"
    assert len(list(logs.glob("*.eval"))) == 1
    return logs


def test_a_candidate_run_as_two_shard_jobs_passes_against_the_same_run_made_whole(
    tmp_path: Path, whole_small_run: Path, intent_file: Path, server: str
) -> None:
    gated = gate(
        tmp_path,
        baseline=whole_small_run,
        server=server,
        inputs={**SMALL, "shards": 2},
        repository={"intents.jsonl": intent_file},
    )
    assert gated.plan.outputs == {"shards": "[1,2]", "sharded": "true"}
    assert [run.name for run in gated.shards] == ["shard 1 of 2", "shard 2 of 2"]
    shard_logs = []
    for k, run in enumerate(gated.shards, start=1):
        assert run.result == "success" and run.step("Run the benchmark for the candidate").outcome == "success"
        (name,) = gated.artifacts.files(f"candidate-logs-shard-{k}")  # the log, at the artifact's root
        header = read_eval_log(str(gated.artifacts.root / f"candidate-logs-shard-{k}" / name), header_only=True)
        assert header.eval.task_args_passed["shard"] == f"{k}/2" and len(header.eval.dataset.sample_ids or []) == 2
        shard_logs.append(name)
    summary = check_reported(gated, exit_code=0, verdict="pass")
    assert "`task_score` changed by **+0.000**" in summary  # the merged shards score as the whole run
    run = gated.run
    assert not run.step("Run the benchmark for the candidate").ran
    assert run.step("Collect the shards' logs").ran and not run.step("Check that every shard ran").ran
    assert sorted(path.name for path in (gated.workspace / "logs" / "candidate").glob("*.eval")) == sorted(shard_logs)
    assert "complete (2 shards)" in (gated.workspace / "leaderboard" / "leaderboard.md").read_text()
    assert gated.artifacts.names() == ["candidate-logs", "candidate-logs-shard-1", "candidate-logs-shard-2"]
    assert len(gated.stubs.pip_calls) == 3 * 2  # each shard job and the gate install


def test_a_failed_shard_job_makes_the_gate_refuse_the_candidate(
    tmp_path: Path, whole_small_run: Path, intent_file: Path, server: str
) -> None:
    gated = gate(
        tmp_path,
        baseline=whole_small_run,
        server=server,
        inputs={**SMALL, "shards": 2},
        repository={"intents.jsonl": intent_file},
        failing_shard=2,
    )
    assert [run.result for run in gated.shards] == ["success", "failure"]
    failed = gated.shards[1]
    assert failed.step("Run the benchmark for the candidate").returncode == 1
    assert failed.step("Keep this shard's logs").ran and "candidate-logs-shard-2" not in gated.artifacts.names()
    check = gated.run.step("Check that every shard ran")
    assert check.ran and "::warning::the shard jobs' result is 'failure'" in check.output
    summary = check_reported(gated, exit_code=2, verdict="unusable")
    assert "different intent sets: 2 intents only in the baseline" in summary
    assert gated.run.result == "failure"


# --- what fails before the benchmark runs ----------------------------------------------------


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"secrets": {"USERLM_BASE_URL": ""}}, "set the USERLM_BASE_URL secret (a server running UserLM-8b)"),
        ({"inputs": {"candidate_model": ""}}, "set the candidate_model input"),
        ({"inputs": {"epochs": 0}}, "epochs must be a whole number >= 1, got '0'"),
        ({"inputs": {"max_drop": "five points"}}, "max_drop must be a number >= 0 such as 0.05, got 'five points'"),
        ({"inputs": {"tasks": " \n"}}, "set the tasks input"),
        ({"inputs": {"shards": 0}}, "shards must be a whole number from 1 to 256 (a matrix's most jobs), got '0'"),
        ({"inputs": {"shards": 1.5}}, "shards must be a whole number from 1 to 256 (a matrix's most jobs), got '1.5'"),
        ({"inputs": {"shards": 257}}, "shards must be a whole number from 1 to 256 (a matrix's most jobs), got '257'"),
    ],
)
def test_a_bad_configuration_stops_the_gate_before_it_installs(
    tmp_path: Path, change: dict[str, dict[str, Any]], error: str
) -> None:
    gated = gate(tmp_path, baseline=None, **change)
    check = gated.plan.step("Check the configuration")
    assert check.returncode == 2 and len(check.errors) == 1 and check.errors[0].startswith(error)
    assert gated.plan.result == "failure"
    assert [run.result for run in gated.shards] == ["skipped"] and gated.run.result == "skipped"
    assert gated.stubs.gh_calls == [] and gated.stubs.pip_calls == [] and gated.artifacts.names() == []
    assert gated.run.workflow_outputs == {"verdict": "", "exit_code": "", "summary": ""}


def test_without_the_workflow_identity_the_install_asks_for_the_userlm_bench_input(tmp_path: Path) -> None:
    # GitHub Enterprise Server has a job context but no job.workflow_* values: they read as null.
    gated = gate(tmp_path, baseline=None, job=OpenMap())
    assert gated.plan.result == "success" and gated.shards[0].result == "skipped"
    install = gated.run.step("Install userlm-bench")
    assert install.returncode == 2 and "set the userlm_bench input" in install.errors[0]
    assert gated.stubs.pip_calls == [] and not gated.run.step("Run the benchmark for the candidate").ran


def test_the_stubbed_install_is_the_package_under_test() -> None:
    """The dry run records `pip install "userlm-bench @ git+<repository>@<commit of the workflow file>"` instead of
    running it. That is sound when the userlm-bench the steps run is this checkout's: an editable install of the
    repository that holds the workflow file, whose `userlm-bench` and `inspect` are the ones on the dry run's PATH."""
    installed = sysconfig.get_paths()["purelib"]  # not the clone's own egg-info, which sys.path also reaches
    (distribution,) = importlib.metadata.distributions(name="userlm-bench", path=[installed])
    origin = json.loads(distribution.read_text("direct_url.json") or "{}")
    assert origin.get("url") == ROOT.as_uri() and origin.get("dir_info", {}).get("editable") is True
    assert Path(benchmark.__file__).resolve().is_relative_to(ROOT)
    for command in ("userlm-bench", "inspect"):
        assert shutil.which(command, path=str(VENV_BIN)) == str(VENV_BIN / command)


# --- the workflows themselves ----------------------------------------------------------------


def test_this_repository_gates_through_the_reusable_workflow() -> None:
    caller = load_workflow(CALLER)
    (job,) = caller["jobs"].values()
    assert job["uses"] == "./.github/workflows/release-gate.yml" and "steps" not in job
    assert caller["permissions"] == {"contents": "read", "pull-requests": "write"}  # what the gate's job asks for
    assert load_workflow(GATE)["permissions"] == caller["permissions"]
    context = {
        "inputs": {"candidate_model": ""},
        "vars": OpenMap({"CANDIDATE_MODEL": "openai/assistant-v2", "GATE_EPOCHS": "3", "GATE_SHARDS": "4"}),
        "secrets": OpenMap({"USERLM_BASE_URL": "http://userlm:8000/v1", "OPENAI_API_KEY": "sk-test"}),
    }
    functions = {"fromJSON": json.loads}
    given = {name: substitute(str(value), context, functions) for name, value in job["with"].items()}
    call = workflow_call(load_workflow(GATE))
    assert inputs_context(call, given) == {
        "candidate_model": "openai/assistant-v2",
        "baseline_logs": "baselines/current",
        "user_model": "vllm/microsoft/UserLM-8b",
        "epochs": 3,
        "max_drop": "",
        "tasks": "tasks/gsm8k_multiturn.py tasks/humaneval_multiturn.py",
        "eval_args": "",
        "userlm_bench": ".",
        "shards": 4,
    }
    secrets = {name: substitute(str(value), context, functions) for name, value in job["secrets"].items()}
    assert secrets_context(call, secrets)["USERLM_BASE_URL"] == "http://userlm:8000/v1"


def test_actions_are_on_their_current_majors() -> None:
    used = set()
    for path in sorted(WORKFLOWS.glob("*.yml")):
        used |= set(re.findall(r"uses:\s*(actions/[\w-]+)@(\S+)", path.read_text()))
    assert used == set(CURRENT_MAJORS.items())
