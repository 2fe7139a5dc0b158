"""The leaderboard's data: which logs make rows, the rows' figures, and the inflation gaps."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from benchmark.constants import (
    CI_HIGH_SUFFIX,
    CI_LOW_SUFFIX,
    DEFAULT_USER_MODEL,
    GATE_RESAMPLES,
    GATE_SEED,
    MIN_INTENTS_WARNING,
    STAND_INS_KEY,
    TASK_SCORE,
)
from benchmark.reports.leaderboard.columns import CSV_COLUMNS, GAP_COLUMNS, INFLATION_GAP, PROMPTED, USERLM
from benchmark.reports.leaderboard.simulators import SimulatorBoard, build_simulator_board, split_logs
from benchmark.reports.logs import log_files, read_logs
from benchmark.reports.run_figures import coverage_method, run_figures, stop_reason_shares
from benchmark.reports.runs import Run, assemble, chosen_runs
from benchmark.stats import pooled_difference

KEY = ["assistant", "simulator", "user_model", "task", "task_version"]
"""What a row names; its full comparability key (benchmark.reports.runs) adds the settings and intent set."""


@dataclass
class Leaderboard:
    rows: pd.DataFrame
    """One row per KEY, CSV_COLUMNS."""
    gaps: pd.DataFrame
    """One row per prompted run with a userlm run of the same assistant, task and version, GAP_COLUMNS."""
    logs: list[str]
    """File names of the logs the rows come from."""
    warnings: list[str] = field(default_factory=list)
    simulators: SimulatorBoard | None = None
    """The simulator table, when any `simulator_fidelity` log was given (those never make rows above)."""


def _pooled(conversations: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Per-intent sums and counts of scored task_score values, in intent order."""
    scored = conversations.dropna(subset=[TASK_SCORE])
    grouped = scored.groupby("intent")[TASK_SCORE]
    sums, counts = grouped.sum(), grouped.count()
    return sums.to_numpy(float), counts.to_numpy(float), [str(i) for i in sums.index]


def inflation_gap(
    prompted: pd.DataFrame, userlm: pd.DataFrame, resamples: int = GATE_RESAMPLES, seed: int = GATE_SEED
) -> tuple[float, float, float, bool, int]:
    """Prompted minus userlm task score (pooled over conversations), its interval, whether the
    bootstrap was paired by intent, and the number of intents (of the prompted run)."""
    p_sums, p_counts, p_ids = _pooled(prompted)
    u_sums, u_counts, u_ids = _pooled(userlm)
    if not len(p_ids) or not len(u_ids):
        return math.nan, math.nan, math.nan, False, len(p_ids)
    paired = p_ids == u_ids
    estimate, (low, high) = pooled_difference((p_sums, p_counts), (u_sums, u_counts), paired, resamples, seed)
    return estimate, low, high, paired, len(p_ids)


def _runs(evals: pd.DataFrame, conversations: pd.DataFrame, keep_all: bool) -> tuple[list[Run], list[str]]:
    """The runs that make rows (one per comparability key unless keep_all), and warnings on the rest."""
    warnings = []
    for row in evals[evals["status"] != "success"].itertuples():
        warnings.append(f"{Path(row.log).name}: status '{row.status}', left out (rerun it or use inspect eval-retry)")
    usable = evals[evals["status"] == "success"]
    runs, overlaps = assemble(usable, conversations)
    warnings += [f"{overlap.message()}; the later one is shown" for overlap in overlaps]
    if keep_all:
        return runs, warnings
    chosen, notes = chosen_runs(runs)
    warnings += [f"{note} (use --keep-all to keep it)" for note in notes]
    return chosen, warnings


def stand_in_labels(log: pd.Series, names: tuple[str, ...]) -> str:
    """What the named models really are where the log says they are stand-ins, as JSON ("" when none is)."""
    labels = json.loads(str(log.get(STAND_INS_KEY) or "") or "{}")
    named = {name: labels[name] for name in names if name in labels}
    return json.dumps(named) if named else ""


def _row(run: Run, evals: pd.DataFrame, conversations: pd.DataFrame) -> dict[str, object]:
    logs = evals[evals["eval_id"].isin(run.eval_ids)]
    first = logs.iloc[0]
    convs = conversations[conversations["eval_id"].isin(run.eval_ids)]
    record: dict[str, object] = {column: first[column] for column in KEY}
    record.update(run_figures(convs))
    record["conversations"] = int(record["conversations"])
    record["intents"] = len(run.intents)
    record["epochs"] = int(convs.groupby("intent").size().max()) if len(convs) else 0
    record["settings"] = str(first.get("changed_settings") or "")
    record["intent_set"] = run.intent_set
    record["coverage"] = "complete" if run.complete else f"partial: {len(run.intents)} of {run.size} intents"
    record["shards"] = run.shards
    record["stop_reasons"] = stop_reason_shares(convs)
    record["coverage_method"] = coverage_method(convs)
    record["stand_in"] = stand_in_labels(first, (str(first["assistant"]), str(first["user_model"])))
    record["log"] = ", ".join(sorted(Path(log).name for log in run.logs))
    record["created"] = max(logs["created"]).isoformat()
    record["eval_id"] = " ".join(run.eval_ids)
    return record


