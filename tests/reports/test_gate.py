"""The regression gate (`userlm-bench compare`) on logs written with Inspect's own API."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from inspect_ai.log import (
    EvalConfig,
    EvalDataset,
    EvalLog,
    EvalMetric,
    EvalResults,
    EvalSample,
    EvalScore,
    EvalSpec,
    write_eval_log,
)
from inspect_ai.scorer import Score

from benchmark.cli import main
from benchmark.constants import (
    DEFAULT_USER_MODEL,
    EXIT_PASS,
    EXIT_REGRESSION,
    EXIT_UNUSABLE,
    GATE_SEED,
    INTENT_COVERAGE,
    TASK_SCORE,
    TURN_STATS,
    USER_BEHAVIOUR,
    USER_TURNS,
)
from benchmark.reports.gate import GateSettings, gate
from benchmark.reports.logs import read_logs
from benchmark.stats import pooled_mean

Outcomes = dict[str, list[float]]
"""intent id -> task_score of each epoch."""

START = datetime(2026, 1, 1, tzinfo=timezone.utc)


def make_log(
    path: Path,
    outcomes: Outcomes,
    *,
    task: str = "gsm8k_multiturn",
    version: str = "1.0.0",
    model: str = "openai/assistant-v1",
    simulator: str = "userlm",
    user_model: str = DEFAULT_USER_MODEL,
    created: datetime = START,
    coverage: float | None = 0.8,
    simulator_failed: frozenset[tuple[str, int]] = frozenset(),
    settings: dict[str, object] | None = None,
    shard: str | None = None,
    intent_set_size: int | None = None,
) -> Path:
    """An Inspect log of `outcomes`, built with inspect_ai.log's classes and written by write_eval_log."""
    samples = []
    for intent, values in outcomes.items():
        for epoch, value in enumerate(values, start=1):
            failed = (intent, epoch) in simulator_failed
            value = math.nan if failed else value
            scores = {TASK_SCORE: Score(value=value), TURN_STATS: Score(value={USER_TURNS: 2 + epoch % 3})}
            if coverage is not None:
                scores[USER_BEHAVIOUR] = Score(value={INTENT_COVERAGE: coverage})
            samples.append(
                EvalSample(
                    id=intent,
                    epoch=epoch,
                    input="(conversation)",
                    target="",
                    scores=scores,
                    metadata={
                        "conversation": {
                            "simulator": simulator,
                            "user_model": user_model,
                            "stop_reason": "no_opening" if failed else "end_token",
                        }
                    },
                )
            )
    epochs = max(len(v) for v in outcomes.values())
    estimate, (low, high) = pooled_mean([sum(v) for v in outcomes.values()], [len(v) for v in outcomes.values()])
    metrics = [
        EvalScore(name=TASK_SCORE, scorer=TASK_SCORE, metrics={"mean": EvalMetric(name="mean", value=estimate)}),
        EvalScore(
            name=TASK_SCORE,
            scorer=TASK_SCORE,
            metrics={"ci_low": EvalMetric(name="ci_low", value=low), "ci_high": EvalMetric(name="ci_high", value=high)},
        ),
    ]
    changed = settings or {}
    size = intent_set_size or (21 if shard else len(outcomes))
    metadata = {
        "settings": {"simulator": simulator, "max_turns": 10, "allow_end": True, **changed},
        "changed_settings": [f"{name}={value}" for name, value in sorted(changed.items())],
        "intent_set": {"name": "curated", "count": size, "hash": f"set-of-{size}"},
        "shard": shard,
    }
    log = EvalLog(
        status="success",
        eval=EvalSpec(
            created=created.isoformat(),
            task=task,
            task_version=version,
            task_args={"simulator": simulator},
            metadata=metadata,
            dataset=EvalDataset(name=task, samples=len(outcomes), sample_ids=list(outcomes)),
            model=model,
            config=EvalConfig(epochs=epochs),
        ),
        results=EvalResults(total_samples=len(samples), completed_samples=len(samples), scores=metrics),
        samples=samples,
    )
    write_eval_log(log, str(path))
    return path


