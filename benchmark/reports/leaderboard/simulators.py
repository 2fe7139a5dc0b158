"""The simulator table's data: one row per simulator from `simulator_fidelity` logs, the human reference of
the same conversations, and the paper's published rows.

A fidelity log (tasks/simulator_fidelity.py) measures the model that played the user, not an assistant, so
the assistant board leaves it out and this table takes it. Its row key is SIMULATOR_KEY; within a key the
newest complete log is shown (a `--limit`/`--sample-id` run never replaces a complete one), the rest are
set aside with a warning unless `keep_all`. Figures are the log's own eval-level metrics (shares in [0, 1],
user perplexity a perplexity), read from its header; the conversation counts come from its sample summaries.
The published rows are the paper's percentages divided by 100, so the whole table is in one unit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from inspect_ai.log import EvalLog, read_eval_log, read_eval_log_sample_summaries

from benchmark.constants import (
    CI_HIGH_SUFFIX,
    CI_LOW_SUFFIX,
    DECISION_POINTS,
    END_F1,
    END_PRECISION,
    END_PREDICTION,
    END_RECALL,
    FIDELITY_TASK,
    FIRST_TURN_DIVERSITY,
    HUMAN_FIRST_TURN_DIVERSITY,
    HUMAN_INTENT_DECOMPOSITION,
    HUMAN_REFERENCE,
    INTENT_ADHERENCE,
    INTENT_DECOMPOSITION,
    JUDGE_ROLE,
    MIN_INTENTS_WARNING,
    PERPLEXITY_TOKENS,
    PUBLISHED_FIDELITY,
    ROLE_ADHERENCE,
    SIMULATOR_FAILED,
    UNJUDGED_PROBES,
    USER_PERPLEXITY,
    USER_ROLE,
)
from benchmark.reports.logs import check_log, task_name

SIMULATOR_KEY = ["simulator_model", "protocol", "conversation_source", "with_intent", "task_version"]
"""What a measured row names: the model that played the user, `-T simulator=`, the conversations
(a file's name, or wildchat/prism), `-T with_intent=` and the task version."""
SIMULATOR_FIGURES = (
    END_F1,
    END_PRECISION,
    END_RECALL,
    FIRST_TURN_DIVERSITY,
    INTENT_DECOMPOSITION,
    ROLE_ADHERENCE,
    INTENT_ADHERENCE,
    USER_PERPLEXITY,
)
"""The figures a row shows, each with its interval."""
HUMAN_FIGURES = {FIRST_TURN_DIVERSITY: HUMAN_FIRST_TURN_DIVERSITY, INTENT_DECOMPOSITION: HUMAN_INTENT_DECOMPOSITION}
"""The human reference row's figures: the table's column -> the fidelity log's metric."""
SIMULATOR_CSV_COLUMNS = [
    "origin",
    *SIMULATOR_KEY,
    *[name + suffix for name in SIMULATOR_FIGURES for suffix in ("", CI_LOW_SUFFIX, CI_HIGH_SUFFIX)],
    "conversations",
    DECISION_POINTS,
    UNJUDGED_PROBES,
    PERPLEXITY_TOKENS,
    "coverage",
    "judge_model",
    "log",
    "created",
]
"""The simulator rows frame's columns, in the CSV's order."""
TEXT_COLUMNS = (
    "origin",
    "simulator_model",
    "protocol",
    "conversation_source",
    "task_version",
    "coverage",
    "judge_model",
    "log",
    "created",
)
"""Columns of text, empty (never NaN) where a row has none."""

MEASURED = "measured"
HUMAN_TURNS = "measured (human turns)"
PUBLISHED = "published (Naous et al., Table 2)"
"""The `origin` of a row: a fidelity log's simulator, the humans' own turns in it, or the paper's Table 2."""
HUMAN_ROW = "human (these conversations)"
PUBLISHED_PROTOCOLS = {"UserLM-8b": "userlm", "GPT-4o": "prompted", "GPT-4o-mini": "prompted"}
"""Our protocol that matches each published simulator (the paper's human row has none)."""


@dataclass
class SimulatorBoard:
    rows: pd.DataFrame
    """Measured rows (best end F1 first), the human reference rows, then the published rows; SIMULATOR_CSV_COLUMNS."""
    logs: list[str]
    """File names of the fidelity logs the rows come from."""
    warnings: list[str] = field(default_factory=list)

    def count(self, origin: str) -> int:
        """Rows of one origin (MEASURED, HUMAN_TURNS, PUBLISHED)."""
        return int((self.rows["origin"] == origin).sum())


@dataclass(frozen=True)
class _FidelityLog:
    """One successful fidelity log: where it is and its header (no samples)."""

    path: str
    header: EvalLog

    @property
    def key(self) -> tuple[str, ...]:
        """SIMULATOR_KEY's values, as text (with_intent `True`/`False`)."""
        spec = self.header.eval
        roles = spec.model_roles or {}
        metadata = spec.metadata or {}
        arguments = spec.task_args or {}
        source = metadata.get("conversations") or (spec.dataset.name if spec.dataset else "") or ""
        with_intent = metadata.get("with_intent", arguments.get("with_intent", True))
        simulator = roles[USER_ROLE].model if USER_ROLE in roles else spec.model
        protocol = metadata.get("simulator") or arguments.get("simulator") or ""
        return (simulator, str(protocol), str(source), str(bool(with_intent)), str(spec.task_version))

    @property
    def created(self) -> pd.Timestamp:
        return pd.Timestamp(self.header.eval.created)

    @property
    def run_size(self) -> tuple[int, int]:
        """Conversations this log ran, of the conversations its source held."""
        dataset = self.header.eval.dataset
        held = len(dataset.sample_ids) if dataset.sample_ids is not None else dataset.samples or 0
        return held, dataset.samples or held

    @property
    def complete(self) -> bool:
        held, whole = self.run_size
        return held >= whole

    @property
    def name(self) -> str:
        return Path(self.path).name

    def figures(self) -> dict[str, float]:
        """Every eval-level metric of the log, by name (NaN when a scorer reported none)."""
        scores = self.header.results.scores if self.header.results else []
        return {name: _number(m.value) for score in scores for name, m in score.metrics.items()}


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else math.nan


def is_fidelity(header: EvalLog) -> bool:
    """Whether a log is of the simulator-fidelity task (run from its file or by its registry name)."""
    return task_name(header.eval.task) == FIDELITY_TASK


def split_logs(files: Iterable[str]) -> tuple[list[str], dict[str, EvalLog]]:
    """The assistant-task log files among `files`, and the fidelity logs' headers (path -> header);
    raises LogReadError naming an unreadable file."""
    assistant, fidelity = [], {}
    for path in files:
        check_log(path)
        header = read_eval_log(path, header_only=True)
        if is_fidelity(header):
            fidelity[path] = header
        else:
            assistant.append(path)
    return assistant, fidelity


def _scored(path: str, scorers: tuple[str, ...]) -> dict[str, set[str]]:
    """The conversations (sample ids) each scorer of the log scored: not errored, not left out of its figures."""
    scored: dict[str, set[str]] = {scorer: set() for scorer in scorers}
    for sample in read_eval_log_sample_summaries(path):
        for scorer in scorers:
            score = (sample.scores or {}).get(scorer)
            if sample.error is None and score is not None and not (score.metadata or {}).get(SIMULATOR_FAILED):
                scored[scorer].add(str(sample.id))
    return scored


def _chosen(logs: list[_FidelityLog], keep_all: bool) -> tuple[list[_FidelityLog], list[str]]:
    """One log per key (the newest complete one, else the newest), unless keep_all; and what was set aside."""
    ranked = sorted(logs, key=lambda log: (log.complete, log.created), reverse=True)
    if keep_all:
        return ranked, []
    chosen: dict[tuple[str, ...], _FidelityLog] = {}
    notes = []
    for log in ranked:
        best = chosen.setdefault(log.key, log)
        if best is not log:
            partial = best.complete and not log.complete
            why = (
                "a partial run, set aside for the complete run"
                if partial
                else "replaced by a later run of the same kind"
            )
            notes.append(f"{log.name}: {why} {best.name} (use --keep-all to keep it)")
    return list(chosen.values()), notes


def _figure_columns(figures: dict[str, float], names: dict[str, str]) -> dict[str, float]:
    """The table's figure columns (with intervals) from a log's metrics; `names`: column -> metric."""
    return {
        column + suffix: figures.get(metric + suffix, math.nan)
        for column, metric in names.items()
        for suffix in ("", CI_LOW_SUFFIX, CI_HIGH_SUFFIX)
    }


def _provenance(log: _FidelityLog) -> dict[str, object]:
    """Where a row's figures come from: the log, when it was made, and whether it ran its whole set."""
    held, whole = log.run_size
    coverage = "complete" if held >= whole else f"partial: {held} of {whole} conversations"
    return {"coverage": coverage, "log": log.name, "created": log.created.isoformat()}


def _measured_row(log: _FidelityLog, conversations: int) -> dict[str, object]:
    figures = log.figures()
    roles = log.header.eval.model_roles or {}
    record: dict[str, object] = {"origin": MEASURED, **dict(zip(SIMULATOR_KEY, log.key, strict=True))}
    record["with_intent"] = log.key[3] == "True"
    record.update(_figure_columns(figures, {name: name for name in SIMULATOR_FIGURES}))
    record["conversations"] = conversations
    for count in (DECISION_POINTS, UNJUDGED_PROBES, PERPLEXITY_TOKENS):
        record[count] = figures.get(count, math.nan)
    record["judge_model"] = roles[JUDGE_ROLE].model if JUDGE_ROLE in roles else ""
    record.update(_provenance(log))
    return record


def _human_row(log: _FidelityLog, conversations: int) -> dict[str, object]:
    """The humans' own first turns in the log's conversations, as a row of their own."""
    _, _, source, _, version = log.key
    record: dict[str, object] = {"origin": HUMAN_TURNS, "simulator_model": HUMAN_ROW, "protocol": ""}
    record.update({"conversation_source": source, "with_intent": None, "task_version": version})
    record.update(_figure_columns(log.figures(), HUMAN_FIGURES))
    record["conversations"] = conversations
    record["judge_model"] = ""
    record.update(_provenance(log))
    return record


def published_rows() -> pd.DataFrame:
    """The paper's Table 2 (PUBLISHED_FIDELITY), its percentages as shares in [0, 1]; no intervals."""
    records = []
    for simulator, figures in PUBLISHED_FIDELITY.items():
        record: dict[str, object] = {column: "" for column in TEXT_COLUMNS}
        record.update({"origin": PUBLISHED, "simulator_model": simulator, "with_intent": None})
        record["protocol"] = PUBLISHED_PROTOCOLS.get(simulator, "")
        for name, value in figures.items():
            record[name] = math.nan if value is None else value / 100
        records.append(record)
    return pd.DataFrame(records, columns=SIMULATOR_CSV_COLUMNS)


def _warnings(rows: pd.DataFrame) -> list[str]:
    """Rows measured on few conversations, and simulators measured under several task versions."""
    warnings = []
    for row in rows.itertuples():
        if row.conversations < MIN_INTENTS_WARNING:
            warnings.append(
                f"{row.log}: {row.simulator_model} ({row.protocol}) measured on only {row.conversations} "
                f"conversations (fewer than {MIN_INTENTS_WARNING}): its intervals are wide"
            )
    versions = rows.groupby(["simulator_model", "protocol", "conversation_source"])["task_version"].unique()
    for (simulator, protocol, source), found in versions.items():
        if len(found) > 1:
            warnings.append(
                f"{simulator} ({protocol}) on {source} has fidelity logs of {len(found)} task versions "
                f"({', '.join(sorted(found))}): kept as separate rows, never compared"
            )
    return warnings


def build_simulator_board(headers: dict[str, EvalLog], keep_all: bool = False) -> SimulatorBoard:
    """The simulator table of the fidelity logs' headers (path -> header), with the published rows."""
    warnings = [
        f"{Path(path).name}: status '{header.status}', left out (rerun it or use inspect eval-retry)"
        for path, header in headers.items()
        if header.status != "success"
    ]
    usable = [_FidelityLog(path, header) for path, header in headers.items() if header.status == "success"]
    chosen, notes = _chosen(usable, keep_all)
    warnings += notes
    measured, humans = [], {}
    for log in chosen:
        scored = _scored(log.path, (END_PREDICTION, HUMAN_REFERENCE))
        measured.append(_measured_row(log, len(scored[END_PREDICTION])))
        human = scored[HUMAN_REFERENCE]
        _, _, source, _, version = log.key
        humans.setdefault((source, version, frozenset(human)), _human_row(log, len(human)))  # newest first
    rows = pd.DataFrame(measured, columns=SIMULATOR_CSV_COLUMNS)
    warnings += _warnings(rows)
    rows = rows.sort_values(
        ["task_version", "conversation_source", END_F1], ascending=[True, True, False], kind="stable"
    )
    human_rows = pd.DataFrame(list(humans.values()), columns=SIMULATOR_CSV_COLUMNS)
    human_rows = human_rows.sort_values(["task_version", "conversation_source"], kind="stable")
    table = pd.concat([frame for frame in (rows, human_rows, published_rows()) if len(frame)], ignore_index=True)
    return SimulatorBoard(rows=table, logs=[log.name for log in chosen], warnings=warnings)
