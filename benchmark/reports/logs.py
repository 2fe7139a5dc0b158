"""Inspect logs as pandas frames, for the leaderboard and the regression gate.

Logs are read only through Inspect's own API (`inspect_ai.log` to find and check files,
`inspect_ai.analysis` to turn them into frames), so every log format Inspect writes
(`.eval`, `.json`, local or S3) works. Two frames:

- `evals`: one row per log: where it came from, the task and its version, the assistant
  (`--model`), the simulator (`-T simulator=`), the user model, and every figure the
  scorers reported (named as in benchmark.constants, e.g. `task_score`,
  `task_score_ci_low`, `intent_coverage`, `turn_variance`).
- `conversations`: one row per conversation (sample x epoch): the intent (sample id),
  the epoch, the user model that played the user, and the per-conversation values
  (`task_score`, `intent_coverage`, `user_turns`, ...; NaN when missing), plus the user
  side's unigram set for lexical diversity.

A file that is not a readable Inspect log raises LogReadError, whose message names it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from inspect_ai.analysis import SampleColumn, evals_df, samples_df
from inspect_ai.log import EvalSample, list_eval_logs, read_eval_log

from benchmark.constants import (
    ADD_DEMANDS,
    INTENT_COVERAGE,
    INTENT_DECOMPOSITION,
    LEXICAL_STATS,
    REPEAT_REQUIRED,
    SKIP_NONREQUIRED,
    STAND_INS_KEY,
    TASK_SCORE,
    TURN_STATS,
    USER_BEHAVIOUR,
    USER_ROLE,
    USER_TURNS,
    USER_UNIGRAMS,
)
from benchmark.conversation.loop import CONVERSATION_KEY

CONVERSATION_VALUES: dict[str, tuple[str, str | None]] = {
    TASK_SCORE: (TASK_SCORE, None),
    INTENT_COVERAGE: (USER_BEHAVIOUR, INTENT_COVERAGE),
    REPEAT_REQUIRED: (USER_BEHAVIOUR, REPEAT_REQUIRED),
    SKIP_NONREQUIRED: (USER_BEHAVIOUR, SKIP_NONREQUIRED),
    ADD_DEMANDS: (USER_BEHAVIOUR, ADD_DEMANDS),
    USER_TURNS: (TURN_STATS, USER_TURNS),
    INTENT_DECOMPOSITION: (LEXICAL_STATS, INTENT_DECOMPOSITION),
}
"""Per-conversation values: column name -> (scorer, key of its dict value; None for a plain value)."""

SCORERS = (TASK_SCORE, USER_BEHAVIOUR, TURN_STATS, LEXICAL_STATS)
"""Scorers whose metrics become `evals` columns (longest names are matched first)."""

CONVERSATION_COLUMNS = [
    "eval_id",
    "intent",
    "epoch",
    "user_model",
    "stop_reason",
    "error",
    "coverage_method",
    USER_UNIGRAMS,
]
CONVERSATION_COLUMNS += list(CONVERSATION_VALUES)
REGISTRY_PACKAGE = "userlm_bench"
"""The package name Inspect prefixes to the names of the installed tasks."""
RUN_COLUMNS = ["settings", "intent_set_hash", "intent_set_size", "shard"]
"""What a run was made with (from the task's metadata), copied onto each of its conversations."""
LOG_SUFFIXES = (".eval", ".json")
EXCLUDED_SAMPLE_FIELDS = {"messages", "events", "store"}
"""Sample fields the conversation frame never needs: skipped when reading (much faster)."""


class LogReadError(ValueError):
    """A path that is not (or does not hold) a readable Inspect log; the message names it."""


@dataclass
class Logs:
    evals: pd.DataFrame
    conversations: pd.DataFrame


def _local_path(location: str) -> str:
    """A plain path for file:// locations (what list_eval_logs returns), other URLs unchanged."""
    return location.removeprefix("file://") if location.startswith("file://") else location


def log_files(paths: Iterable[str | Path]) -> list[str]:
    """The log files named by `paths`: files as given, directories (and remote log dirs) searched recursively."""
    files: list[str] = []
    for raw in paths:
        path = str(raw)
        remote = "://" in path and not path.startswith("file://")
        local = Path(_local_path(path))
        if not remote and local.is_file():
            files.append(str(local))
            continue
        if not remote and not local.exists():
            raise LogReadError(f"{path}: no such file or directory (expected an Inspect log file or log directory)")
        if remote and path.endswith(LOG_SUFFIXES):
            files.append(path)
            continue
        try:
            found = [_local_path(info.name) for info in list_eval_logs(path, descending=False)]
        except Exception as err:  # noqa: BLE001 - any failure to list is reported with the path
            raise LogReadError(f"{path}: cannot list Inspect logs there ({err})") from err
        if not found:
            raise LogReadError(f"{path}: holds no Inspect logs (*.eval or *.json)")
        files.extend(found)
    if not files:
        raise LogReadError("no log files given")
    return list(dict.fromkeys(files))


def check_log(path: str) -> None:
    """Raise LogReadError naming `path` unless Inspect can read its header."""
    try:
        log = read_eval_log(path, header_only=True)
    except Exception as err:  # noqa: BLE001 - corrupt zips, bad JSON, permissions: all mean "unreadable"
        raise LogReadError(f"{path}: not a readable Inspect log ({type(err).__name__}: {err})") from err
    if log.eval is None or not log.eval.task:
        raise LogReadError(f"{path}: not a readable Inspect log (no eval header)")


def _figure_columns(frame: pd.DataFrame) -> dict[str, str]:
    """`score_<scorer>_<metric>` columns of evals_df -> figure names (task_score's mean -> task_score)."""
    renames: dict[str, str] = {}
    for column in frame.columns:
        if not column.startswith("score_") or column.startswith("score_headline"):
            continue
        rest = column.removeprefix("score_")
        scorer = next((s for s in sorted(SCORERS, key=len, reverse=True) if rest.startswith(s + "_")), None)
        if scorer is None:
            continue
        metric = rest.removeprefix(scorer + "_")
        if scorer == TASK_SCORE:
            name = TASK_SCORE if metric == "mean" else f"{TASK_SCORE}_{metric.removeprefix(TASK_SCORE + '_')}"
        else:
            name = metric
        renames.setdefault(column, name)
    # intents_compared is reported by two scorers: keep one column of it
    seen: set[str] = set()
    return {c: n for c, n in renames.items() if not (n in seen or seen.add(n))}


def task_name(name: str) -> str:
    """The task's own name: `userlm_bench/gsm8k_multiturn` (run by its registry name) is `gsm8k_multiturn`
    (run from its file), so both kinds of log compare."""
    return name.removeprefix(f"{REGISTRY_PACKAGE}/")


def _user_role_model(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return ""
    if isinstance(value, dict):
        role = value.get(USER_ROLE)
        if isinstance(role, dict):
            return str(role.get("model") or "")
        if isinstance(role, str):
            return role
    return ""


def _text(frame: pd.DataFrame, column: str) -> list[str]:
    """A column as strings, "" where missing (e.g. a log of another task has no `simulator` argument)."""
    if column not in frame:
        return [""] * len(frame)
    return [
        "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
        for value in frame[column]
    ]


def _evals_frame(files: Sequence[str]) -> pd.DataFrame:
    raw = evals_df(list(files), quiet=True)
    figures = _figure_columns(raw)
    frame = pd.DataFrame(
        {
            "log": [_local_path(str(x)) for x in raw["log"]],
            "eval_id": raw["eval_id"].astype(str),
            "created": pd.to_datetime(raw["created"], utc=True),
            "status": raw["status"].astype(str),
            "task": [task_name(str(name)) for name in raw["task_name"]],
            "task_version": _text(raw, "task_version"),
            "assistant": raw["model"].astype(str),
            "simulator": _text(raw, "task_arg_simulator"),
            "role_user_model": [_user_role_model(v) for v in raw.get("model_roles", [None] * len(raw))],
            "epochs": pd.to_numeric(raw["epochs"], errors="coerce"),
            "total_samples": pd.to_numeric(raw["total_samples"], errors="coerce"),
            "completed_samples": pd.to_numeric(raw["completed_samples"], errors="coerce"),
            **_run_columns(raw),
        }
    )
    for column, name in figures.items():
        frame[name] = pd.to_numeric(raw[column], errors="coerce").astype(float).to_numpy()
    return frame


def _metadata(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return {}
    return value if isinstance(value, dict) else {}


def _run_columns(raw: pd.DataFrame) -> dict[str, list[Any]]:
    """What a run was made with, from the task's metadata: its score-changing settings (JSON, keys sorted),
    the intent set it was cut from (name, size, content hash) and its shard. Logs written before the task
    recorded them fall back to their task arguments and dataset size."""
    metadata = [_metadata(value) for value in raw.get("metadata", [None] * len(raw))]
    arguments = [
        {
            column.removeprefix("task_arg_"): _scalar(raw[column].iloc[i])
            for column in raw.columns
            if column.startswith("task_arg_")
        }
        for i in range(len(raw))
    ]
    sizes = pd.to_numeric(raw.get("dataset_samples", pd.Series([None] * len(raw))), errors="coerce")
    settings, changed, names, counts, hashes, shards, stand_ins = [], [], [], [], [], [], []
    for meta, args, size in zip(metadata, arguments, sizes, strict=True):
        recorded = meta.get("settings")
        chosen = recorded if isinstance(recorded, dict) else {k: v for k, v in args.items() if _present(v)}
        settings.append(json.dumps(chosen, sort_keys=True, default=str))
        changed.append(", ".join(meta.get("changed_settings") or []))
        whole = meta.get("intent_set") if isinstance(meta.get("intent_set"), dict) else {}
        names.append(str(whole.get("name") or args.get("intents") or ""))
        counts.append(float(whole["count"]) if "count" in whole else float(size))
        hashes.append(str(whole.get("hash") or ""))
        shards.append(str(meta.get("shard") or ""))
        labels = meta.get(STAND_INS_KEY)
        stand_ins.append(json.dumps(labels, sort_keys=True) if isinstance(labels, dict) else "")
    return {
        "settings": settings,
        "changed_settings": changed,
        "intent_set": names,
        "intent_set_size": counts,
        "intent_set_hash": hashes,
        "shard": shards,
        STAND_INS_KEY: stand_ins,
    }


def _scalar(value: Any) -> Any:
    """A frame cell as a plain value: None for pandas' missing markers (NaN, NA, NaT)."""
    return None if not isinstance(value, list | dict) and pd.isna(value) else value


def _present(value: Any) -> bool:
    return value is not None


def _number(value: Any) -> float:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return math.nan
    return math.nan


def _score_value(sample: EvalSample, scorer: str, key: str | None) -> float:
    score = (sample.scores or {}).get(scorer)
    if score is None:
        return math.nan
    value = score.value
    if key is None:
        return _number(value)
    return _number(value.get(key)) if isinstance(value, dict) else math.nan


def _conversation(sample: EvalSample) -> dict[str, Any]:
    record = (sample.metadata or {}).get(CONVERSATION_KEY)
    return record if isinstance(record, dict) else {}


def _unigrams(sample: EvalSample) -> str | None:
    score = (sample.scores or {}).get(LEXICAL_STATS)
    words = (score.metadata or {}).get(USER_UNIGRAMS) if score is not None else None
    return " ".join(str(w) for w in words) if isinstance(words, list) else None


def _coverage_method(sample: EvalSample) -> str:
    """Who labelled the user turns' shards: `matcher`, `judge` or `unjudged` ("" when not scored)."""
    score = (sample.scores or {}).get(USER_BEHAVIOUR)
    return str((score.metadata or {}).get("method") or "") if score is not None else ""


def _sample_columns() -> list[SampleColumn]:
    columns = [
        SampleColumn("intent", path="id", required=True, type=str),
        SampleColumn("epoch", path="epoch", required=True, type=int),
        SampleColumn("user_model", path=lambda s: str(_conversation(s).get("user_model") or ""), full=True),
        SampleColumn("stop_reason", path=lambda s: str(_conversation(s).get("stop_reason") or ""), full=True),
        SampleColumn("error", path=lambda s: s.error.message if s.error else "", full=True),
        SampleColumn("coverage_method", path=_coverage_method, full=True),
        SampleColumn(USER_UNIGRAMS, path=_unigrams, full=True),
    ]
    for name, (scorer, key) in CONVERSATION_VALUES.items():
        columns.append(
            SampleColumn(name, path=lambda s, scorer=scorer, key=key: _score_value(s, scorer, key), full=True)
        )
    return columns


def _conversations_frame(path: str) -> pd.DataFrame:
    frame = samples_df(path, columns=_sample_columns(), full=True, quiet=True, exclude_fields=EXCLUDED_SAMPLE_FIELDS)
    if frame.empty:
        return pd.DataFrame(columns=CONVERSATION_COLUMNS)
    out = pd.DataFrame(
        {
            "eval_id": frame["eval_id"].astype(str).to_numpy(),
            "intent": frame["intent"].astype(str).to_numpy(),
            "epoch": pd.to_numeric(frame["epoch"]).astype(int).to_numpy(),
            "user_model": frame["user_model"].fillna("").astype(str).to_numpy(),
            "stop_reason": frame["stop_reason"].fillna("").astype(str).to_numpy(),
            "error": frame["error"].fillna("").astype(str).to_numpy(),
            "coverage_method": frame["coverage_method"].fillna("").astype(str).to_numpy(),
            USER_UNIGRAMS: frame[USER_UNIGRAMS].astype(object).where(frame[USER_UNIGRAMS].notna(), None).to_numpy(),
        }
    )
    for name in CONVERSATION_VALUES:
        out[name] = pd.to_numeric(frame[name], errors="coerce").astype(float).to_numpy()
    return out


def read_logs(paths: Iterable[str | Path], *, conversations: bool = True) -> Logs:
    """Both frames for the logs named by `paths` (files or directories), oldest log first.

    Raises LogReadError naming the first path or file that is not a readable Inspect log.
    """
    files = log_files(paths)
    for path in files:
        check_log(path)
    try:
        evals = _evals_frame(files)
    except Exception as err:  # noqa: BLE001 - name the culprit: re-check each file's header
        raise LogReadError(f"cannot read the logs ({type(err).__name__}: {err}); files: {', '.join(files)}") from err
    parts = []
    if conversations:
        for path in files:
            try:
                parts.append(_conversations_frame(path))
            except Exception as err:  # noqa: BLE001 - a header can be fine while its samples are damaged
                raise LogReadError(
                    f"{path}: not a readable Inspect log: its samples cannot be read ({type(err).__name__}: {err})"
                ) from err
    parts = [part for part in parts if len(part)]
    convs = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=CONVERSATION_COLUMNS)
    evals["user_model"] = [_user_model(row, convs) for row in evals.itertuples()]
    info = evals[["eval_id", "log", "task", "task_version", "assistant", "simulator", *RUN_COLUMNS]]
    convs = convs.merge(info, on="eval_id", how="left")
    evals = evals.sort_values("created", kind="stable").reset_index(drop=True)
    return Logs(evals=evals, conversations=convs)


def _user_model(row: Any, conversations: pd.DataFrame) -> str:
    """The model that played the user: as recorded by the conversations, else the bound `user` role."""
    if len(conversations):
        used = conversations.loc[conversations["eval_id"] == row.eval_id, "user_model"]
        names = sorted({name for name in used if name})
        if names:
            return ", ".join(names)
    return str(row.role_user_model or "")
