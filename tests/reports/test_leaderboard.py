"""The leaderboard (`userlm-bench leaderboard`): rows, inflation gaps, outputs, and the HTML in Chromium."""

from __future__ import annotations

import csv
import math
import re
import struct
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from inspect_ai import eval
from inspect_ai.log import read_eval_log, write_eval_log
from inspect_ai.model import get_model

from benchmark.cli import main
from benchmark.constants import (
    DEFAULT_USER_MODEL,
    EXIT_UNUSABLE,
    INTENT_COVERAGE,
    INTENT_DECOMPOSITION,
    LEXICAL_DIVERSITY,
    TASK_SCORE,
    TURN_VARIANCE,
    USER_ROLE,
    USER_TURNS,
)
from benchmark.reports.leaderboard import (
    CSV_COLUMNS,
    build_leaderboard,
    find_chromium,
    render_html,
    render_markdown,
    run_chromium,
    write_leaderboard,
)
from tasks.gsm8k_multiturn import TASK_VERSION as GSM8K_VERSION
from tests.reports.test_gate import START, make_log

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC, f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def fixed(n_intents: int, epochs: int, rate: float, prefix: str = "intent") -> dict[str, list[float]]:
    """Each intent solved in round(rate * epochs) of its epochs."""
    solved = round(rate * epochs)
    return {f"{prefix}-{i:02d}": [1.0] * solved + [0.0] * (epochs - solved) for i in range(n_intents)}


def varied(n_intents: int, epochs: int, rate: float, seed: int) -> dict[str, list[float]]:
    rng = np.random.default_rng(seed)
    return {f"intent-{i:02d}": [float(x) for x in rng.random(epochs) < rate] for i in range(n_intents)}


@pytest.fixture(scope="module")
def scripted_logs(tmp_path_factory) -> Path:
    """Real evals with the offline scripted models: the userlm and prompted simulators for one assistant."""
    from tasks.gsm8k_multiturn import gsm8k_multiturn

    log_dir = tmp_path_factory.mktemp("scripted-logs")
    for simulator in ("userlm", "prompted"):
        eval(
            gsm8k_multiturn(simulator=simulator),
            model=get_model("scripted/assistant"),
            model_roles={USER_ROLE: get_model("scripted/user")},
            limit=3,
            epochs=2,
            log_dir=str(log_dir),
            display="none",
        )
    return log_dir


