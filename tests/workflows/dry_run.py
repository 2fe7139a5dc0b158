"""A dry run of one job of a reusable workflow: its `run:` steps executed in order in bash, offline.

What GitHub's runner would do and the dry run does too: the `inputs` (declared ones only, typed, defaults
filled in) and `secrets` contexts of `workflow_call`; the `needs` context (the results and outputs of the
jobs the job declares it needs, which the test ran before: `needed()` sums up a matrix job's runs) and the
job's `if:` on them (false: the job is skipped); a `strategy.matrix` of lists, the one combination the test
runs given as the `matrix` context (it must be one of the matrix's; a job without a matrix sees an empty
one); the job's `name`; the job's and each step's `env:` and every `${{ }}` in them and in `run:` evaluated
(tests.workflows.expressions: an expression it does not know fails the run); each step's `if:` with the job
status behind success()/failure(); `continue-on-error`; a fresh GITHUB_OUTPUT, GITHUB_STEP_SUMMARY,
GITHUB_ENV and GITHUB_PATH file per step, outputs read back into `steps.<id>.outputs`; the shell GitHub uses
for `shell: bash`; and at the end the job's outputs and, when they name this job, the workflow's outputs.
`uses:` steps are not run: their action must be in ACTION_INPUTS with inputs of that action, their `if:` and
`with:` are evaluated and kept for the test to check; upload-artifact and download-artifact act on the
run's artifact store (tests.workflows.artifacts), which the jobs of one workflow run share.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.workflows.artifacts import DOWNLOAD, UPLOAD, ArtifactStore
from tests.workflows.expressions import OpenMap, condition, substitute, to_text

BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]
"""What GitHub runs a `shell: bash` step's script file with."""
STEP_TIMEOUT = 300.0

ACTION_INPUTS = {
    "actions/checkout": {
        "repository", "ref", "token", "ssh-key", "ssh-known-hosts", "ssh-strict", "ssh-user",
        "persist-credentials", "path", "clean", "filter", "sparse-checkout", "sparse-checkout-cone-mode",
        "fetch-depth", "fetch-tags", "show-progress", "lfs", "submodules", "set-safe-directory",
        "github-server-url", "allow-unsafe-pr-checkout",
    },
    "actions/setup-python": {
        "python-version", "python-version-file", "cache", "architecture", "check-latest", "token",
        "cache-dependency-path", "update-environment", "allow-prereleases", "freethreaded", "pip-version",
    },
    "actions/upload-artifact": {
        "name", "path", "if-no-files-found", "retention-days", "compression-level", "overwrite",
        "include-hidden-files", "archive",
    },
    "actions/download-artifact": {
        "name", "artifact-ids", "path", "pattern", "merge-multiple", "github-token", "repository", "run-id",
        "skip-decompress", "digest-mismatch",
    },
}  # fmt: skip
"""The actions the dry run knows, with their inputs (from each action's action.yml)."""

UNSUPPORTED_STEP_KEYS = {"shell", "working-directory", "timeout-minutes"}
UNSUPPORTED_JOB_KEYS = {"container", "services", "uses", "continue-on-error"}
STRATEGY_KEYS = {"matrix", "fail-fast", "max-parallel"}
JOB_FUNCTIONS = {"fromJSON": json.loads}
"""Functions every expression may call besides the status functions (and hashFiles in steps)."""


class DryRunError(AssertionError):
    """The workflow uses something the dry run cannot reproduce faithfully."""


@dataclass
class StepRun:
    """What one step did (or would have done: `uses:` steps and skipped steps)."""

    name: str
    id: str | None
    uses: str | None
    outcome: str  # success, failure or skipped (before continue-on-error)
    conclusion: str  # after continue-on-error
    returncode: int | None = None
    output: str = ""
    summary: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    with_: dict[str, Any] = field(default_factory=dict)

    @property
    def ran(self) -> bool:
        return self.outcome != "skipped"

    @property
    def errors(self) -> list[str]:
        """The messages of the step's `::error::` workflow commands."""
        return [line.removeprefix("::error::") for line in self.output.splitlines() if line.startswith("::error::")]


