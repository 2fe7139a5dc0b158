"""The simulator table of `userlm-bench leaderboard`: rows from `simulator_fidelity` logs, the human reference,
the paper's published rows, and its files (md, csv, png, a table in the HTML page)."""

from __future__ import annotations

import csv
import math
import re
import shutil
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from inspect_ai import eval
from inspect_ai.log import EvalLog, read_eval_log, write_eval_log
from inspect_ai.model import ModelConfig, get_model

from benchmark.cli import main
from benchmark.constants import (
    CI_HIGH_SUFFIX,
    CI_LOW_SUFFIX,
    END_F1,
    FIRST_TURN_DIVERSITY,
    HUMAN_FIRST_TURN_DIVERSITY,
    HUMAN_INTENT_DECOMPOSITION,
    INTENT_DECOMPOSITION,
    JUDGE_ROLE,
    PUBLISHED_FIDELITY,
    ROLE_ADHERENCE,
    USER_ROLE,
)
from benchmark.fidelity.conversations import read_conversations, write_conversations
from benchmark.reports.leaderboard import build_leaderboard, find_chromium, render_html, run_chromium
from benchmark.reports.leaderboard.outputs import write_leaderboard
from benchmark.reports.leaderboard.renderers import SIMULATOR_FILES
from benchmark.reports.leaderboard.simulators import (
    HUMAN_ROW,
    HUMAN_TURNS,
    MEASURED,
    PUBLISHED,
    SIMULATOR_CSV_COLUMNS,
    published_rows,
)
from tasks.simulator_fidelity import TASK_VERSION, simulator_fidelity
from tests.reports.test_gate import make_log
from tests.reports.test_leaderboard import fixed, png_size

HUMAN_CONVERSATIONS = Path(__file__).parents[1] / "fidelity" / "data" / "human_conversations.jsonl"
ASSISTANT_FILES = {"leaderboard.md", "leaderboard.csv", "leaderboard.html", "task_score.png", "inflation_gap.png"}


@pytest.fixture(scope="module")
def fidelity_log(tmp_path_factory) -> Path:
    """A real fidelity log: the offline scripted simulator on the test conversations that have an intent."""
    work = tmp_path_factory.mktemp("fidelity")
    with_intent = [c for c in read_conversations(HUMAN_CONVERSATIONS) if c.intent is not None]
    write_conversations(work / "with_intents.jsonl", with_intent)
    task = simulator_fidelity(conversations=str(work / "with_intents.jsonl"), simulator="scripted")
    (log,) = eval(task, model=get_model("scripted/user"), log_dir=str(work / "logs"), display="none")
    assert log.status == "success"
    return Path(log.location)


def variant(
    source: Path, path: Path, later: timedelta = timedelta(0), first: int | None = None, **changes: object
) -> Path:
    """A copy of a log written at `path`, made `later`, with only its `first` conversations (as `--limit` runs
    them) and EvalSpec fields changed (`status` on the log)."""
    log: EvalLog = read_eval_log(str(source))
    log.eval.created = (pd.Timestamp(log.eval.created) + later).isoformat()
    if first is not None:
        log.samples = log.samples[:first]
        log.eval.dataset.sample_ids = log.eval.dataset.sample_ids[:first]
    if "status" in changes:
        log.status = changes.pop("status")
    for name, value in changes.items():
        setattr(log.eval, name, value)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_eval_log(log, str(path))
    return path


def metrics(path: Path) -> dict[str, float]:
    header = read_eval_log(str(path), header_only=True)
    return {name: m.value for score in header.results.scores for name, m in score.metrics.items()}


