"""helpers.plots: each figure is drawn headless, saved as a PNG, titled and labelled."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import cost_samples as s
import matplotlib
import pytest
from matplotlib.figure import Figure

from helpers import plots
from helpers.cost import ExecutionCost, FunctionCost, analyse_records

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def cost() -> ExecutionCost:
    return analyse_records(s.execution(), s.history(), s.text_log())


def _texts(fig: Figure) -> str:
    return "\n".join(t.get_text() for ax in fig.axes for t in ax.texts)


def _saved(path: Path) -> None:
    assert path.is_file(), path
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 10_000  # a real picture, not a stub


def _labelled(fig: Figure) -> None:
    for ax in fig.axes:
        if not ax.axison:
            continue
        assert ax.get_title(), "every panel has a title"
        assert ax.get_xlabel() or ax.get_ylabel(), "every panel says its unit"


def test_headless_backend() -> None:
    # Nothing in the kit sets a backend: with no display matplotlib picks Agg itself.
    assert "agg" in matplotlib.get_backend().lower() or "inline" in matplotlib.get_backend()


def test_timeline(cost: ExecutionCost, tmp_path: Path) -> None:
    fig = plots.billed_timeline(cost, tmp_path)
    _saved(tmp_path / "timeline-chat-3-approvals.png")
    _labelled(fig)
    (ax,) = fig.axes
    assert ax.get_xlabel() == "time since the execution started (s)"
    assert "4 invocations billed 7.76 s of 6 min 12 s" in ax.get_title()
    texts = _texts(fig)
    # each invocation a bar with its billed time, each wait labelled with its length
    for n, billed in ((1, "2.46 s"), (2, "1.21 s"), (3, "988 ms"), (4, "3.11 s")):
        assert f"#{n}\n{billed} billed" in texts
    assert "waiting for approve #1\n45.5 s" in texts
    assert "waiting for approve #3\n3 min 38 s" in texts
    assert "(cold start)" in texts


def test_timeline_uses_minutes_for_long_conversations(tmp_path: Path) -> None:
    cost = analyse_records(s.execution(end_s=3600), s.history(), s.json_log())
    fig = plots.billed_timeline(cost, tmp_path, filename="long.png")
    _saved(tmp_path / "long.png")
    assert fig.axes[0].get_xlabel() == "time since the execution started (min)"


def test_timeline_marks_missing_reports(tmp_path: Path) -> None:
    log = [line for line in s.text_log() if s.R4 not in line]
    cost = analyse_records(s.execution(), s.history(), log)
    fig = plots.billed_timeline(cost, tmp_path)
    assert "#4\nno REPORT" in _texts(fig)
    assert "1 REPORT records missing" in fig.axes[0].get_title()


def test_billed_vs_wallclock(cost: ExecutionCost, tmp_path: Path) -> None:
    fig = plots.billed_vs_wallclock(cost, tmp_path)
    _saved(tmp_path / "billed-vs-wallclock-chat-3-approvals.png")
    _labelled(fig)
    time_ax, cost_ax = fig.axes
    assert time_ax.get_xlabel() == "seconds"
    assert cost_ax.get_xlabel() == "estimated USD per 1,000 such conversations"
    assert "7.76 s" in _texts(fig) and "6 min 12 s" in _texts(fig)
    assert {"$0.20", "$3.10"} <= set(_texts(fig).splitlines())  # durable, blocking per 1,000
    assert "impossible" not in _texts(fig)


def test_billed_vs_wallclock_says_blocking_is_impossible_past_15_minutes(tmp_path: Path) -> None:
    cost = analyse_records(s.execution(end_s=25 * 60), s.history(), s.text_log())
    fig = plots.billed_vs_wallclock(cost, tmp_path)
    texts = _texts(fig)
    assert "(impossible: > 15 min)" in texts and "15-min limit" in texts


def test_executions_chart(cost: ExecutionCost, tmp_path: Path) -> None:
    other = analyse_records(s.execution(end_s=900), s.history(), s.json_log())
    fig = plots.executions_chart(FunctionCost(s.FUNCTION, [cost, other], cost.parse), tmp_path)
    _saved(tmp_path / f"executions-{s.FUNCTION}.png")
    _labelled(fig)
    (ax,) = fig.axes
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "seconds (log scale)"
    assert s.FUNCTION in ax.get_title()
    assert {"2.1 %", "0.9 %"} <= set(_texts(fig).splitlines())  # 7.756 / 372.5, / 900
    assert len(ax.patches) == 4  # a wall-clock and a billed bar per execution


def test_executions_chart_ticks_tell_the_runs_apart(cost: ExecutionCost) -> None:
    # Cut at 12 characters two of these read "chat-1203T07" (notebook 05, 2026-12-03).
    names = [
        "chatbot-20261203T065501-6f2a9c1d",
        "chat-1203T070344-6ab12c",
        "chat-1203T070512-9fe001",
    ]
    runs = [dataclasses.replace(cost, name=name) for name in names]
    (ax,) = plots.executions_chart(runs).axes
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert [t.rsplit("\n", 1)[0].replace("\n", "") for t in ticks] == names
    assert ticks[1] == "chat-\n1203T070344-\n6ab12c\n4 inv."
    assert all(len(line) <= 16 for t in ticks for line in t.splitlines())
    # Many bars: the ticks turn on their side, a whole name on one line each.
    many = [dataclasses.replace(cost, name=f"chat-1203T07{i:02d}44-6ab1{i:02d}") for i in range(13)]
    (ax,) = plots.executions_chart(many).axes
    assert ax.get_xticklabels()[12].get_text() == "chat-1203T071244-6ab112 · 4 inv."


def test_executions_chart_without_executions(tmp_path: Path) -> None:
    fig = plots.executions_chart([], tmp_path, filename="none.png")
    assert (tmp_path / "none.png").is_file()
    assert "no durable executions" in _texts(fig)


def test_figures_are_returned_without_saving(cost: ExecutionCost) -> None:
    assert isinstance(plots.billed_timeline(cost), Figure)