def build_leaderboard(
    paths: Iterable[str | Path], keep_all: bool = False, resamples: int = GATE_RESAMPLES, seed: int = GATE_SEED
) -> Leaderboard:
    """Rows and inflation gaps of the logs named by `paths`; raises benchmark.reports.logs.LogReadError.

    One row per run (benchmark.reports.runs): logs of one comparability key with disjoint intents are
    merged into one run, and every figure is computed from its conversations. `simulator_fidelity` logs
    make the simulator table instead (benchmark.reports.leaderboard.simulators).
    """
    files, fidelity = split_logs(log_files(paths))
    simulators = build_simulator_board(fidelity, keep_all) if fidelity else None
    if not files:
        empty = pd.DataFrame(columns=CSV_COLUMNS)
        return Leaderboard(rows=empty, gaps=pd.DataFrame(columns=GAP_COLUMNS), logs=[], simulators=simulators)
    logs = read_logs(files)
    runs, warnings = _runs(logs.evals, logs.conversations, keep_all)
    rows = [_row(run, logs.evals, logs.conversations) for run in runs]
    for run, row in zip(runs, rows, strict=True):
        if int(row["intents"]) < MIN_INTENTS_WARNING:
            warnings.append(
                f"{row['task']} for {row['assistant']} ({row['simulator']}): only {row['intents']} intents "
                f"(fewer than {MIN_INTENTS_WARNING}): its intervals are wide and its figures uncertain"
            )
        if not run.complete:
            warnings.append(f"{row['log']}: {row['coverage']}; the row is marked partial")
    frame = pd.DataFrame(rows, columns=[*CSV_COLUMNS, "eval_id"])
    versions = frame.groupby(["assistant", "simulator", "task"])["task_version"].nunique()
    for (assistant, simulator, task), count in versions[versions > 1].items():
        found = sorted(set(frame.loc[(frame["assistant"] == assistant) & (frame["task"] == task), "task_version"]))
        warnings.append(
            f"{task} for {assistant} ({simulator}) has logs of {count} task versions ({', '.join(found)}): "
            "kept as separate rows, never compared"
        )
    gaps = _gaps(frame, logs.conversations, resamples, seed)
    frame = frame.sort_values(["task", "task_version", TASK_SCORE], ascending=[True, True, False], kind="stable")
    frame = frame.drop(columns="eval_id").reset_index(drop=True)
    names = [Path(log).name for run in runs for log in run.logs]
    return Leaderboard(rows=frame, gaps=gaps, logs=names, warnings=warnings, simulators=simulators)


def _reference(userlm_rows: pd.DataFrame) -> pd.Series:
    """The userlm row a gap is measured against: the default UserLM-8b run if any, else the latest."""
    default = userlm_rows[userlm_rows["user_model"] == DEFAULT_USER_MODEL]
    pool = default if len(default) else userlm_rows
    return pool.sort_values("created", kind="stable").iloc[-1]


def _gaps(rows: pd.DataFrame, conversations: pd.DataFrame, resamples: int, seed: int) -> pd.DataFrame:
    """The inflation gap of every prompted row (also written into `rows`), one frame row each."""
    gap_columns = [INFLATION_GAP, INFLATION_GAP + CI_LOW_SUFFIX, INFLATION_GAP + CI_HIGH_SUFFIX]
    for column in gap_columns:
        rows[column] = math.nan
    gaps = []
    for (assistant, task, version), group in rows.groupby(["assistant", "task", "task_version"], sort=True):
        prompted, userlm = group[group["simulator"] == PROMPTED], group[group["simulator"] == USERLM]
        if prompted.empty or userlm.empty:
            continue
        reference = _reference(userlm)
        u_convs = conversations[conversations["eval_id"].isin(str(reference["eval_id"]).split())]
        for index, p in prompted.iterrows():
            p_convs = conversations[conversations["eval_id"].isin(str(p["eval_id"]).split())]
            estimate, low, high, paired, intents = inflation_gap(p_convs, u_convs, resamples, seed)
            rows.loc[index, gap_columns] = [estimate, low, high]
            gaps.append(
                [
                    task,
                    version,
                    assistant,
                    p["user_model"],
                    reference["user_model"],
                    p[TASK_SCORE],
                    reference[TASK_SCORE],
                    estimate,
                    low,
                    high,
                    paired,
                    intents,
                ]
            )
    return pd.DataFrame(gaps, columns=GAP_COLUMNS)
