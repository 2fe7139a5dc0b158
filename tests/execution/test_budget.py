"""The budget across concurrent runs: the default concurrency follows from memory and cores, and can be
overridden."""

from __future__ import annotations

import os

import pytest

from benchmark.execution import ExecutionLimits, budget

GiB = 2**30


@pytest.mark.parametrize(
    ("cores", "memory", "run", "expected"),
    [
        (2, 24 * GiB, GiB, 2),  # these machines: 6 runs would fit in a quarter, 2 cores
        (64, 64 * GiB, GiB, 16),  # memory binds: a quarter of 64 GiB holds 16 runs of 1 GiB
        (8, 24 * GiB, 4 * GiB, 1),
        (4, 2 * GiB, GiB, 1),  # not even one run fits in the share: still one at a time
    ],
)
def test_default_concurrency_is_what_fits_in_the_share_at_most_one_per_core(monkeypatch, cores, memory, run, expected):
    monkeypatch.setattr(budget, "cores", lambda: cores)
    monkeypatch.setattr(budget, "machine_memory", lambda: memory)
    monkeypatch.delenv(budget.CONCURRENCY_VARIABLE, raising=False)
    assert budget.budget_concurrency(run) == budget.default_concurrency(run) == expected


def test_the_variable_overrides_the_default(monkeypatch):
    monkeypatch.setenv(budget.CONCURRENCY_VARIABLE, "7")
    assert budget.default_concurrency(GiB) == 7


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5"])
def test_a_bad_override_is_refused(monkeypatch, value):
    monkeypatch.setenv(budget.CONCURRENCY_VARIABLE, value)
    with pytest.raises(ValueError, match=budget.CONCURRENCY_VARIABLE):
        budget.default_concurrency(GiB)


def test_the_machine_and_its_share():
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert 0 < budget.machine_memory() <= physical
    assert budget.sandbox_memory() == int(budget.machine_memory() * budget.SANDBOX_SHARE)
    assert budget.sandbox_processes() > 0
    assert 1 <= budget.budget_concurrency(ExecutionLimits().memory_bytes) <= budget.cores()