def test_a_fidelity_log_makes_a_measured_row_a_human_row_and_the_published_rows(fidelity_log):
    board = build_leaderboard([fidelity_log])
    assert board.rows.empty and board.logs == []  # a fidelity log is no assistant run
    simulators = board.simulators
    assert simulators is not None and simulators.logs == [fidelity_log.name]
    rows = simulators.rows
    assert list(rows.columns) == SIMULATOR_CSV_COLUMNS
    assert list(rows["origin"]) == [MEASURED, HUMAN_TURNS] + [PUBLISHED] * len(PUBLISHED_FIDELITY)

    measured, human = rows.iloc[0], rows.iloc[1]
    assert (measured["simulator_model"], measured["protocol"]) == ("scripted/user", "scripted")
    assert (measured["conversation_source"], measured["with_intent"]) == ("with_intents", True)
    assert measured["task_version"] == TASK_VERSION
    assert measured["conversations"] == 11 and measured["coverage"] == "complete"
    logged = metrics(fidelity_log)
    for name in (END_F1, END_F1 + CI_LOW_SUFFIX, END_F1 + CI_HIGH_SUFFIX, FIRST_TURN_DIVERSITY):
        assert measured[name] == logged[name]  # the log's own figures, as shares
    assert math.isnan(measured[ROLE_ADHERENCE])  # no judge: missing, never 0
    assert human["simulator_model"] == HUMAN_ROW and human["conversations"] == 11
    assert human[FIRST_TURN_DIVERSITY] == logged[HUMAN_FIRST_TURN_DIVERSITY]
    assert human[INTENT_DECOMPOSITION] == logged[HUMAN_INTENT_DECOMPOSITION]
    assert math.isnan(human[END_F1])
    assert any("only 11 conversations" in w for w in simulators.warnings)


def test_published_rows_are_the_papers_percentages_as_shares():
    rows = published_rows().set_index("simulator_model")
    assert list(rows.index) == list(PUBLISHED_FIDELITY)
    assert (rows["origin"] == PUBLISHED).all() and PUBLISHED == "published (Naous et al., Table 2)"
    for simulator, figures in PUBLISHED_FIDELITY.items():
        for name, value in figures.items():
            shown = rows.loc[simulator, name]
            assert math.isnan(shown) if value is None else math.isclose(shown, value / 100)
            assert math.isnan(rows.loc[simulator, name + CI_LOW_SUFFIX])
    assert rows.loc["UserLM-8b", "protocol"] == "userlm" and rows.loc["GPT-4o-mini", "protocol"] == "prompted"
    assert (rows[["conversation_source", "log"]] == "").all().all()


