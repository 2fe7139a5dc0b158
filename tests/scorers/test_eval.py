"""The user-behaviour scorers in a real eval() through the GSM8k task, offline."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from inspect_ai import Task, eval
from inspect_ai.analysis import evals_df

from benchmark.constants import (
    ADD_DEMANDS,
    CI_HIGH_SUFFIX,
    CI_LOW_SUFFIX,
    FIRST_TURN_DIVERSITY,
    INTENT_COVERAGE,
    INTENT_DECOMPOSITION,
    INTENTS_COMPARED,
    LEXICAL_DIVERSITY,
    LEXICAL_STATS,
    REPEAT_REQUIRED,
    SIMULATOR_FAILURES_METRIC,
    SKIP_NONREQUIRED,
    TURN_RANGE_MAX,
    TURN_RANGE_MIN,
    TURN_STATS,
    TURN_VARIANCE,
    UNJUDGED,
    USER_BEHAVIOUR,
    USER_TURNS,
)
from scorers import lexical_stats, task_score, turn_stats, user_behaviour
from tasks.gsm8k_multiturn import gsm8k_multiturn

FIGURES = {
    USER_BEHAVIOUR: [INTENT_COVERAGE, REPEAT_REQUIRED, SKIP_NONREQUIRED, ADD_DEMANDS],
    TURN_STATS: [USER_TURNS, TURN_VARIANCE, TURN_RANGE_MIN, TURN_RANGE_MAX],
    LEXICAL_STATS: [LEXICAL_DIVERSITY, FIRST_TURN_DIVERSITY, INTENT_DECOMPOSITION],
}
COUNTS = {
    USER_BEHAVIOUR: [UNJUDGED],
    TURN_STATS: [INTENTS_COMPARED, SIMULATOR_FAILURES_METRIC],
    LEXICAL_STATS: [INTENTS_COMPARED],
}
LIMIT = 4


def run(tmp_path, epochs: int):
    t = gsm8k_multiturn(simulator="scripted")
    task = Task(
        dataset=t.dataset,
        solver=t.solver,
        scorer=[task_score(), user_behaviour(), turn_stats(), lexical_stats()],
        epochs=epochs,
    )
    (log,) = eval(task, model="scripted/assistant", limit=LIMIT, log_dir=str(tmp_path), display="none")
    assert log.status == "success"
    return log


def results(log) -> dict[str, dict[str, float]]:
    return {score.name: {k: m.value for k, m in score.metrics.items()} for score in log.results.scores}


@pytest.fixture(scope="module")
def three_epochs(tmp_path_factory):
    return run(tmp_path_factory.mktemp("logs"), epochs=3)


def test_every_figure_with_interval_is_in_the_log(three_epochs):
    scores = results(three_epochs)
    for scorer_name, figures in FIGURES.items():
        expected = {f + suffix for f in figures for suffix in ("", CI_LOW_SUFFIX, CI_HIGH_SUFFIX)}
        assert set(scores[scorer_name]) == expected | set(COUNTS[scorer_name])
    assert "task_score" in scores


def test_metrics_see_every_epoch(three_epochs):
    for score in three_epochs.results.scores:
        if score.name != "task_score":
            assert score.scored_samples == LIMIT * 3 and score.reducer is None
    scores = results(three_epochs)
    assert scores[TURN_STATS][INTENTS_COMPARED] == LIMIT
    # the scripted user is deterministic: every epoch of an intent says the same thing
    assert scores[TURN_STATS][TURN_VARIANCE] == 0.0
    assert scores[TURN_STATS][TURN_RANGE_MIN] == scores[TURN_STATS][TURN_RANGE_MAX] == scores[TURN_STATS][USER_TURNS]
    assert scores[LEXICAL_STATS][LEXICAL_DIVERSITY] == 0.0
    assert 0.0 < scores[LEXICAL_STATS][FIRST_TURN_DIVERSITY] < 1.0
    assert scores[USER_BEHAVIOUR][UNJUDGED] == 0.0 and math.isnan(scores[USER_BEHAVIOUR][ADD_DEMANDS])
    epochs = {(s.id, s.epoch) for s in three_epochs.samples}
    assert len(epochs) == LIMIT * 3
    assert all(s.scores[USER_BEHAVIOUR].metadata["epoch"] == s.epoch for s in three_epochs.samples)
    assert "missing (NaN)" in three_epochs.samples[0].scores[TURN_STATS].explanation


def test_evals_df_reads_every_figure(three_epochs):
    df = evals_df(three_epochs.location)
    assert len(df) == 1
    for scorer_name, figures in FIGURES.items():
        for figure in figures:
            for suffix in ("", CI_LOW_SUFFIX, CI_HIGH_SUFFIX):
                assert f"score_{scorer_name}_{figure}{suffix}" in df.columns
    row = df.iloc[0]
    assert row[f"score_{TURN_STATS}_{USER_TURNS}"] == pytest.approx(results(three_epochs)[TURN_STATS][USER_TURNS])
    assert pd.isna(row[f"score_{USER_BEHAVIOUR}_{ADD_DEMANDS}"])  # missing, not 0


def test_one_epoch_reports_across_simulation_figures_as_missing(tmp_path):
    scores = results(run(tmp_path, epochs=1))
    assert scores[TURN_STATS][INTENTS_COMPARED] == 0 and scores[LEXICAL_STATS][INTENTS_COMPARED] == 0
    for name in (TURN_VARIANCE, TURN_RANGE_MIN, TURN_RANGE_MAX):
        assert math.isnan(scores[TURN_STATS][name])
    assert math.isnan(scores[LEXICAL_STATS][LEXICAL_DIVERSITY])
    assert not math.isnan(scores[TURN_STATS][USER_TURNS])
    assert not math.isnan(scores[LEXICAL_STATS][FIRST_TURN_DIVERSITY])  # across intents: defined