def test_leaderboard_of_real_runs_writes_every_output(scripted_logs, tmp_path, capsys):
    out = tmp_path / "results"
    assert main(["leaderboard", str(scripted_logs), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "2 rows, 1 inflation gap from 2 logs" in printed
    names = {p.name for p in out.iterdir()}
    assert names == {"leaderboard.md", "leaderboard.csv", "leaderboard.html", "task_score.png", "inflation_gap.png"}
    for plot in ("task_score.png", "inflation_gap.png"):
        width, height = png_size(out / plot)
        assert width > 300 and height > 150

    with (out / "leaderboard.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == CSV_COLUMNS
    assert {r["simulator"] for r in rows} == {"userlm", "prompted"}
    for row in rows:
        assert row["assistant"] == "scripted/assistant" and row["user_model"] == "scripted/user"
        assert row["task"] == "gsm8k_multiturn" and row["task_version"] == GSM8K_VERSION
        assert (row["conversations"], row["intents"], row["epochs"]) == ("6", "3", "2")
        assert row["turn_variance"] != "" and row["lexical_diversity"] != "" and row["intent_coverage"] != ""
    prompted = next(r for r in rows if r["simulator"] == "prompted")
    assert prompted["inflation_gap"] != ""

    md = (out / "leaderboard.md").read_text(encoding="utf-8")
    assert "| task | version | assistant | simulator | user model | task score [95% CI] |" in md
    assert "## Inflation gap" in md and f"userlm-bench leaderboard {scripted_logs}" in md
    page = (out / "leaderboard.html").read_text(encoding="utf-8")
    assert 'class="sortable"' in page and "<script>" in page and "data:image/png;base64," in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "the page must not load anything"
    assert "<link" not in page


def test_compare_real_runs(scripted_logs, capsys):
    headers = {path: read_eval_log(str(path), header_only=True) for path in scripted_logs.iterdir()}
    by_simulator = {log.eval.task_args["simulator"]: path for path, log in headers.items()}
    userlm, prompted = by_simulator["userlm"], by_simulator["prompted"]
    assert main(["compare", str(userlm), str(userlm)]) == 0
    out = capsys.readouterr().out
    assert "no significant regression in `task_score`" in out
    for metric in (INTENT_COVERAGE, USER_TURNS, INTENT_DECOMPOSITION, TURN_VARIANCE, LEXICAL_DIVERSITY):
        assert f"| {metric} |" in out
    assert main(["compare", str(userlm), str(prompted)]) == EXIT_UNUSABLE
    assert "simulator: baseline userlm, candidate prompted" in capsys.readouterr().err


def test_inflation_gap_is_prompted_minus_userlm_with_a_paired_interval(tmp_path):
    make_log(tmp_path / "u.eval", fixed(20, 5, 0.4), simulator="userlm")
    make_log(tmp_path / "p.eval", varied(20, 5, 0.8, seed=1), simulator="prompted", user_model="openai/gpt-4o")
    make_log(
        tmp_path / "other.eval",
        fixed(20, 5, 0.6),
        model="openai/other",
        simulator="prompted",
        user_model="openai/gpt-4o",
    )
    board = build_leaderboard([tmp_path])
    assert len(board.rows) == 3 and len(board.gaps) == 1  # openai/other has no userlm run: no gap
    gap = board.gaps.iloc[0]
    assert gap["paired"] and gap["intents"] == 20
    assert gap["prompted_user_model"] == "openai/gpt-4o" and gap["userlm_user_model"] == DEFAULT_USER_MODEL
    assert math.isclose(gap["inflation_gap"], gap["prompted_task_score"] - gap["userlm_task_score"])
    assert gap["inflation_gap_ci_low"] < gap["inflation_gap"] < gap["inflation_gap_ci_high"]
    assert gap["inflation_gap_ci_low"] > 0.2  # about 0.4 over 100 conversations: clearly positive
    row = board.rows[board.rows["simulator"] == "prompted"].iloc[0]
    assert row["inflation_gap"] == gap["inflation_gap"]
    assert build_leaderboard([tmp_path]).gaps.equals(board.gaps)  # seeded

    # different intents on the two sides: the interval resamples each side on its own
    make_log(tmp_path / "u.eval", fixed(15, 5, 0.4), simulator="userlm")
    assert not build_leaderboard([tmp_path]).gaps.iloc[0]["paired"]


def test_later_log_replaces_earlier_unless_keep_all(tmp_path):
    make_log(tmp_path / "old.eval", fixed(6, 2, 0.5), created=START)
    make_log(tmp_path / "new.eval", fixed(6, 2, 1.0), created=START + timedelta(days=1))
    make_log(tmp_path / "mini.eval", fixed(6, 2, 0.5), simulator="prompted", user_model="openai/gpt-4o-mini")
    make_log(tmp_path / "4o.eval", fixed(6, 2, 0.5), simulator="prompted", user_model="openai/gpt-4o")
    board = build_leaderboard([tmp_path])
    userlm = board.rows[board.rows["simulator"] == "userlm"]
    assert len(userlm) == 1 and userlm.iloc[0][TASK_SCORE] == 1.0 and userlm.iloc[0]["log"] == "new.eval"
    assert any("old.eval: replaced by a later run" in w for w in board.warnings)
    assert len(board.rows[board.rows["simulator"] == "prompted"]) == 2  # two prompted user models: two rows
    assert len(board.gaps) == 2
    assert len(build_leaderboard([tmp_path], keep_all=True).rows) == 4


def test_task_versions_stay_separate_and_are_never_paired(tmp_path):
    make_log(tmp_path / "u1.eval", fixed(6, 2, 0.5), version="1.0.0")
    make_log(tmp_path / "p2.eval", fixed(6, 2, 1.0), version="2.0.0", simulator="prompted", user_model="x/y")
    make_log(tmp_path / "u2.eval", fixed(6, 2, 0.5), version="2.0.0", created=START + timedelta(hours=1))
    board = build_leaderboard([tmp_path / "u1.eval", tmp_path / "p2.eval", tmp_path / "u2.eval"])
    assert sorted(board.rows["task_version"]) == ["1.0.0", "2.0.0", "2.0.0"]
    assert any("2 task versions (1.0.0, 2.0.0)" in w and "never compared" in w for w in board.warnings)
    assert len(board.gaps) == 1 and board.gaps.iloc[0]["task_version"] == "2.0.0"
    assert math.isclose(board.gaps.iloc[0]["inflation_gap"], 0.5)


def test_unreadable_log_is_named(tmp_path, capsys):
    bad = tmp_path / "bad.eval"
    bad.write_bytes(b"PK\x03\x04 truncated")
    assert main(["leaderboard", str(bad), "--out", str(tmp_path / "out")]) == EXIT_UNUSABLE
    assert f"{bad}: not a readable Inspect log" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["leaderboard", str(empty), "--out", str(tmp_path / "out")]) == EXIT_UNUSABLE
    assert "holds no Inspect logs" in capsys.readouterr().err


def test_page_escapes_what_the_logs_hold_and_embeds_the_plots(tmp_path):
    make_log(tmp_path / "u.eval", fixed(4, 2, 0.5))
    make_log(tmp_path / "p.eval", fixed(4, 2, 1.0), simulator="prompted", user_model="x/<b>&y")
    board = build_leaderboard([tmp_path])
    page = render_html(board, [("plot.png", PNG_MAGIC)], command="userlm-bench leaderboard <logs>")
    assert page.startswith("<!doctype html>") and "<b>" not in page
    assert 'data-value="x/&lt;b&gt;&amp;y">x/&lt;b&gt;&amp;y</td>' in page
    assert "made with <code>userlm-bench leaderboard &lt;logs&gt;</code>" in page
    assert '<img alt="plot.png" src="data:image/png;base64,iVBORw0KGgo=">' in page
    keys = re.findall(r'<th class="number" data-type="number" data-key="([a-z_]+)"', page.split('id="gaps"')[0])
    assert keys[0] == TASK_SCORE and keys[-1] == "inflation_gap"
    assert '<span class="ci">[' in page and "sim-prompted" in page
    assert "No usable logs." not in page
    assert "<h2>Warnings</h2>" in page and "only 4 intents (fewer than 20)" in page  # few intents are flagged


CHROMIUM = find_chromium()


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (Debian: apt-get install chromium chromium-driver); CI installs it",
)
def test_html_renders_and_sorts_in_headless_chromium(tmp_path):
    make_log(tmp_path / "logs" / "a.eval", fixed(8, 2, 0.5), model="openai/a")
    make_log(tmp_path / "logs" / "b.eval", fixed(8, 2, 1.0), model="openai/b")
    make_log(tmp_path / "logs" / "c.eval", fixed(8, 2, 0.0), model="openai/c")
    make_log(tmp_path / "logs" / "pa.eval", fixed(8, 2, 1.0), model="openai/a", simulator="prompted", user_model="x/y")
    board = build_leaderboard([tmp_path / "logs"])
    written = write_leaderboard(board, tmp_path / "out", take_screenshot=True)
    shot = tmp_path / "out" / "leaderboard.png"
    assert shot in written
    width, height = png_size(shot)
    assert width == 1500 and height > 600
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one

    page = (tmp_path / "out" / "leaderboard.html").resolve()

    def assistants_in_order(url: str) -> list[str]:
        dom = run_chromium(url, "--dump-dom", "--virtual-time-budget=3000")
        assert 'data-ready="1"' in dom, "the page's script did not run to the end"
        table = dom.split('id="leaderboard"')[1].split("</table>")[0]
        return re.findall(r'<td class="text" data-value="(openai/[a-z])"', table)

    ascending = assistants_in_order(page.as_uri() + "#sort=task_score:asc")
    assert ascending[:2] == ["openai/c", "openai/a"] and sorted(ascending[2:]) == ["openai/a", "openai/b"]
    descending = assistants_in_order(page.as_uri() + "#sort=task_score:desc")
    assert descending[2:] == ["openai/a", "openai/c"]
    assert assistants_in_order(page.as_uri() + "#sort=assistant:asc") == sorted(ascending)


def test_different_settings_are_separate_rows_with_the_settings_shown(tmp_path):
    make_log(tmp_path / "default.eval", fixed(20, 2, 0.5))
    make_log(tmp_path / "short.eval", fixed(20, 2, 0.5), settings={"max_turns": 1, "allow_end": False})
    board = build_leaderboard([tmp_path])
    assert len(board.rows) == 2 and not any("replaced" in w for w in board.warnings)
    shown = sorted(board.rows["settings"])
    assert shown == ["", "allow_end=False, max_turns=1"]


def test_a_partial_run_never_replaces_a_complete_one_and_is_marked(tmp_path):
    whole = fixed(20, 2, 0.5)
    make_log(tmp_path / "full.eval", whole, created=START)
    smoke = dict(list(whole.items())[:1])
    make_log(tmp_path / "smoke.eval", smoke, created=START + timedelta(days=1), intent_set_size=20)
    board = build_leaderboard([tmp_path])
    (row,) = board.rows.itertuples()
    assert row.log == "full.eval" and row.coverage == "complete" and row.intents == 20
    assert any("smoke.eval: a partial run, set aside for the complete run full.eval" in w for w in board.warnings)
    alone = build_leaderboard([tmp_path / "smoke.eval"])
    assert alone.rows.iloc[0]["coverage"] == "partial: 1 of 20 intents"
    assert any("marked partial" in w for w in alone.warnings)


def test_shards_merge_into_one_row_identical_to_the_whole_run(tmp_path):
    outcomes = varied(21, 3, 0.6, seed=4)
    whole_dir, shards_dir = tmp_path / "whole", tmp_path / "shards"
    whole_dir.mkdir(), shards_dir.mkdir()
    make_log(whole_dir / "whole.eval", outcomes)
    items = sorted(outcomes.items())
    for k in range(3):
        part = dict(items[k::3])
        make_log(shards_dir / f"shard{k + 1}.eval", part, shard=f"{k + 1}/3", created=START + timedelta(hours=k))
    whole = build_leaderboard([whole_dir]).rows
    merged = build_leaderboard([shards_dir]).rows
    assert len(merged) == 1 and merged.iloc[0]["shards"] == 3 and merged.iloc[0]["coverage"] == "complete"
    figures = [c for c in CSV_COLUMNS if c not in ("log", "created", "shards")]
    pd.testing.assert_frame_equal(whole[figures], merged[figures])  # every figure, to the last digit


def test_two_shards_that_overlap_are_not_merged(tmp_path):
    outcomes = fixed(20, 2, 0.5)
    items = sorted(outcomes.items())
    make_log(tmp_path / "a.eval", dict(items[:12]), shard="1/2", created=START, intent_set_size=20)
    make_log(tmp_path / "b.eval", dict(items[8:]), shard="2/2", created=START + timedelta(hours=1), intent_set_size=20)
    board = build_leaderboard([tmp_path])
    assert any("a.eval and b.eval are runs of the same kind whose intents overlap" in w for w in board.warnings)
    assert board.rows.iloc[0]["coverage"] == "partial: 12 of 20 intents"


def test_a_stand_in_is_labelled_wherever_its_name_is_shown(tmp_path):
    path = make_log(tmp_path / "demo.eval", fixed(20, 2, 0.5))
    log = read_eval_log(str(path))
    log.eval.metadata = {**(log.eval.metadata or {}), "stand_ins": {DEFAULT_USER_MODEL: "stand-in: SmolLM2"}}
    write_eval_log(log, str(path))
    board = build_leaderboard([tmp_path])
    assert f"{DEFAULT_USER_MODEL} (stand-in: SmolLM2)" in render_markdown(board)
    assert f"{DEFAULT_USER_MODEL} (stand-in: SmolLM2)" in render_html(board)
    assert board.rows.iloc[0]["user_model"] == DEFAULT_USER_MODEL  # the key is the name the server answers to
