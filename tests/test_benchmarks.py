"""``python -m benchmarks``: both sides run and the table has every row (no timing asserts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import localcloud_side, realism_side, runner_side
from benchmarks.__main__ import main
from benchmarks.common import Sizes, callback_ready
from benchmarks.table import ROW_KEYS, render, rows

TINY = Sizes(cold=1, warm=3, callback=3, burst=3, burst_threads=3, cycles=1)


def test_callback_ready_waits_for_the_creating_invocation() -> None:
    started = {
        "EventType": "CallbackStarted",
        "Name": "approve create callback id",
        "CallbackStartedDetails": {"CallbackId": "cb-1"},
    }
    done = {"EventType": "InvocationCompleted"}
    assert callback_ready([started]) is None
    assert callback_ready([done, started]) is None
    assert callback_ready([started, done]) == "cb-1"


@pytest.mark.slow
def test_tiny_run_fills_every_row(tmp_path: Path) -> None:
    local = localcloud_side.run(TINY, tmp_path / "state")
    runner = runner_side.run(TINY)

    for side in (local, runner):
        assert side.ready_s is not None
        assert len(side.cold_s) == 1 and len(side.warm_s) == 3 and len(side.callback_s) == 3
        assert side.burst_size == side.burst_succeeded == 3
    assert local.idle_mb and local.after_burst_mb and local.after_burst_mb > 0
    assert local.restart_ready_s is not None and runner.restart_ready_s is None

    table = rows(local, runner)
    assert [row.key for row in table] == ROW_KEYS
    text = render(table)
    for row in table:
        assert row.label in text
        assert row.local != "n/a", row.key
    assert "3/3" in text
    assert {row.verdict for row in table if row.target} <= {"pass", "MISS"}


def test_cli_rejects_unknown_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--no-such-option"])
    assert "--quick" in capsys.readouterr().err


def test_the_realism_row_shows_both_profiles_and_their_ratio() -> None:
    cost = realism_side.RealismCost(rounds=2, off_s=[1.0, 1.2], fast_s=[2.0, 2.6])
    text = realism_side.render(cost)
    assert "| 1.10 s" in text and "| 2.30 s" in text and "2.09×" in text
    assert "median of 2" in text


@pytest.mark.slow
def test_a_realism_round_runs_on_off_and_on_fast(tmp_path: Path) -> None:
    cost = realism_side.run(1, tmp_path)
    assert len(cost.off_s) == len(cost.fast_s) == 1
    assert cost.ratio > 0  # no timing asserts: the figures are for the table
