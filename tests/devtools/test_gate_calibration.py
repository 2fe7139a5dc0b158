"""The gate holds its level at the margin: its false-alarm rate there is at most alpha plus the rate's
own 95% half-width, for 20 and 65 intents x 10 epochs (results/gate_calibration.md has the full table)."""

from __future__ import annotations

import re

import pytest

from benchmark.devtools.gate_calibration import Cell, failure_count
from benchmark.reports.gate.results import DEFAULT_SETTINGS
from tests.conftest import ROOT

REPORT = ROOT / "results" / "gate_calibration.md"


@pytest.mark.parametrize("intents", [20, 65])
def test_false_alarms_at_the_margin_stay_within_alpha(intents):
    trials = 2000
    cell = Cell(
        intents, DEFAULT_SETTINGS.max_drop, trials, failure_count(intents, DEFAULT_SETTINGS.max_drop, trials, 7)
    )
    low, high = cell.interval()
    assert cell.rate <= DEFAULT_SETTINGS.alpha + (high - low) / 2, cell


def test_the_committed_report_meets_the_same_bound():
    rows = re.findall(
        r"\| (\d+) \| (0\.\d\d) \| false alarm \| ([\d.]+)% \| \[([\d.]+)%, ([\d.]+)%\] \|", REPORT.read_text()
    )
    at_margin = [r for r in rows if float(r[1]) == DEFAULT_SETTINGS.max_drop]
    assert {int(r[0]) for r in at_margin} == {20, 65}
    for _, _, rate, low, high in at_margin:
        assert float(rate) / 100 <= DEFAULT_SETTINGS.alpha + (float(high) - float(low)) / 200
