"""The driver: inside the sandbox, it runs the program, then the tests, then ``check``, and prints the run's
nonce only if ``check`` returned (see the package docstring, "Verdict").

`_drive` never runs in the harness: its source is shipped as a ``python -c`` script (`DRIVER`,
`MARSHAL_DRIVER`) that first reads the whole payload from stdin. So it must run on any Python 3
(`inspect_sandbox` runs it with the image's ``python3``) and import nothing but the payload's codec; errors
are printed by ``sys.__excepthook__``, in C, without the traceback module's imports (~5 ms per run).
"""

import builtins
import inspect
import os
import sys


def _drive(payload: dict) -> None:
    """Run program, test and check(entry_point) from `payload`; write the nonce if check returned.
    Ends the process: status 0 after the nonce, 1 after printing the error."""
    run, build, write, exit_, describe, stderr = exec, compile, os.write, os._exit, sys.__excepthook__, sys.stderr
    verdict = os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    pristine = dict(vars(builtins))
    program = {"__name__": "__sandbox__"}
    try:
        run(build(payload["program"], "<program>", "exec"), program)
        tests = {**program, "__builtins__": pristine}
        run(build(payload["test"], "<test>", "exec"), tests)
        tests["check"](tests[payload["entry_point"]])
    except BaseException as error:
        sys.stderr = stderr
        describe(type(error), error, error.__traceback__)
        exit_(1)
    write(verdict, ("\n" + payload["nonce"] + "\n").encode())
    exit_(0)


def _script(codec: str) -> str:
    """The driver as a script that reads the whole payload from stdin, encoded by the module `codec`."""
    header = f"import builtins, {codec}, os, sys\n"
    return f"{header}{inspect.getsource(_drive)}\n_drive({codec}.loads(sys.stdin.buffer.read()))\n"


DRIVER = _script("json")
"""The driver for ``python -I -c DRIVER``, with a JSON payload on stdin (as `inspect_sandbox` runs it)."""
MARSHAL_DRIVER = _script("marshal")
"""The driver the supervisor runs, with a marshal payload: marshal is built in, json costs ~5 ms of imports."""
