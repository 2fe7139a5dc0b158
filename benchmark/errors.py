"""Errors a user can fix, and how their hints name a setting.

A `UserError` is bad input (a file, a flag, a log, a task parameter): its message names what is wrong
and the fix. The command line prints it as one line and exits 2; any other exception is a bug and keeps
its traceback. Library messages name settings through `setting()`, so the same message says
`-T data_path=FILE` inside `inspect eval` and `--data-path FILE` from `userlm-bench`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from benchmark.inspect_compat import PrerequisiteError


class UserError(PrerequisiteError):
    """Bad input; the message names the file, field or setting and the fix.

    A kind of Inspect's prerequisite error, so `inspect eval` prints it as one message without a traceback
    when a task cannot be created from its parameters (`-T max_turns=abc`).
    """

    def __init__(self, message: str) -> None:
        Exception.__init__(self, message)
        self.message = message


_CLI_FLAGS = {"data_path": "--data-path", "intents": "--set"}
"""Task parameters whose `userlm-bench` flag has another name."""

_in_cli: ContextVar[bool] = ContextVar("userlm_bench_in_cli", default=False)


def setting(name: str, value: str) -> str:
    """How the user sets task parameter `name` to `value` where they are: `-T name=value` in an Inspect
    eval, `--flag value` in the `userlm-bench` command line."""
    if _in_cli.get():
        return f"{_CLI_FLAGS.get(name, '--' + name.replace('_', '-'))} {value}"
    return f"-T {name}={value}"


@contextlib.contextmanager
def cli_hints() -> Iterator[None]:
    """Within the block, `setting()` names the command line's flags."""
    token = _in_cli.set(True)
    try:
        yield
    finally:
        _in_cli.reset(token)
