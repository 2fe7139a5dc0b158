"""How often the regression gate raises a false alarm, and how often it catches a real drop.

    python -m benchmark.devtools.gate_calibration --out results/gate_calibration.md

Simulated runs with the shape of the paper's protocol: N intents x 10 epochs, each intent solved with its
own probability (a spread of easy and hard intents: 0.1 + 0.85 x Beta(2.4, 1.6), mean about 0.6), each
conversation a Bernoulli draw. The candidate's probability of every intent is the baseline's minus a drop
(the bounds keep it inside [0, 1], so the expected drop is exactly the one named). Each trial runs the gate's
own test (benchmark.reports.gate.drop_test) at the default settings; the table gives the share of trials
that fail the gate, with a 95% Wilson interval. At drop 0 and at drop = --max-drop every failure is a false
alarm (the gate allows a drop up to the margin): their rate should be at most alpha (5%). Above the margin
the rate is the gate's power.
"""

from __future__ import annotations

import argparse
import platform
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.stats import binomtest

from benchmark.reports.gate import GateSettings, drop_test
from benchmark.reports.gate.results import DEFAULT_SETTINGS

INTENT_COUNTS = (20, 65)
EPOCHS = 10
DROPS = (0.0, 0.02, 0.05, 0.08, 0.10)
"""0 and the default margin (false alarms), then 5, 8 and 10 points (power)."""
TRIALS = 5000
SEED = 20261201


@dataclass(frozen=True)
class Cell:
    intents: int
    drop: float
    trials: int
    failures: int

    @property
    def rate(self) -> float:
        return self.failures / self.trials

    def interval(self) -> tuple[float, float]:
        ci = binomtest(self.failures, self.trials).proportion_ci(confidence_level=0.95, method="wilson")
        return float(ci.low), float(ci.high)


def difficulties(n: int, rng: np.random.Generator) -> np.ndarray:
    """Per-intent success probabilities in [0.1, 0.95]: no candidate probability goes below 0 at these drops."""
    return 0.1 + 0.85 * rng.beta(2.4, 1.6, size=n)


def failure_count(intents: int, drop: float, trials: int, seed: int, settings: GateSettings = DEFAULT_SETTINGS) -> int:
    """In how many of `trials` simulated comparisons the gate fails the candidate."""
    rng = np.random.default_rng(seed)
    failures = 0
    for _ in range(trials):
        p = difficulties(intents, rng)
        base = (rng.random((intents, EPOCHS)) < p[:, None]).mean(axis=1)
        cand = (rng.random((intents, EPOCHS)) < (p - drop)[:, None]).mean(axis=1)
        mean, p_value = drop_test(base, cand, settings)
        failures += p_value < settings.alpha and mean > settings.max_drop
    return failures


def calibrate(trials: int = TRIALS, seed: int = SEED) -> list[Cell]:
    """Every (intents, drop) cell of the report."""
    cells = []
    for i, intents in enumerate(INTENT_COUNTS):
        for j, drop in enumerate(DROPS):
            cells.append(Cell(intents, drop, trials, failure_count(intents, drop, trials, seed + 100 * i + j)))
    return cells


def report(cells: list[Cell], command: str, seconds: float) -> str:
    settings = DEFAULT_SETTINGS
    lines = [
        "# Regression gate calibration",
        "",
        f"Made with `{command}` in {seconds:.0f} s ({platform.python_version()}, {platform.machine()}).",
        "",
        f"The gate's test: a one-sided paired t-test over intents on the per-intent drop of `task_score`, "
        f"alpha {settings.alpha}, max drop {settings.max_drop}; a mean drop within 1e-9 of the margin counts as "
        f"the margin. Simulated runs: N intents x {EPOCHS} epochs, intent difficulties 0.1 + 0.85 x Beta(2.4, "
        f"1.6), {cells[0].trials} trials per cell, seed {SEED} (see `benchmark/devtools/gate_calibration.py`).",
        "",
        "| intents | true drop | what a failure is | gate fails in | 95% CI |",
        "| ---: | ---: | --- | ---: | --- |",
    ]
    for cell in cells:
        low, high = cell.interval()
        kind = "false alarm" if cell.drop <= settings.max_drop else "a caught regression (power)"
        lines.append(f"| {cell.intents} | {cell.drop:.2f} | {kind} | {cell.rate:.1%} | [{low:.1%}, {high:.1%}] |")
    lines += [
        "",
        "At drop 0 and at the margin the rate must stay at or under alpha (5%); above it, higher is better.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmark.devtools.gate_calibration", description=__doc__)
    parser.add_argument("--out", type=Path, help="write the report here (default: print it)")
    parser.add_argument("--trials", type=int, default=TRIALS, help="simulated comparisons per cell")
    args = parser.parse_args(argv)
    started = time.monotonic()
    cells = calibrate(args.trials)
    command = "python -m benchmark.devtools.gate_calibration" + (f" --out {args.out}" if args.out else "")
    if args.trials != TRIALS:
        command += f" --trials {args.trials}"
    text = report(cells, command, time.monotonic() - started)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
