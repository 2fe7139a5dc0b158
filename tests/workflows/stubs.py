"""Stand-ins the dry run puts first on PATH: `gh`, which records what it was asked to post, and `python`,
which records `python -m pip ...` instead of installing (everything else runs the test's interpreter).

The pip stand-in is sound only because the package the workflow would install is the one under test:
test_release_gate.test_the_stubbed_install_is_the_package_under_test checks that.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_GH = '''#!{python}
"""gh for the dry run: records its arguments, the --body-file's text and the token and repository it got."""
import json, os, sys
argv = sys.argv[1:]
body = None
if "--body-file" in argv:
    with open(argv[argv.index("--body-file") + 1], encoding="utf-8") as file:
        body = file.read()
record = {{"argv": argv, "body": body, "GH_TOKEN": os.environ.get("GH_TOKEN"), "GH_REPO": os.environ.get("GH_REPO")}}
with open({record!r}, "a", encoding="utf-8") as file:
    file.write(json.dumps(record) + "\\n")
'''

_PYTHON = '''#!{python}
"""python for the dry run: `python -m pip ...` is recorded, not run; anything else runs {python}."""
import json, os, sys
if sys.argv[1:3] == ["-m", "pip"]:
    with open({record!r}, "a", encoding="utf-8") as file:
        file.write(json.dumps(sys.argv[3:]) + "\\n")
    sys.exit(0)
os.execv({python!r}, [{python!r}, *sys.argv[1:]])
'''


def _records(path: Path) -> list[Any]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@dataclass(frozen=True)
class Stubs:
    """The stand-ins' directory (put it first on PATH) and what they recorded."""

    bin: Path

    @classmethod
    def install(cls, directory: Path) -> Stubs:
        directory.mkdir(parents=True)
        stubs = cls(directory)
        for name, template, record in (("gh", _GH, stubs._gh_record), ("python", _PYTHON, stubs._pip_record)):
            script = directory / name
            script.write_text(template.format(python=sys.executable, record=str(record)))
            script.chmod(0o755)
        return stubs

    @property
    def _gh_record(self) -> Path:
        return self.bin / "gh.jsonl"

    @property
    def _pip_record(self) -> Path:
        return self.bin / "pip.jsonl"

    @property
    def gh_calls(self) -> list[dict[str, Any]]:
        """Each `gh` call: argv, body (the --body-file's text), GH_TOKEN, GH_REPO."""
        return _records(self._gh_record)

    @property
    def pip_calls(self) -> list[list[str]]:
        """The arguments after `python -m pip` of each call."""
        return _records(self._pip_record)
