"""The leaderboard's data: which logs make rows, the rows' figures, and the inflation gaps."""

from __future__ import annotations

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
    TASK_SCORE,
)
from benchmark.reports.leaderboard.columns import CSV_COLUMNS, FIGURES, GAP_COLUMNS, INFLATION_GAP, PROMPTED, USERLM
from benchmark.reports.logs import read_logs
from benchmark.stats import pooled_difference, pooled_mean

KEY = ["assistant", "simulator", "user_model", "task", "task_version"]
"""A row; a later log with the same key replaces an earlier one (unless keep_all)."""


@dataclass
class Leaderboard:
    rows: pd.DataFrame
    """One row per KEY, CSV_COLUMNS."""
    gaps: pd.DataFrame
    """One row per prompted run with a userlm run of the same assistant, task and version, GAP_COLUMNS."""
    logs: list[str]
    """File names of the logs the rows come from."""
    warnings: list[str] = field(default_factory=list)


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


def _select(evals: pd.DataFrame, keep_all: bool) -> tuple[pd.DataFrame, list[str]]:
    """The successful logs that make rows (the latest per KEY unless keep_all), and warnings on the rest."""
    warnings = []
    for row in evals[evals["status"] != "success"].itertuples():
        warnings.append(f"{Path(row.log).name}: status '{row.status}', left out (rerun it or use inspect eval-retry)")
    usable = evals[evals["status"] == "success"].sort_values("created", kind="stable")
    if not keep_all:
        latest = usable.groupby(KEY, dropna=False).tail(1)
        for row in usable[~usable["eval_id"].isin(latest["eval_id"])].itertuples():
            warnings.append(
                f"{Path(row.log).name}: replaced by a later log of the same row (use --keep-all to keep it)"
            )
        usable = latest
    versions = usable.groupby(["assistant", "simulator", "task"])["task_version"].nunique()
    for (assistant, simulator, task), count in versions[versions > 1].items():
        found = sorted(set(usable.loc[(usable["assistant"] == assistant) & (usable["task"] == task), "task_version"]))
        warnings.append(
            f"{task} for {assistant} ({simulator}) has logs of {count} task versions ({', '.join(found)}): "
            "kept as separate rows, never compared"
        )
    return usable, warnings


def build_leaderboard(
    paths: Iterable[str | Path], keep_all: bool = False, resamples: int = GATE_RESAMPLES, seed: int = GATE_SEED
) -> Leaderboard:
    """Rows and inflation gaps of the logs named by `paths`; raises benchmark.reports.logs.LogReadError."""
    logs = read_logs(paths)
    chosen, warnings = _select(logs.evals, keep_all)
    conversations = logs.conversations
    rows = []
    for row in chosen.itertuples():
        convs = conversations[conversations["eval_id"] == row.eval_id]
        record = {column: getattr(row, column) for column in KEY}
        for name in FIGURES:
            for suffix in ("", CI_LOW_SUFFIX, CI_HIGH_SUFFIX):
                record[name + suffix] = float(getattr(row, name + suffix, math.nan))
        if not math.isfinite(record[TASK_SCORE + CI_LOW_SUFFIX]) and len(convs):
            sums, counts, _ = _pooled(convs)
            estimate, (low, high) = pooled_mean(list(sums), [int(c) for c in counts])
            record[TASK_SCORE] = record[TASK_SCORE] if math.isfinite(record[TASK_SCORE]) else estimate
            record[TASK_SCORE + CI_LOW_SUFFIX], record[TASK_SCORE + CI_HIGH_SUFFIX] = low, high
        record["conversations"] = int(convs[TASK_SCORE].notna().sum())
        record["intents"] = int(convs["intent"].nunique())
        record["epochs"] = int(row.epochs) if pd.notna(row.epochs) else 0
        record["log"] = Path(row.log).name
        record["created"] = row.created.isoformat()
        record["eval_id"] = row.eval_id
        rows.append(record)
    frame = pd.DataFrame(rows, columns=[*CSV_COLUMNS, "eval_id"])
    gaps = _gaps(frame, conversations, resamples, seed)
    frame = frame.sort_values(["task", "task_version", TASK_SCORE], ascending=[True, True, False], kind="stable")
    frame = frame.drop(columns="eval_id").reset_index(drop=True)
    return Leaderboard(rows=frame, gaps=gaps, logs=[Path(p).name for p in chosen["log"]], warnings=warnings)


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
        u_convs = conversations[conversations["eval_id"] == reference["eval_id"]]
        for index, p in prompted.iterrows():
            p_convs = conversations[conversations["eval_id"] == p["eval_id"]]
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