def conversations(outcomes: Outcomes, task: str = "gsm8k_multiturn", log: str = "in-memory") -> pd.DataFrame:
    """The conversation frame benchmark.reports.logs.read_logs gives for make_log(outcomes), built in memory."""
    rows = [
        {
            "eval_id": log,
            "log": log,
            "task": task,
            "task_version": "1.0.0",
            "assistant": "openai/assistant-v1",
            "simulator": "userlm",
            "user_model": DEFAULT_USER_MODEL,
            "intent": intent,
            "epoch": epoch,
            "error": "",
            TASK_SCORE: float(value),
        }
        for intent, values in outcomes.items()
        for epoch, value in enumerate(values, start=1)
    ]
    return pd.DataFrame(rows)


def difficulties(n_intents: int, rng: np.random.Generator) -> np.ndarray:
    """Per-intent success probabilities: a spread of easy and hard intents, mean about 0.6."""
    return rng.beta(2.4, 1.6, size=n_intents)


def simulate(p: np.ndarray, epochs: int, rng: np.random.Generator, prefix: str = "intent") -> Outcomes:
    draws = rng.random((len(p), epochs)) < np.clip(p, 0, 1)[:, None]
    return {f"{prefix}-{i:03d}": [float(x) for x in row] for i, row in enumerate(draws)}


def split(outcomes: Outcomes, first: int) -> tuple[Outcomes, Outcomes]:
    items = list(outcomes.items())
    return dict(items[:first]), dict(items[first:])


