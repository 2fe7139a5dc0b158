"""The command line's behaviour: version, help, exit codes, user errors, broken pipes, option help."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from benchmark.cli import main
from benchmark.cli.app import build_parser
from tests.conftest import GSM8K_TEST, needs_shared_data

GOOD_SOLUTION = "def has_close_elements(numbers, threshold):\n    return any(abs(a - b) < threshold for i, a in enumerate(numbers) for b in numbers[i + 1:])\n"  # noqa: E501


def run_cli(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "benchmark.cli", *args], capture_output=True, text=True, timeout=120, **kwargs
    )


def test_version(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.startswith("userlm-bench ")


@pytest.mark.parametrize("argv", [[], ["intents"], ["grade"]])
def test_a_missing_subcommand_prints_help_and_exits_2(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: userlm-bench") and "COMMAND" in err or "SOURCE" in err
    assert "required" not in err


def test_a_user_error_is_one_line_without_traceback():
    done = run_cli("exec", "--task", "HumanEval/0", "--solution", "nope.py")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "userlm-bench exec: error: nope.py: cannot read the solution (No such file or directory); pass a Python file"
    ]
    done = run_cli("intents", "show", "no-such-intent")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "'" not in done.stderr.split("error: ", 1)[1][:1]  # no repr quotes around the message


def test_hints_name_the_command_lines_flags():
    done = run_cli("intents", "list", "--set", "lic")
    assert done.returncode == 2
    assert "--set lic needs --data-path FILE" in done.stderr and "-T " not in done.stderr


def test_a_bug_keeps_its_traceback(monkeypatch):
    def broken(args: argparse.Namespace) -> int:
        raise RuntimeError("a bug")

    monkeypatch.setattr("benchmark.cli.grading._sandbox_check", broken)
    parser = build_parser()  # the handler is bound when the parser is built
    monkeypatch.setattr("benchmark.cli.app.build_parser", lambda: parser)
    with pytest.raises(RuntimeError, match="a bug"):
        main(["sandbox-check"])


@needs_shared_data
def test_a_closed_pipe_ends_quietly():
    listing = subprocess.Popen(
        [sys.executable, "-m", "benchmark.cli", "intents", "list", "--set", "full", "--data-path", str(GSM8K_TEST)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert listing.stdout is not None
    listing.stdout.readline()
    listing.stdout.close()  # like `| head -1`
    _, err = listing.communicate(timeout=120)
    assert listing.returncode == 141 and err == b""


@pytest.mark.parametrize(("solution", "code", "outcome"), [(GOOD_SOLUTION, 0, "passed"), ("def f(): pass\n", 1, "")])
def test_exec_exits_0_on_pass_and_1_on_fail(tmp_path, solution, code, outcome):
    path = tmp_path / "solution.py"
    path.write_text(solution)
    done = run_cli("exec", "--task", "HumanEval/0", "--solution", str(path))
    assert done.returncode == code, done.stderr
    assert (f'"outcome": "{outcome}"' in done.stdout) if outcome else '"passed": false' in done.stdout


def _all_parsers(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.ArgumentParser]]:
    found = [(parser.prog, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                found += _all_parsers(child)
    return found


def test_every_option_has_help_and_shows_its_default():
    missing = []
    for prog, parser in _all_parsers(build_parser()):
        for action in parser._actions:
            if isinstance(action, (argparse._HelpAction, argparse._VersionAction, argparse._SubParsersAction)):
                continue
            if not action.help:
                missing.append(f"{prog} {'/'.join(action.option_strings) or action.dest}")
    assert not missing, "options without help: " + ", ".join(missing)
    help_text = dict(_all_parsers(build_parser()))["userlm-bench serve"].format_help()
    assert "(default: 2048)" in " ".join(help_text.split())


def test_leaderboard_writes_beside_the_logs_unless_told(tmp_path, capsys):
    from tests.reports.test_gate import make_log

    logs = tmp_path / "logs"
    logs.mkdir()
    make_log(logs / "run.eval", {"intent-1": [1.0, 0.0], "intent-2": [1.0, 1.0]})
    assert main(["leaderboard", str(logs)]) == 0
    assert (logs / "leaderboard" / "leaderboard.md").is_file()
    assert "1 row, 0 inflation gaps from 1 log" in capsys.readouterr().out
