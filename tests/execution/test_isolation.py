"""Isolation helpers: uid leases are exclusive, scratch dirs go away, the sandbox's mounts hide nothing it needs."""

from __future__ import annotations

import os

import pytest

from benchmark.execution import isolation


def within(path: str, directory: str) -> bool:
    return os.path.commonpath([path, directory]) == directory


@pytest.mark.skipif(os.geteuid() != 0, reason="uid leases need the harness to run as root")
def test_concurrent_leases_get_different_uids():
    with isolation.leased_uid() as first, isolation.leased_uid() as second:
        assert first is not None and second is not None and first != second
        assert min(first, second) >= isolation.SANDBOX_UID_BASE


def test_scratch_dir_is_removed_even_when_locked():
    with isolation.scratch_dir(None) as scratch:
        os.makedirs(os.path.join(scratch, "locked", "deeper"))
        os.chmod(os.path.join(scratch, "locked"), 0)
    assert not os.path.exists(scratch)


def test_covers_bind_back_the_interpreter_and_the_scratch_dir():
    with isolation.scratch_dir(None) as scratch:
        scratch = os.path.realpath(scratch)
        mounts = isolation.covers(scratch)
    assert ("/tmp", "1777") in [(cover, mode) for cover, mode, _ in mounts]
    kept = [path for _, _, paths in mounts for path in paths]
    for directory in [*isolation.interpreter_dirs(), scratch]:
        if any(within(directory, cover) for cover, _, _ in mounts):
            assert any(within(directory, path) for path in kept), directory
