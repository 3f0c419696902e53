"""helpers.plots.breakeven_chart and the caveat a figure of a quick (automatic) reviewer's
run carries on the picture itself; labels in the learner's language."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import cost_samples as s
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text

from helpers import plots
from helpers.cost import ExecutionCost, analyse_records
from helpers.durable import Gap
from helpers.i18n import use_language
from helpers.plots.breakeven import quick_reviewer_caveat

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def cost() -> ExecutionCost:
    return analyse_records(s.execution(), s.history(), s.json_log())


@pytest.fixture
def quick(cost: ExecutionCost) -> ExecutionCost:
    """The sample conversation with a reviewer answering in 3 s, as the auto one does."""
    shift, gaps = 0.0, []
    for g in cost.gaps:
        gaps.append(Gap(g.start - shift, g.start - shift + 3.0, g.label))
        shift += g.seconds - 3.0
    assert cost.end is not None
    return dataclasses.replace(cost, gaps=gaps, end=cost.end - shift)


@pytest.fixture
def japanese():
    use_language("ja")
    yield
    use_language(None)


def _all_text(fig: Figure) -> str:
    texts = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        texts += [t.get_text() for t in ax.texts]
        texts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        legend = ax.get_legend()
        if legend is not None:
            texts += [t.get_text() for t in legend.get_texts()]
    return "\n".join(texts)


def test_breakeven_chart(cost: ExecutionCost, tmp_path: Path) -> None:
    fig = plots.breakeven_chart(cost, tmp_path, "be.png")
    data = (tmp_path / "be.png").read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 20_000
    (ax,) = fig.axes
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert ax.get_xlim() == (1, 3600)
    text = _all_text(fig)
    assert "break-even (this run): 5.41 s" in text
    assert "break-even (the talk): 5.47 s" in text
    assert "the talk: 3 approvals, 4 invocations, 52.1 s billed" in text
    assert "us-east-1" in text and "2026-11" in text
    # broken after "reviewer:" where the chart leaves no taller room clear of lines
    assert "this run's reviewer:\n2 min 02 s per approval" in text
    assert "impossible" in text  # the blocking line past 15 minutes
    assert "Caveat" not in text  # a reviewer of 2 minutes needs none
    fig.canvas.draw()
    ticks = {t.get_text() for t in ax.get_yticklabels()}
    assert {"$0.1", "$0.2", "$1", "$10"} <= ticks  # dollars, plainly


def test_the_quick_reviewer_caveat_is_on_both_figures(
    quick: ExecutionCost, cost: ExecutionCost, tmp_path: Path
) -> None:
    chart = _all_text(plots.breakeven_chart(quick, tmp_path, "be.png"))
    assert "answered in 3 s per approval" in chart and "see the right half," in chart
    bars = plots.billed_vs_wallclock(quick, tmp_path, "bw.png")
    assert "answered in 3 s" in "\n".join(t.get_text() for t in bars.figure.texts)
    assert "right half of the break-even chart" in "\n".join(t.get_text() for t in bars.texts)
    slow = plots.billed_vs_wallclock(cost, tmp_path, "slow.png")
    assert not [t for t in slow.texts if "Caveat" in t.get_text()]


def test_both_figures_draw_the_caveat_in_one_red_box(quick: ExecutionCost, tmp_path: Path) -> None:
    """One box (plots.figures.caveat_box): the same place, colour and frame on both."""
    chart = plots.breakeven_chart(quick, tmp_path, "be.png")
    bars = plots.billed_vs_wallclock(quick, tmp_path, "bw.png").figure
    looks = []
    for fig in (chart, bars):
        (box,) = [t for t in fig.texts if t.get_text().startswith("Caveat")]
        patch = box.get_bbox_patch()
        assert patch is not None
        looks.append((box.get_position(), box.get_color(), patch.get_edgecolor()))
    assert looks[0] == looks[1] and looks[0][1] == plots.figures.CAVEAT
    empty = plots.figures.new_figure((2, 2))[0]
    plots.figures.caveat_box(empty, None)  # a run that needs no caveat: nothing drawn
    assert empty.texts == []


def test_japanese_labels_and_font(quick: ExecutionCost, tmp_path: Path, japanese: None) -> None:
    fig = plots.breakeven_chart(quick, tmp_path, "be-ja.png")
    text = _all_text(fig)
    assert "損益分岐点 (今回)" in text and "注意" in text and "講演: 承認 3 回" in text
    assert "break-even" not in text
    title = fig.axes[0].title
    assert title.get_fontproperties().get_family() == [plots.figures.JA_FONT]
    use_language("en")
    plots.breakeven_chart(quick)
    assert plt.rcParams["font.family"] != [plots.figures.JA_FONT]


def test_the_billed_figures_in_japanese(
    quick: ExecutionCost, cost: ExecutionCost, tmp_path: Path, japanese: None
) -> None:
    timeline = _all_text(plots.billed_timeline(cost, tmp_path, "t.png"))
    assert "呼び出し 4 回" in timeline and "課金 2.46 秒" in timeline and "待機中" in timeline
    bars = plots.billed_vs_wallclock(quick, tmp_path, "b.png")
    text = _all_text(bars) + "\n" + bars.get_suptitle()
    assert "時間: 課金と実時間" in text and "注意" in text and "billed" not in text
    many = _all_text(plots.executions_chart([cost], tmp_path, "e.png"))
    assert "秒 (対数目盛)" in many and "実時間" in many


def test_the_think_time_axis_reads_in_japanese_units(
    quick: ExecutionCost, tmp_path: Path, japanese: None
) -> None:
    """The ticks in the units duration_text uses under ja: "10 秒", not "10 s"."""
    ticks = [t.get_text() for t in plots.breakeven_chart(quick).axes[0].get_xticklabels()]
    assert ticks == ["1 秒", "3 秒", "10 秒", "30 秒", "1 分", "5 分", "15 分", "1 時間"]
    use_language("en")
    ticks = [t.get_text() for t in plots.breakeven_chart(quick).axes[0].get_xticklabels()]
    assert ticks == ["1 s", "3 s", "10 s", "30 s", "1 min", "5 min", "15 min", "1 h"]


def _crossed(ax: Axes, label: Text) -> list[str]:
    """The lines (by their legend label or colour) that pass through ``label``'s box."""
    box = label.get_window_extent()
    crossed = []
    for line in ax.get_lines():
        points = line.get_transform().transform(
            np.column_stack([line.get_xdata(), line.get_ydata()])
        )
        xs, ys = points[:, 0], points[:, 1]
        if np.ptp(xs) == 0:  # the label's own vertical line, or a marker
            continue
        order = np.argsort(xs)
        span = np.linspace(box.x0, box.x1, 9)
        span = span[(span >= xs.min()) & (span <= xs.max())]
        ys_at = np.interp(span, xs[order], ys[order])
        if ((ys_at > box.y0) & (ys_at < box.y1)).any():
            crossed.append(str(line.get_label()) or str(line.get_color()))
    return crossed


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("which", ["quick", "cost"])
def test_no_line_strikes_through_a_think_time_label(
    request: pytest.FixtureRequest, language: str, which: str
) -> None:
    """The vertical labels (this run's reviewer, the blocking limit) stand where none of the
    chart's curves or dollar lines cross them, in either language. (Not saved: after
    savefig at its own DPI, matplotlib measures texts with that DPI's renderer.)"""
    use_language(language)
    try:
        fig = plots.breakeven_chart(request.getfixturevalue(which))
    finally:
        use_language(None)
    (ax,) = fig.axes
    vertical = [t for t in ax.texts if t.get_rotation() == 90]
    assert len(vertical) == 2
    for label in vertical:
        assert _crossed(ax, label) == [], label.get_text()


def test_the_japanese_caveat_hedges_as_the_english_one(
    quick: ExecutionCost, japanese: None
) -> None:
    """A person may have clicked quickly: neither language says for sure the reply was a
    headless run's."""
    caveat = quick_reviewer_caveat(quick) or ""
    assert "ヘッドレス実行のときのような自動応答" in caveat
    use_language("en")
    assert "as in a headless run" in (quick_reviewer_caveat(quick) or "")