def compare(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["compare", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


# --- the Done-when checks ---------------------------------------------------------------


def test_candidate_ten_points_worse_is_flagged(tmp_path, capsys):
    """65 intents (20 GSM8k + 45 HumanEval, as in the paper) x 10 epochs, one directory of logs per side."""
    rng = np.random.default_rng(6)
    p = difficulties(65, rng)
    base, cand = simulate(p, 10, rng), simulate(p - 0.10, 10, rng)
    for side, outcomes, created in (("baseline", base, START), ("candidate", cand, START + timedelta(days=1))):
        gsm8k, humaneval = split(outcomes, 20)
        (tmp_path / side).mkdir()
        model = f"openai/assistant-{side}"
        make_log(tmp_path / side / "gsm8k.eval", gsm8k, model=model, created=created)
        make_log(
            tmp_path / side / "humaneval.eval", humaneval, task="humaneval_multiturn", model=model, created=created
        )

    code, out, _ = compare(capsys, tmp_path / "baseline", tmp_path / "candidate")
    assert code == EXIT_REGRESSION
    assert "REGRESSION in `task_score`" in out
    assert "| **task_score** (gated) |" in out and "65 intents" in out
    assert "| gsm8k_multiturn |" in out and "| humaneval_multiturn |" in out  # the per-task breakdown
    assert "got worse" in out and "<details><summary>Got worse" in out
    drop = float(out.split("dropped by **")[1].split("**")[0])
    assert 0.05 < drop < 0.15


def test_detection_rate_of_a_ten_point_drop():
    """Power of the gate at the defaults: 10-point drops over 65 intents x 10 epochs, 50 seeded trials."""
    rng = np.random.default_rng(GATE_SEED)
    flagged = 0
    trials = 50
    for _ in range(trials):
        p = difficulties(65, rng)
        result = gate(conversations(simulate(p, 10, rng)), conversations(simulate(p - 0.10, 10, rng)))
        flagged += result.exit_code == EXIT_REGRESSION
    print(f"detection rate of a 10-point drop: {flagged}/{trials}")
    assert flagged / trials >= 0.90


def test_false_alarm_rate_of_identical_candidates():
    """Baseline and candidate drawn from the same per-intent distributions: >= 95% of 200 trials pass."""
    rng = np.random.default_rng(GATE_SEED + 1)
    trials, alarms = 200, 0
    for _ in range(trials):
        p = difficulties(65, rng)
        result = gate(conversations(simulate(p, 10, rng)), conversations(simulate(p, 10, rng)))
        assert result.exit_code in (EXIT_PASS, EXIT_REGRESSION)
        alarms += result.exit_code == EXIT_REGRESSION
    print(f"false-alarm rate over {trials} identical-distribution trials: {alarms}/{trials}")
    assert (trials - alarms) / trials >= 0.95


def test_different_intent_sets_give_exit_2(tmp_path, capsys):
    rng = np.random.default_rng(1)
    outcomes = simulate(difficulties(12, rng), 3, rng)
    fewer = dict(list(outcomes.items())[:10])
    base = make_log(tmp_path / "base.eval", outcomes)
    cand = make_log(tmp_path / "cand.eval", fewer, created=START + timedelta(hours=1), intent_set_size=12)
    code, out, err = compare(capsys, base, cand)
    assert code == EXIT_UNUSABLE
    assert "different intent sets" in err and "2 intents only in the baseline" in err
    assert "intent-010" in err and str(base) in err and str(cand) in err
    assert "unusable input" in out  # the markdown says so too, for the PR comment


def test_corrupted_log_gives_exit_2_naming_the_file(tmp_path, capsys):
    rng = np.random.default_rng(2)
    outcomes = simulate(difficulties(5, rng), 2, rng)
    good = make_log(tmp_path / "good.eval", outcomes)
    data = good.read_bytes()
    truncated = tmp_path / "truncated.eval"
    truncated.write_bytes(data[: len(data) // 2])
    garbage = tmp_path / "garbage.eval"
    garbage.write_bytes(b"this is not an Inspect log")
    broken_json = tmp_path / "broken.json"
    broken_json.write_text('{"version": 2, "status": "succ', encoding="utf-8")
    for bad in (truncated, garbage, broken_json):
        code, out, err = compare(capsys, good, bad)
        assert code == EXIT_UNUSABLE, bad
        assert str(bad) in err and "not a readable Inspect log" in err
        code, out, err = compare(capsys, bad, good, "--format", "json")
        assert code == EXIT_UNUSABLE and str(bad) in json.loads(out)["error"]
    code, _, err = compare(capsys, good, tmp_path / "missing.eval")
    assert code == EXIT_UNUSABLE and "missing.eval: no such file" in err


# --- more unusable inputs -----------------------------------------------------------------


def test_missing_metric_gives_exit_2(tmp_path, capsys):
    rng = np.random.default_rng(3)
    outcomes = simulate(difficulties(6, rng), 2, rng)
    base = make_log(tmp_path / "base.eval", outcomes, coverage=None)
    cand = make_log(tmp_path / "cand.eval", outcomes, coverage=None)
    code, _, err = compare(capsys, base, cand, "--metric", INTENT_COVERAGE)
    assert code == EXIT_UNUSABLE
    assert "metric 'intent_coverage' is missing from the baseline logs" in err and str(base) in err
    assert "metrics found: task_score" in err
    code, _, err = compare(capsys, base, cand, "--metric", "bleu")
    assert code == EXIT_UNUSABLE and "unknown metric 'bleu'" in err


def test_different_task_versions_or_simulators_give_exit_2(tmp_path, capsys):
    rng = np.random.default_rng(4)
    outcomes = simulate(difficulties(6, rng), 2, rng)
    base = make_log(tmp_path / "base.eval", outcomes)
    newer = make_log(tmp_path / "newer.eval", outcomes, version="2.0.0")
    prompted = make_log(tmp_path / "prompted.eval", outcomes, simulator="prompted", user_model="openai/gpt-4o")
    code, _, err = compare(capsys, base, newer)
    assert code == EXIT_UNUSABLE and "task version: baseline 1.0.0, candidate 2.0.0" in err
    assert "rerun the baseline with the current task version" in err
    code, _, err = compare(capsys, base, prompted)
    assert code == EXIT_UNUSABLE and "simulator: baseline userlm, candidate prompted" in err
    assert "user model: baseline vllm/microsoft/UserLM-8b, candidate openai/gpt-4o" in err


# --- passes, and the pieces ----------------------------------------------------------------


def test_identical_distribution_candidate_passes_through_the_cli(tmp_path, capsys):
    rng = np.random.default_rng(5)
    p = difficulties(30, rng)
    base = make_log(tmp_path / "base.eval", simulate(p, 5, rng))
    cand = make_log(tmp_path / "cand.eval", simulate(p, 5, rng), created=START + timedelta(days=1))
    code, out, _ = compare(capsys, base, cand)
    assert code == EXIT_PASS
    assert "no significant regression in `task_score`" in out and "`base.eval`" in out

    code, out, _ = compare(capsys, base, cand, "--format", "json", "--max-drop", "0.05")
    report = json.loads(out)
    assert code == EXIT_PASS and report["verdict"] == "pass" and report["exit_code"] == 0
    assert report["intents"] == 30 and report["baseline"]["epochs"] == 5
    assert report["settings"]["max_drop"] == 0.05 and report["p_value"] >= 0.05
    gated = next(d for d in report["deltas"] if d["metric"] == TASK_SCORE)
    assert gated["ci_low"] <= gated["change"] <= gated["ci_high"]


def test_read_logs_matches_the_in_memory_frame(tmp_path):
    """The false-alarm trials run on in-memory frames: they must equal what the logs give."""
    rng = np.random.default_rng(7)
    outcomes = simulate(difficulties(8, rng), 3, rng)
    path = make_log(tmp_path / "one.eval", outcomes)
    read = read_logs([path]).conversations
    built = conversations(outcomes)
    columns = ["task", "task_version", "assistant", "simulator", "user_model", "intent", "epoch", TASK_SCORE]
    key = ["intent", "epoch"]
    left = read[columns].sort_values(key).reset_index(drop=True)
    right = built[columns].sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right, check_dtype=False)


def test_gate_is_seeded_and_averages_epochs():
    rng = np.random.default_rng(8)
    p = difficulties(20, rng)
    base, cand = conversations(simulate(p, 4, rng)), conversations(simulate(p - 0.2, 4, rng))
    first, second = gate(base, cand), gate(base, cand)
    assert first.p_value == second.p_value and first.deltas == second.deltas
    other = gate(base, cand, GateSettings(seed=1))
    assert other.drop == first.drop  # the estimate does not depend on the seed, only the interval does
    per_intent = base.groupby("intent")[TASK_SCORE].mean() - cand.groupby("intent")[TASK_SCORE].mean()
    assert math.isclose(first.drop, per_intent.mean())


def test_max_drop_tolerates_small_drops():
    rng = np.random.default_rng(9)
    p = difficulties(65, rng)
    base, cand = conversations(simulate(p, 10, rng)), conversations(simulate(p - 0.10, 10, rng))
    assert gate(base, cand).exit_code == EXIT_REGRESSION
    assert gate(base, cand, GateSettings(max_drop=0.25)).exit_code == EXIT_PASS


def test_compare_refuses_a_side_whose_simulator_failed_too_often(tmp_path, capsys):
    outcomes = {f"intent-{i:02d}": [1.0, 0.0] for i in range(20)}
    base = make_log(tmp_path / "base.eval", outcomes)
    failed = frozenset((f"intent-{i:02d}", 1) for i in range(5))  # 5 of 40 conversations: 12.5%
    cand = make_log(tmp_path / "cand.eval", outcomes, simulator_failed=failed)
    assert main(["compare", str(base), str(cand)]) == EXIT_UNUSABLE
    err = capsys.readouterr().err
    assert "the simulator failed in 12.5% of the candidate's conversations" in err and "cand.eval" in err
    assert "more than the 10% allowed" in err and "check-user" in err
    relaxed = ["--max-simulator-failures", "0.2", "--max-missing", "0.2"]
    assert main(["compare", str(base), str(cand), *relaxed]) in (EXIT_PASS, EXIT_REGRESSION)


def test_a_drop_of_exactly_the_margin_passes():
    outcomes = {f"intent-{i:02d}": [1.0] * 50 for i in range(25)}
    worse = {intent: [1.0] * 49 + [0.0] for intent in outcomes}  # every intent drops by exactly 0.02
    result = gate(conversations(outcomes), conversations(worse), GateSettings(max_drop=0.02))
    assert result.drop == pytest.approx(0.02) and result.exit_code == EXIT_PASS and result.p_value == 0.5
    beyond = {intent: [1.0] * 48 + [0.0] * 2 for intent in outcomes}  # 0.04 on every intent: known exactly
    assert gate(conversations(outcomes), conversations(beyond), GateSettings(max_drop=0.02)).exit_code == 1


def test_a_side_with_many_missing_scores_exits_2(tmp_path, capsys):
    outcomes = {f"intent-{i:02d}": [1.0, 0.0, 1.0] for i in range(20)}
    nan_heavy = {
        intent: [math.nan, math.nan, 1.0] if i % 2 else values for i, (intent, values) in enumerate(outcomes.items())
    }
    base = make_log(tmp_path / "base.eval", outcomes)
    cand = make_log(tmp_path / "cand.eval", nan_heavy)
    code, _, err = compare(capsys, base, cand)
    assert code == EXIT_UNUSABLE and "20 of the candidate's 60 conversations (33.3%) have no task_score" in err
    assert "a missing score is not a pass" in err


def test_runs_with_different_settings_exit_2_naming_the_setting(tmp_path, capsys):
    outcomes = {f"intent-{i:02d}": [1.0, 0.0] for i in range(20)}
    base = make_log(tmp_path / "base.eval", outcomes)
    cand = make_log(tmp_path / "cand.eval", outcomes, settings={"max_turns": 1})
    code, _, err = compare(capsys, base, cand)
    assert code == EXIT_UNUSABLE and "max_turns: baseline 10, candidate 1" in err


def test_few_intents_are_flagged_in_the_summary(tmp_path, capsys):
    outcomes = {f"intent-{i:02d}": [1.0, 0.0] for i in range(3)}
    base = make_log(tmp_path / "base.eval", outcomes)
    code, out, _ = compare(capsys, base, base)
    assert code == EXIT_PASS and "only 3 intents on the baseline side (fewer than 20)" in out


def test_shards_compare_like_the_whole_run(tmp_path, capsys):
    rng = np.random.default_rng(7)
    outcomes = simulate(difficulties(21, rng), 3, rng)
    worse = {k: [0.0 if i % 2 else v for i, v in enumerate(vals)] for k, vals in outcomes.items()}
    whole_dir, shard_dir = tmp_path / "whole", tmp_path / "shards"
    whole_dir.mkdir(), shard_dir.mkdir()
    make_log(whole_dir / "cand.eval", worse)
    items = sorted(worse.items())
    for k in range(3):
        make_log(shard_dir / f"s{k}.eval", dict(items[k::3]), shard=f"{k + 1}/3", created=START + timedelta(minutes=k))
    base = make_log(tmp_path / "base.eval", outcomes)
    whole = compare(capsys, base, whole_dir)
    sharded = compare(capsys, base, shard_dir)
    assert whole[0] == sharded[0] == EXIT_REGRESSION
    assert whole[1].split("Baseline logs:")[0] == sharded[1].split("Baseline logs:")[0]  # the same verdict and figures
    overlapping = tmp_path / "overlap"
    overlapping.mkdir()
    make_log(overlapping / "a.eval", dict(items[:12]), shard="1/2", intent_set_size=21)
    make_log(overlapping / "b.eval", dict(items[10:]), shard="2/2", intent_set_size=21, created=START + timedelta(1))
    code, _, err = compare(capsys, base, overlapping)
    assert code == EXIT_UNUSABLE and "a.eval and b.eval are runs of the same kind whose intents overlap" in err
