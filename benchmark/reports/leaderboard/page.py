"""The leaderboard's HTML page, rendered from the shipped Jinja template (templates/leaderboard.html.jinja)."""

from __future__ import annotations

import base64
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined, Template

from benchmark.reports.leaderboard.columns import COLUMN_NOTES, GAP_TABLE, TABLE, Column
from benchmark.reports.leaderboard.rows import Leaderboard
from benchmark.reports.leaderboard.simulator_columns import SIMULATOR_NOTES, SIMULATOR_TABLE

TEMPLATE = "leaderboard.html.jinja"


@dataclass(frozen=True)
class _Header:
    kind: str
    key: str
    title: str


@dataclass(frozen=True)
class _Cell:
    classes: str
    value: str
    """What the page's script sorts by: a float's repr, text, or empty (sorted last)."""
    tip: str | None
    text: str
    ci: str | None
    """The bracketed interval, shown under the figure."""


@dataclass(frozen=True)
class _Table:
    id: str
    headers: list[_Header]
    rows: list[list[_Cell]]


@dataclass(frozen=True)
class _Plot:
    name: str
    src: str


@functools.cache
def _template() -> Template:
    environment = Environment(
        loader=PackageLoader("benchmark.reports.leaderboard"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return environment.get_template(TEMPLATE)


def _sort_value(value: object) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | np.integer | np.floating):
        return repr(float(value)) if math.isfinite(float(value)) else ""
    return "" if value is None else str(value)


def _cell(row: pd.Series, column: Column) -> _Cell:
    classes = [column.kind]
    if column.sort_key == "simulator":  # the assistant table's protocol column
        classes.append(f"sim-{row['simulator']}")
    text, ci = str(column.text(row)), None
    if " [" in text:
        text, rest = text.split(" [", 1)
        ci = "[" + rest
    tip = column.tip(row) if column.tip else None
    return _Cell(" ".join(classes), _sort_value(column.value(row)), tip, text, ci)


def _table(frame: pd.DataFrame, columns: list[Column], table_id: str) -> _Table | None:
    """The frame as the template's sortable table; None when it has no rows."""
    if frame.empty:
        return None
    headers = [_Header(c.kind, c.sort_key, c.title) for c in columns]
    return _Table(table_id, headers, [[_cell(row, c) for c in columns] for _, row in frame.iterrows()])


def render_html(board: Leaderboard, plots: Sequence[tuple[str, bytes]] = (), command: str | None = None) -> str:
    """The leaderboard as one self-contained page: inline CSS, JS and images (`plots`: name, PNG), no network.
    With fidelity logs, the simulator table and its notes follow the inflation gaps."""
    simulators = board.simulators
    return _template().render(
        logs=len(board.logs),
        command=command,
        rows=_table(board.rows, TABLE, "leaderboard"),
        gaps=_table(board.gaps, GAP_TABLE, "gaps"),
        simulators=_table(simulators.rows, SIMULATOR_TABLE, "simulators") if simulators else None,
        simulator_logs=len(simulators.logs) if simulators else 0,
        simulator_notes=SIMULATOR_NOTES,
        warnings=board.warnings + (simulators.warnings if simulators else []),
        plots=[_Plot(name, "data:image/png;base64," + base64.b64encode(png).decode("ascii")) for name, png in plots],
        notes=COLUMN_NOTES,
    )