def test_mixed_logs_give_both_tables_and_every_file(fidelity_log, tmp_path, capsys):
    logs = tmp_path / "logs"
    make_log(logs / "u.eval", fixed(20, 2, 0.5))
    make_log(logs / "p.eval", fixed(20, 2, 1.0), simulator="prompted", user_model="openai/gpt-4o")
    shutil.copy(fidelity_log, logs / "fidelity.eval")
    out = tmp_path / "out"
    assert main(["leaderboard", str(logs), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "2 rows, 1 inflation gap from 2 logs" in printed
    assert "simulator table: 6 rows (4 published) from 1 fidelity log" in printed
    assert {p.name for p in out.iterdir()} == ASSISTANT_FILES | set(SIMULATOR_FILES)
    width, height = png_size(out / "simulators.png")
    assert width > 600 and height > 200

    with (out / "leaderboard.csv").open(encoding="utf-8") as handle:
        assert {row["task"] for row in csv.DictReader(handle)} == {"gsm8k_multiturn"}  # no fidelity row
    with (out / "simulators.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == SIMULATOR_CSV_COLUMNS
    assert [r["simulator_model"] for r in rows] == ["scripted/user", HUMAN_ROW, *PUBLISHED_FIDELITY]
    assert rows[2]["end_f1"] == "0.6354"  # 63.54 in the paper

    md = (out / "simulators.md").read_text(encoding="utf-8")
    assert "| simulator | figures | protocol | conversation set | with intent | version | end F1 [95% CI] |" in md
    assert "| UserLM-8b | published (Naous et al., Table 2) | userlm |" in md and "divided by 100" in md
    assert "`simulators.md`" in (out / "leaderboard.md").read_text(encoding="utf-8")
    page = (out / "leaderboard.html").read_text(encoding="utf-8")
    assert page.count('class="sortable"') == 3 and 'id="simulators"' in page
    assert page.count("data:image/png;base64,") == 3
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)


def test_without_fidelity_logs_nothing_of_the_table_is_written(tmp_path):
    make_log(tmp_path / "logs" / "u.eval", fixed(20, 2, 0.5))
    board = build_leaderboard([tmp_path / "logs"])
    assert board.simulators is None
    write_leaderboard(board, tmp_path / "out")
    assert {p.name for p in (tmp_path / "out").iterdir()} == ASSISTANT_FILES
    page = render_html(board)
    assert 'id="simulators"' not in page and "simulators.css" not in page and 'data-value^="published"' not in page
    assert "simulators" not in (tmp_path / "out" / "leaderboard.md").read_text(encoding="utf-8")


def test_newest_log_per_key_partial_runs_set_aside_keep_all(fidelity_log, tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    shutil.copy(fidelity_log, logs / "a.eval")
    variant(fidelity_log, logs / "smoke.eval", later=timedelta(days=1), first=3)
    variant(fidelity_log, logs / "b.eval", later=timedelta(hours=1))
    board = build_leaderboard([logs]).simulators
    measured = board.rows[board.rows["origin"] == MEASURED]
    assert list(measured["log"]) == ["b.eval"]
    assert any(w.startswith("a.eval: replaced by a later run of the same kind b.eval") for w in board.warnings)
    assert any(w.startswith("smoke.eval: a partial run, set aside for the complete run b.eval") for w in board.warnings)
    assert board.count(HUMAN_TURNS) == 1

    kept = build_leaderboard([logs], keep_all=True).simulators
    assert sorted(kept.rows.loc[kept.rows["origin"] == MEASURED, "log"]) == ["a.eval", "b.eval", "smoke.eval"]
    smoke = kept.rows[(kept.rows["origin"] == MEASURED) & (kept.rows["log"] == "smoke.eval")].iloc[0]
    assert smoke["coverage"] == "partial: 3 of 11 conversations" and smoke["conversations"] == 3
    assert kept.count(HUMAN_TURNS) == 2  # the smoke run's conversations are another set


def test_the_user_role_names_the_simulator_and_each_key_part_splits_rows(fidelity_log, tmp_path):
    logs = tmp_path / "logs"
    roles = {USER_ROLE: ModelConfig(model="openai/gpt-4o"), JUDGE_ROLE: ModelConfig(model="openai/judge")}
    variant(fidelity_log, logs / "role.eval", model="openai/other", model_roles=roles)
    variant(fidelity_log, logs / "v2.eval", task_version="2.0.0")
    variant(fidelity_log, logs / "prompted.eval", metadata={"simulator": "prompted", "conversations": "prism"})
    variant(fidelity_log, logs / "registry.eval", task=f"userlm_bench/{read_eval_log(str(fidelity_log)).eval.task}")
    board = build_leaderboard([logs]).simulators
    measured = board.rows[board.rows["origin"] == MEASURED].set_index("log")
    assert len(measured) == 4  # registry.eval: run by the installed task's name, still a fidelity log
    assert measured.loc["role.eval", "simulator_model"] == "openai/gpt-4o"
    assert measured.loc["role.eval", "judge_model"] == "openai/judge"
    assert measured.loc["registry.eval", "simulator_model"] == "scripted/user"
    assert measured.loc["v2.eval", "task_version"] == "2.0.0"
    assert tuple(measured.loc["prompted.eval", ["protocol", "conversation_source"]]) == ("prompted", "prism")
    assert any("2 task versions (1.0.0, 2.0.0)" in w for w in board.warnings)


def test_a_log_that_did_not_finish_is_left_out_with_a_warning(fidelity_log, tmp_path):
    variant(fidelity_log, tmp_path / "cancelled.eval", status="cancelled")
    board = build_leaderboard([tmp_path / "cancelled.eval"]).simulators
    assert board.count(MEASURED) == 0 and board.count(PUBLISHED) == len(PUBLISHED_FIDELITY)
    assert any("cancelled.eval: status 'cancelled', left out" in w for w in board.warnings)


CHROMIUM = find_chromium()


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium)")
def test_simulator_table_renders_in_headless_chromium(fidelity_log, tmp_path):
    logs = tmp_path / "logs"
    make_log(logs / "u.eval", fixed(8, 2, 0.5))
    shutil.copy(fidelity_log, logs / "fidelity.eval")
    board = build_leaderboard([logs])
    written = write_leaderboard(board, tmp_path / "out", take_screenshot=True)
    shot = tmp_path / "out" / "leaderboard.png"
    assert shot in written and png_size(shot)[1] > 1000
    dom = run_chromium((tmp_path / "out" / "leaderboard.html").resolve().as_uri(), "--dump-dom")
    assert 'data-ready="1"' in dom
    table = dom.split('id="simulators"')[1].split("</table>")[0]
    names = re.findall(r'<tr>\s*<td class="text" data-value="([^"]*)"', table)
    assert names == ["scripted/user", HUMAN_ROW, *PUBLISHED_FIDELITY]
    assert table.count(f'data-value="{PUBLISHED}"') == len(PUBLISHED_FIDELITY)
