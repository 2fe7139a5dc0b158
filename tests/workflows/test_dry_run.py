"""The dry run's jobs: needs, a job's `if:`, a matrix, and the artifact store, on a small workflow of its own."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from tests.workflows.artifacts import DOWNLOAD, UPLOAD, ArtifactStore, UnsupportedArtifactUse
from tests.workflows.dry_run import DryRunError, JobRun, dry_run, needed

WORKFLOW = """
on:
  workflow_call:
    inputs:
      parts: {type: number, default: 2}
    outputs:
      total: {value: "${{ jobs.sum.outputs.total }}"}
jobs:
  plan:
    runs-on: ubuntu-latest
    defaults: {run: {shell: bash}}
    outputs:
      parts: ${{ steps.list.outputs.parts }}
    steps:
      - id: list
        env: {PARTS: "${{ inputs.parts }}"}
        run: echo "parts=[$(seq -s , 1 "$PARTS")]" >> "$GITHUB_OUTPUT"
  part:
    name: part ${{ matrix.part }}
    needs: plan
    runs-on: ubuntu-latest
    strategy:
      matrix:
        part: ${{ fromJSON(needs.plan.outputs.parts) }}
    defaults: {run: {shell: bash}}
    steps:
      - env: {PART: "${{ matrix.part }}"}
        run: mkdir -p out/.cache && echo "$PART" > "out/part-$PART.txt" && echo hidden > out/.cache/x
      - uses: actions/upload-artifact@v7
        with: {name: "numbers-${{ matrix.part }}", path: out}
  sum:
    needs: [plan, part]
    if: ${{ !cancelled() && needs.plan.result == 'success' }}
    runs-on: ubuntu-latest
    defaults: {run: {shell: bash}}
    outputs:
      total: ${{ steps.add.outputs.total }}
    steps:
      - uses: actions/download-artifact@v8
        with: {pattern: numbers-*, merge-multiple: true, path: in}
      - id: add
        run: echo "total=$(cat in/*.txt | paste -sd+ | bc)" >> "$GITHUB_OUTPUT"
"""


@pytest.fixture
def workflow(tmp_path: Path) -> Path:
    path = tmp_path / "workflow.yml"
    path.write_text(WORKFLOW)
    return path


def run(workflow: Path, tmp_path: Path, job_id: str, store: ArtifactStore, **more: Any) -> JobRun:
    workspace = tmp_path / f"{job_id}-{more.get('matrix')}"
    workspace.mkdir()
    return dry_run(
        workflow,
        job_id=job_id,
        inputs=more.pop("inputs", {}),
        secrets={},
        github={},
        job={},
        workspace=workspace,
        env={"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"},
        artifacts=store,
        **more,
    )


def test_a_matrix_job_per_value_then_a_job_that_needs_them_all(workflow: Path, tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path / "artifacts")
    plan = run(workflow, tmp_path, "plan", store, inputs={"parts": 3})
    assert plan.outputs == {"parts": "[1,2,3]"} and plan.workflow_outputs == {}  # the outputs name `sum` only
    after = {"plan": needed(plan)}
    parts = [run(workflow, tmp_path, "part", store, needs=after, matrix={"part": k}) for k in (1, 2, 3)]
    assert [part.name for part in parts] == ["part 1", "part 2", "part 3"]
    assert store.names() == ["numbers-1", "numbers-2", "numbers-3"]
    assert store.files("numbers-2") == ["part-2.txt"]  # a directory's files at the root, hidden ones left out
    total = run(workflow, tmp_path, "sum", store, needs={"plan": needed(plan), "part": needed(*parts)})
    assert total.outputs == {"total": "6"} and total.workflow_outputs == {"total": "6"}


def test_a_job_whose_if_fails_is_skipped_and_the_workflow_outputs_are_empty(workflow: Path, tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path / "artifacts")
    failed = {"result": "failure", "outputs": {}}
    skipped = run(workflow, tmp_path, "sum", store, needs={"plan": failed, "part": needed()})
    assert skipped.result == "skipped" and skipped.steps == [] and skipped.workflow_outputs == {"total": ""}


def test_needs_and_matrix_are_checked(workflow: Path, tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path / "artifacts")
    plan = needed(run(workflow, tmp_path, "plan", store))
    with pytest.raises(DryRunError, match="needs \\['plan'\\], given \\[\\]"):
        run(workflow, tmp_path, "part", store, matrix={"part": 1})
    with pytest.raises(DryRunError, match="which does not hold 3"):
        run(workflow, tmp_path, "part", store, needs={"plan": plan}, matrix={"part": 3})
    with pytest.raises(DryRunError, match="give one value of each matrix key"):
        run(workflow, tmp_path, "part", store, needs={"plan": plan})
    with pytest.raises(DryRunError, match="has no matrix"):
        run(workflow, tmp_path, "plan", store, matrix={"part": 1})


def test_needed_sums_up_a_matrix_jobs_runs() -> None:
    def job(result: str, outputs: dict[str, str] | None = None) -> JobRun:
        return JobRun(name="x", steps=[], result=result, outputs=outputs or {}, workflow_outputs={})

    assert needed(job("success"), job("failure"))["result"] == "failure"
    assert needed(job("skipped"))["result"] == "skipped"
    assert needed(job("success"), job("skipped"))["result"] == "success"
    with pytest.raises(DryRunError, match="outputs of a matrix job"):
        needed(job("success", {"a": "1"}), job("success", {"a": "2"}))


def test_the_artifact_store_lays_files_out_as_the_actions_do(tmp_path: Path) -> None:
    store, workspace, target = ArtifactStore(tmp_path / "artifacts"), tmp_path / "workspace", tmp_path / "elsewhere"
    (workspace / "logs" / "candidate").mkdir(parents=True)
    (workspace / "logs" / "candidate" / "a.eval").write_text("a")
    (workspace / "compare.md").write_text("c")
    target.mkdir()

    def upload(**inputs: str) -> tuple[bool, str]:
        return store.run(UPLOAD, inputs, workspace)

    def download(**inputs: str) -> tuple[bool, str]:
        return store.run(DOWNLOAD, {key.replace("_", "-"): value for key, value in inputs.items()}, target)

    assert upload(name="all", path="logs/candidate\ncompare.md\nnone")[0]
    assert store.files("all") == ["compare.md", "logs/candidate/a.eval"]  # several paths: their common ancestor
    assert upload(name="one", path="compare.md")[0] and store.files("one") == ["compare.md"]
    ok, log = upload(name="one", path="compare.md")
    assert not ok and "already exists" in log
    assert upload(name="one", path="compare.md", overwrite="true")[0]
    assert upload(name="x", path="nothing") == (
        True,
        "::warning::No files were found with the provided path: nothing. No artifacts will be uploaded.",
    )
    assert not upload(name="x", path="nothing", **{"if-no-files-found": "error"})[0]
    assert download(path="got")[0]  # every artifact, a directory each
    assert sorted(path.name for path in (target / "got").iterdir()) == ["all", "one"]
    assert download(pattern="o*", path="matched")[0] and (target / "matched" / "compare.md").is_file()  # one: direct
    assert download(pattern="*", merge_multiple="true", path="merged")[0]
    assert sorted(str(p.relative_to(target / "merged")) for p in (target / "merged").rglob("*.*")) == [
        "compare.md",
        "logs/candidate/a.eval",
    ]
    assert not download(name="missing")[0]
    with pytest.raises(UnsupportedArtifactUse):
        upload(name="x", path="logs/*.eval")
    with pytest.raises(UnsupportedArtifactUse):
        download(run_id="1")