@dataclass
class JobRun:
    name: str
    steps: list[StepRun]
    result: str  # success, failure or skipped (its `if:` did not hold)
    outputs: dict[str, str]
    workflow_outputs: dict[str, str]

    def step(self, name: str) -> StepRun:
        """The step called `name` (or whose action is `name`, for unnamed `uses:` steps)."""
        found = [s for s in self.steps if name in (s.name, (s.uses or "").split("@")[0])]
        if len(found) != 1:
            raise KeyError(f"{len(found)} steps called {name!r}: {[s.name for s in self.steps]}")
        return found[0]

    @property
    def summary(self) -> str:
        """The job's step summary: every step's GITHUB_STEP_SUMMARY in order."""
        return "".join(s.summary for s in self.steps)


def load_workflow(path: Path) -> dict[str, Any]:
    """The workflow file as data (YAML 1.1 reads the key `on` as True: put it back)."""
    data = yaml.safe_load(path.read_text())
    if True in data:
        data["on"] = data.pop(True)
    return data


def workflow_call(workflow: Mapping[str, Any]) -> dict[str, Any]:
    """The `on.workflow_call` section (inputs, secrets, outputs)."""
    trigger = workflow.get("on") or {}
    if not isinstance(trigger, dict) or "workflow_call" not in trigger:
        raise DryRunError("not a reusable workflow: no on.workflow_call")
    return trigger["workflow_call"] or {}


def _typed_input(name: str, spec: Mapping[str, Any], value: Any) -> Any:
    kind = spec.get("type")
    expected = {"string": (str,), "number": (int, float), "boolean": (bool,)}.get(kind)
    if expected is None:
        raise DryRunError(f"input {name}: unknown type {kind!r}")
    if not isinstance(value, expected) or (kind == "number" and isinstance(value, bool)):
        raise DryRunError(f"input {name} is a {kind}, got {value!r}")
    return value


