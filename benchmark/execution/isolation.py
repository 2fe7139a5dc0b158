"""What keeps one run apart from the harness and from other runs: a leased uid, a scratch directory, and the
mounts and paths that the sandbox's fresh namespaces get (see the package docstring, "Isolation as root")."""

from __future__ import annotations

import contextlib
import errno
import os
import pwd
import shutil
import site
import socket
import stat
import sys
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path

SANDBOX_UID_BASE = 60_000
"""First uid a sandbox runs as (when the harness is root); uids with a passwd entry are skipped."""
SANDBOX_UID_COUNT = 1_000

_PRIVATE_TMP_DIRS = ("/tmp", "/var/tmp", "/dev/shm")


@contextlib.contextmanager
def leased_uid() -> Iterator[int | None]:
    """A uid no other run on this host is using (held as an abstract socket name); None unless root."""
    if os.geteuid() != 0:
        yield None
        return
    with socket.socket(socket.AF_UNIX) as lease:
        for uid in range(SANDBOX_UID_BASE, SANDBOX_UID_BASE + SANDBOX_UID_COUNT):
            if uid in _passwd_uids():
                continue
            try:
                lease.bind(f"\0userlm-bench-sandbox-uid-{uid}")
            except OSError:
                continue
            yield uid
            return
    raise OSError(errno.EAGAIN, "every sandbox uid is in use")


@cache
def _passwd_uids() -> frozenset[int]:
    return frozenset(entry.pw_uid for entry in pwd.getpwall())


@contextlib.contextmanager
def scratch_dir(uid: int | None) -> Iterator[str]:
    """A fresh directory owned by the sandbox uid, removed afterwards whatever happened."""
    path = tempfile.mkdtemp(prefix="userlm-sandbox-")
    try:
        if uid is not None:
            os.chown(path, uid, uid)
        yield path
    finally:
        _remove_tree(path)


def _remove_tree(path: str) -> None:
    """Delete `path`, even where the program took away permissions (which stops rmtree when not root)."""
    with contextlib.suppress(OSError):
        os.chmod(path, 0o700)
    for parent, dirs, _ in os.walk(path):
        for name in dirs:
            child = os.path.join(parent, name)
            if not os.path.islink(child):
                with contextlib.suppress(OSError):
                    os.chmod(child, 0o700)
    shutil.rmtree(path, ignore_errors=True)


@cache
def site_packages() -> tuple[str, ...]:
    """The site-packages directories that `python -I` puts on sys.path."""
    return tuple(path for path in site.getsitepackages() if os.path.isdir(path))


@cache
def interpreter_dirs() -> tuple[str, ...]:
    """Where the sandboxed interpreter lives: its installation, its virtualenv, its executable."""
    executable_dir = os.path.dirname(os.path.realpath(sys.executable))
    return tuple(sorted({os.path.realpath(p) for p in (sys.base_prefix, sys.prefix, executable_dir)}))


def covers(scratch: str) -> list[tuple[str, str, list[str]]]:
    """The tmpfs mounts of a sandbox: (directory, mode, paths under it to bind back from the host).

    World-writable temp dirs become private; a directory the sandbox uid could not traverse on the way
    to the interpreter or to `scratch` gets a root-owned skeleton holding just those paths.
    """
    keep = [*interpreter_dirs(), scratch]
    modes = {os.path.realpath(path): "1777" for path in _PRIVATE_TMP_DIRS if os.path.isdir(path)}
    kept: dict[str, list[str]] = {cover: [] for cover in modes}
    outermost = [path for path in keep if not any(_within(path, other) for other in keep if other != path)]
    for path in outermost:
        for ancestor in map(str, reversed(Path(path).parents)):
            if ancestor in modes or (ancestor != "/" and not os.stat(ancestor).st_mode & stat.S_IXOTH):
                modes.setdefault(ancestor, "755")
                kept.setdefault(ancestor, []).append(path)
                break
    return [(cover, modes[cover], kept[cover]) for cover in sorted(modes)]


def _within(path: str, directory: str) -> bool:
    return os.path.commonpath([path, directory]) == directory