def inputs_context(call: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """What `inputs.*` holds in the called workflow: the given values, or the declared defaults."""
    declared = call.get("inputs") or {}
    unknown = set(given) - set(declared)
    if unknown:
        raise DryRunError(f"inputs not declared by the workflow: {sorted(unknown)}")
    context = {}
    for name, spec in declared.items():
        if name in given:
            context[name] = _typed_input(name, spec, given[name])
        elif spec.get("required"):
            raise DryRunError(f"required input {name} not given")
        else:
            default = spec.get("default", {"string": "", "number": 0, "boolean": False}[spec["type"]])
            context[name] = _typed_input(name, spec, default)
    return context


def secrets_context(call: Mapping[str, Any], given: Mapping[str, str]) -> dict[str, str]:
    """What `secrets.*` holds: the given secrets, empty for declared ones the caller did not pass."""
    declared = call.get("secrets") or {}
    unknown = set(given) - set(declared)
    if unknown:
        raise DryRunError(f"secrets not declared by the workflow: {sorted(unknown)}")
    missing = [name for name, spec in declared.items() if (spec or {}).get("required") and name not in given]
    if missing:
        raise DryRunError(f"required secrets not given: {missing}")
    return {name: given.get(name, "") for name in declared}


def read_outputs(path: Path) -> dict[str, str]:
    """A GITHUB_OUTPUT file: `name=value` lines and `name<<DELIMITER` ... `DELIMITER` blocks."""
    outputs: dict[str, str] = {}
    lines = iter(path.read_text().splitlines())
    for line in lines:
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            block = []
            for inner in lines:
                if inner == delimiter:
                    break
                block.append(inner)
            else:
                raise DryRunError(f"GITHUB_OUTPUT: no closing {delimiter!r} for {name}")
            outputs[name] = "\n".join(block)
        elif "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
        else:
            raise DryRunError(f"GITHUB_OUTPUT: cannot read {line!r}")
    return outputs


def _hash_files(workspace: Path) -> Any:
    def hash_files(*patterns: str) -> str:
        files = sorted({p for pattern in patterns for p in workspace.glob(pattern) if p.is_file()})
        if not files:
            return ""
        digest = hashlib.sha256()
        for path in files:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        return digest.hexdigest()

    return hash_files


def _mapping(section: Any, where: str) -> dict[str, Any]:
    if section is None:
        return {}
    if not isinstance(section, dict):
        raise DryRunError(f"{where} must be a mapping")
    return section


def needed(*runs: JobRun) -> dict[str, Any]:
    """What a later job's `needs.<id>` holds about a job, from its runs (one, or one per matrix combination):
    failure if any run failed, skipped if all were skipped, else success; a matrix job's outputs are refused."""
    results = {run.result for run in runs}
    result = "failure" if "failure" in results else "skipped" if results == {"skipped"} else "success"
    if len(runs) > 1 and any(run.outputs for run in runs):
        raise DryRunError("outputs of a matrix job: GitHub keeps one run's, which the dry run does not pick")
    return {"result": result, "outputs": dict(runs[0].outputs) if runs else {}}


def _declared_needs(job: Mapping[str, Any]) -> set[str]:
    declared = job.get("needs") or []
    return {declared} if isinstance(declared, str) else set(declared)


def _matrix(job: Mapping[str, Any], job_id: str, given: Mapping[str, Any] | None, context: Mapping[str, Any]) -> Any:
    """The matrix context of the combination `given`, checked against the job's strategy."""
    strategy = _mapping(job.get("strategy"), f"job {job_id} strategy")
    unknown = set(strategy) - STRATEGY_KEYS
    if unknown:
        raise DryRunError(f"job {job_id}: the dry run does not handle strategy {sorted(unknown)}")
    if "matrix" not in strategy:
        if given is not None:
            raise DryRunError(f"job {job_id} has no matrix, yet a matrix combination was given")
        return OpenMap()  # outside a matrix every matrix property is null
    matrix = _mapping(strategy["matrix"], f"job {job_id} matrix")
    if {"include", "exclude"} & set(matrix):
        raise DryRunError(f"job {job_id}: the dry run does not handle matrix include/exclude")
    if given is None or set(given) != set(matrix):
        raise DryRunError(f"job {job_id}: give one value of each matrix key {sorted(matrix)}, got {given}")
    for key, values in matrix.items():
        values = substitute(values, context, JOB_FUNCTIONS) if isinstance(values, str) else values
        if not isinstance(values, list) or given[key] not in values:
            raise DryRunError(f"job {job_id}: matrix {key} is {values!r}, which does not hold {given[key]!r}")
    return dict(given)


class _Job:
    """One run of a job: its contexts, the status behind success()/failure(), its steps so far."""

    def __init__(
        self,
        workflow: Mapping[str, Any],
        job_id: str,
        contexts: Mapping[str, Any],
        workspace: Path,
        artifacts: ArtifactStore,
    ) -> None:
        self.job = workflow["jobs"][job_id]
        unsupported = UNSUPPORTED_JOB_KEYS & set(self.job)
        if unsupported:
            raise DryRunError(f"job {job_id}: the dry run does not handle {sorted(unsupported)}")
        shell = ((self.job.get("defaults") or {}).get("run") or {}).get("shell")
        if shell != "bash":
            raise DryRunError(f"job {job_id}: set defaults.run.shell to bash (the dry run runs {BASH}), got {shell}")
        self.workspace = workspace
        self.artifacts = artifacts
        self.failed = False
        self.steps_context: dict[str, dict[str, Any]] = {
            step["id"]: {"outputs": OpenMap(), "outcome": None, "conclusion": None}
            for step in self.job["steps"]
            if "id" in step
        }
        self.contexts = {**contexts, "steps": self.steps_context}
        self.functions = {
            "always": lambda: True,
            "success": lambda: not self.failed,
            "failure": lambda: self.failed,
            "cancelled": lambda: False,
            "hashFiles": _hash_files(workspace),
            **JOB_FUNCTIONS,
        }
        self.env = self.evaluate_env(self.job.get("env"), {}, f"job {job_id}")

    def evaluate_env(self, section: Any, base: Mapping[str, str], where: str) -> dict[str, str]:
        env = dict(base)
        for name, value in _mapping(section, f"{where} env").items():
            env[name] = to_text(substitute(str(value), {**self.contexts, "env": env}, self.functions))
        return env

    def run_step(self, step: Mapping[str, Any], index: int, base_env: Mapping[str, str]) -> StepRun:
        name = step.get("name") or step.get("uses") or f"step {index + 1}"
        unsupported = UNSUPPORTED_STEP_KEYS & set(step)
        if unsupported:
            raise DryRunError(f"{name}: the dry run does not handle {sorted(unsupported)}")
        if ("run" in step) == ("uses" in step):
            raise DryRunError(f"{name}: a step has either run or uses")
        env = self.evaluate_env(step.get("env"), self.env, name)
        context = {**self.contexts, "env": env}
        run = StepRun(name=name, id=step.get("id"), uses=step.get("uses"), outcome="skipped", conclusion="skipped")
        if "uses" in step:
            run.with_ = {
                key: substitute(str(value), context, self.functions)
                for key, value in _mapping(step.get("with"), f"{name} with").items()
            }
            self.check_action(run)
        # The script is read even when the step is skipped, so an unknown expression in it always fails.
        script = to_text(substitute(str(step["run"]), context, self.functions)) if "run" in step else ""
        holds = condition(step.get("if"), context, self.functions)
        if holds and "run" in step:
            self.execute(run, script, {**base_env, **env})
        elif holds and (run.uses or "").split("@")[0] in (UPLOAD, DOWNLOAD):
            ok, run.output = self.artifacts.run((run.uses or "").split("@")[0], run.with_, self.workspace)
            run.outcome = run.conclusion = "success" if ok else "failure"
        elif holds:
            run.outcome = run.conclusion = "success"  # any other `uses:` step: assumed to do its job
        if run.outcome == "failure":
            run.conclusion = "success" if step.get("continue-on-error") is True else "failure"
            self.failed = self.failed or run.conclusion == "failure"
        if run.id:
            self.steps_context[run.id] = {
                "outputs": OpenMap(run.outputs),
                "outcome": run.outcome,
                "conclusion": run.conclusion,
            }
        return run

    def check_action(self, run: StepRun) -> None:
        action = (run.uses or "").split("@")[0]
        if action not in ACTION_INPUTS:
            raise DryRunError(f"{run.name}: the dry run does not know the action {run.uses}")
        unknown = set(run.with_) - ACTION_INPUTS[action]
        if unknown:
            raise DryRunError(f"{run.name}: {action} has no inputs {sorted(unknown)}")

    def execute(self, run: StepRun, script: str, env: Mapping[str, str]) -> None:
        with tempfile.TemporaryDirectory(prefix="step-") as files:
            paths = {name: Path(files, name.lower()) for name in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY")}
            paths |= {name: Path(files, name.lower()) for name in ("GITHUB_ENV", "GITHUB_PATH")}
            for path in paths.values():
                path.touch()
            script_file = Path(files, "step.sh")
            script_file.write_text(script)
            process = subprocess.run(
                [*BASH, str(script_file)],
                cwd=self.workspace,
                env={**env, **{name: str(path) for name, path in paths.items()}},
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=STEP_TIMEOUT,
            )
            for name in ("GITHUB_ENV", "GITHUB_PATH"):
                if paths[name].read_text():
                    raise DryRunError(f"{run.name} writes {name}, which the dry run does not apply")
            run.returncode = process.returncode
            run.output = process.stdout
            run.summary = paths["GITHUB_STEP_SUMMARY"].read_text()
            run.outputs = read_outputs(paths["GITHUB_OUTPUT"])
        run.outcome = "success" if process.returncode == 0 else "failure"


def _workflow_outputs(call: Mapping[str, Any], job_id: str, outputs: Mapping[str, str], result: str) -> dict[str, str]:
    """The workflow's outputs when they come from job `job_id` (a job named in them but this one fails the run);
    {} when they do not name it."""
    declared = _mapping(call.get("outputs"), "workflow_call outputs")
    named = {job for spec in declared.values() for job in re.findall(r"\bjobs\.([A-Za-z_][\w-]*)", str(spec["value"]))}
    if job_id not in named:
        return {}
    jobs_context = {"jobs": {job_id: {"outputs": OpenMap(outputs), "result": result}}}
    return {key: to_text(substitute(str(spec["value"]), jobs_context, {})) for key, spec in declared.items()}


def _job_condition(job: Mapping[str, Any], contexts: Mapping[str, Any], needs: Mapping[str, Any]) -> bool:
    """Whether the job's `if:` holds; success() means every needed job succeeded, failure() that one failed."""
    functions = {
        "always": lambda: True,
        "success": lambda: all(need["result"] == "success" for need in needs.values()),
        "failure": lambda: any(need["result"] == "failure" for need in needs.values()),
        "cancelled": lambda: False,
        **JOB_FUNCTIONS,
    }
    return condition(job.get("if"), contexts, functions)


def dry_run(
    workflow_path: Path,
    *,
    job_id: str,
    inputs: Mapping[str, Any],
    secrets: Mapping[str, str],
    github: Mapping[str, Any],
    job: Mapping[str, Any],
    workspace: Path,
    env: Mapping[str, str],
    artifacts: ArtifactStore,
    needs: Mapping[str, Mapping[str, Any]] | None = None,
    matrix: Mapping[str, Any] | None = None,
) -> JobRun:
    """Run the job `job_id` of the reusable workflow at `workflow_path` as its caller would, in `workspace`.

    `github` and `job` are the github and job contexts (only what they hold can be read); `env` is the
    runner's own environment (PATH, HOME, ...), under the workflow's; `artifacts` the workflow run's artifact
    store; `needs` what the jobs this one needs did (`needed()`); `matrix` the matrix combination to run.
    """
    workflow = load_workflow(workflow_path)
    if "env" in workflow:
        raise DryRunError("the dry run reads the job's and the steps' env, not a workflow-level one")
    call = workflow_call(workflow)
    spec = workflow["jobs"][job_id]
    needs = dict(needs or {})
    if set(needs) != _declared_needs(spec):
        raise DryRunError(f"job {job_id} needs {sorted(_declared_needs(spec))}, given {sorted(needs)}")
    early = {
        "inputs": inputs_context(call, inputs),
        "github": github,
        "needs": {key: {"result": need["result"], "outputs": OpenMap(need["outputs"])} for key, need in needs.items()},
    }
    if not _job_condition(spec, early, needs):
        skipped = _workflow_outputs(call, job_id, {}, "skipped")
        return JobRun(name=job_id, steps=[], result="skipped", outputs={}, workflow_outputs=skipped)
    contexts = {
        **early,
        "matrix": _matrix(spec, job_id, matrix, early),
        "secrets": secrets_context(call, secrets),
        "job": job,
    }
    title = to_text(substitute(str(spec.get("name") or job_id), contexts, JOB_FUNCTIONS))
    runner_env = {
        **env,
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_EVENT_NAME": to_text(github.get("event_name")),
        "GITHUB_REPOSITORY": to_text(github.get("repository")),
        "RUNNER_TEMP": tempfile.mkdtemp(prefix="runner-temp-", dir=workspace.parent),
    }
    state = _Job(workflow, job_id, contexts, workspace, artifacts)
    steps = [state.run_step(step, i, runner_env) for i, step in enumerate(state.job["steps"])]
    outputs = {
        name: to_text(substitute(str(value), state.contexts, state.functions))
        for name, value in _mapping(state.job.get("outputs"), f"job {job_id} outputs").items()
    }
    result = "failure" if state.failed else "success"
    workflow_outputs = _workflow_outputs(call, job_id, outputs, result)
    return JobRun(name=title, steps=steps, result=result, outputs=outputs, workflow_outputs=workflow_outputs)
