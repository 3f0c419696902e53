"""The break-even chart: cost per 1,000 conversations against the reviewer's think-time,
and the caveat a figure of a run with a quick (automatic) reviewer carries."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from ..cost import ExecutionCost
from ..cost.breakeven import QUICK_REVIEW_S, BreakEven
from ..durable import duration_text
from ..i18n import tr
from .figures import (
    BLOCKING,
    INVOCATION,
    LABEL_BOX,
    STEP_FUNCTIONS,
    TALK,
    WAITING,
    caveat_box,
    file_safe,
    finish_figure,
    new_figure,
)


def _think_axis(ax: Axes) -> None:
    ticks = [1, 3, 10, 30, 60, 300, 900, 3600]
    names = ["1 s", "3 s", "10 s", "30 s", "1 min", "5 min", "15 min", "1 h"]
    # In Japanese the units duration_text uses: 秒, 分, 時間.
    ja = ["1 秒", "3 秒", "10 秒", "30 秒", "1 分", "5 分", "15 分", "1 時間"]
    ax.set_xscale("log")
    ax.set_xticks(ticks, [tr(n, j) for n, j in zip(names, ja, strict=True)])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlim(1, 3600)


def _think_time_line(ax: Axes, at: float, label: str, color: str, linestyle: str) -> Text | None:
    """A vertical line at think-time ``at`` (when it is on the axis), labelled along it; the
    label's height is settled by ``_clear_of_lines`` once the chart is drawn."""
    if not 1 <= at <= 3600:
        return None
    ax.axvline(at, color=color, linestyle=linestyle, linewidth=1)
    return ax.text(
        at * 1.04,
        0.5,
        label,
        transform=ax.get_xaxis_transform(),
        rotation=90,
        va="center",
        bbox=LABEL_BOX,
        fontsize=8,
        color=color,
    )


# Room kept between a vertical label and what it must not touch, in axes fractions.
_CLEARANCE = 0.015


def _obstacles(ax: Axes, label: Text, x0: float, x1: float) -> list[tuple[float, float]]:
    """The height ranges (axes fractions) that every other line, marker, text and the legend
    take between axes-x ``x0`` and ``x1``, where ``label`` is to stand."""
    to_axes = ax.transAxes.inverted()
    taken: list[tuple[float, float]] = []
    for line in ax.get_lines():
        points = to_axes.transform(
            line.get_transform().transform(np.column_stack([line.get_xdata(), line.get_ydata()]))
        )
        xs, ys = points[:, 0], points[:, 1]
        if np.ptp(xs) == 0:  # a vertical line, or a single marker
            if len(xs) == 1 and x0 - _CLEARANCE <= xs[0] <= x1 + _CLEARANCE:
                taken.append((float(ys[0]) - 0.03, float(ys[0]) + 0.03))
            continue
        order = np.argsort(xs)
        span = np.linspace(x0, x1, 5)
        inside = span[(span >= xs.min()) & (span <= xs.max())]
        if len(inside):
            ys_at = np.interp(inside, xs[order], ys[order])
            taken.append((float(ys_at.min()), float(ys_at.max())))
    others = [t for t in ax.texts if t is not label]
    legend = ax.get_legend()
    for artist in [*others, *([legend] if legend is not None else [])]:
        box = to_axes.transform(artist.get_window_extent().get_points())
        (ax0, ay0), (ax1, ay1) = box
        if ax0 <= x1 and ax1 >= x0:
            taken.append((float(ay0), float(ay1)))
    return taken


def _free_stretch(ax: Axes, label: Text) -> tuple[float, float, bool]:
    """The stretch of height (axes fractions) where ``label`` stands clear: the one nearest
    the middle among those it fits in (True), else the tallest there is (False)."""
    (x0, y0), (x1, y1) = ax.transAxes.inverted().transform(label.get_window_extent().get_points())
    height = y1 - y0 + 2 * _CLEARANCE
    gaps: list[tuple[float, float]] = []
    reach = 0.0
    for low, high in sorted([*_obstacles(ax, label, x0, x1), (1.0, 2.0)]):
        if low > reach:
            gaps.append((reach, low))
        reach = max(reach, high)
    fitting = [g for g in gaps if g[1] - g[0] >= height]
    if fitting:
        return *min(fitting, key=lambda g: abs((g[0] + g[1]) / 2 - 0.5)), True
    return *max(gaps, key=lambda g: g[1] - g[0], default=(0.0, 1.0)), False


def _clear_of_lines(ax: Axes, labels: list[Text]) -> None:
    """Slide each vertical label along its line to a stretch that no other line, marker,
    label or the legend crosses, so nothing strikes its words through; a label too tall for
    any stretch is broken onto more lines (``_shorter``) until it fits."""
    ax.get_ylim()  # the final data limits: every curve is plotted
    texts = [label.get_text() for label in labels]
    # Heights are measured in the axes' final size, which finish_figure's tight_layout sets
    # and which itself depends on where the labels stand: lay out and place until the two
    # agree (the second round, in practice).
    for _ in range(3):
        before = [label.get_position() for label in labels]
        ax.figure.tight_layout()  # type: ignore[union-attr]
        for label, text in zip(labels, texts, strict=True):
            _place(ax, label, text)
        if [label.get_position() for label in labels] == before:
            break


def _place(ax: Axes, label: Text, text: str) -> None:
    """``label`` as ``text`` or the first shorter form of it that fits somewhere clear."""
    for form in _shorter(text):
        label.set_text(form)
        low, high, fits = _free_stretch(ax, label)
        label.set_y((low + high) / 2)
        if fits:
            return


def _shorter(text: str) -> list[str]:
    """``text``, then ever shorter (taller) forms of it: broken after its first ": ", then
    twice more, each time its longest line at the space nearest that line's middle."""
    forms = [text, text.replace(": ", ":\n", 1)]
    for _ in range(2):
        lines = forms[-1].split("\n")
        longest = max(range(len(lines)), key=lambda i: len(lines[i]))
        line = lines[longest]
        spaces = [i for i, c in enumerate(line) if c == " "]
        if not spaces:
            break
        cut = min(spaces, key=lambda i: abs(i - len(line) / 2))
        lines[longest : longest + 1] = [line[:cut], line[cut + 1 :]]
        forms.append("\n".join(lines))
    return forms


def breakeven_chart(
    cost: ExecutionCost, output_dir: Path | str | None = None, filename: str | None = None
) -> Figure:
    """Cost per 1,000 conversations against the reviewer's think-time per approval:
    durable, a plain blocking Lambda and Step Functions standard, from this run's measured
    invocations, billed ms and operations; the talk's conversation beside it; the
    break-even points marked and, when the reviewer was quick, the caveat on the figure."""
    even = BreakEven.of(cost)
    run, talk, p = even.run, even.talk, even.prices
    fig, (ax,) = new_figure((12, 6.2))
    xs = [10 ** (i / 100 * math.log10(3600)) for i in range(101)]
    curves = {k: [even.per_1000(run, x)[k] for x in xs] for k in ("durable", "blocking")}
    sfn = even.per_1000(run, 0.0)["step_functions"]
    limit = run.limit_s(p)
    ax.plot(
        xs,
        curves["durable"],
        color=INVOCATION,
        linewidth=2.2,
        label=tr(
            f"durable function ({run.invocations} invocations, "
            f"{run.billed_ms / 1000:.2f} s billed)",
            f"durable function (呼び出し {run.invocations} 回、課金 {run.billed_ms / 1000:.2f} 秒)",
        ),
    )
    ok = [x <= (limit if limit is not None else math.inf) for x in xs]
    ax.plot(
        [x for x, o in zip(xs, ok, strict=True) if o],
        [y for y, o in zip(curves["blocking"], ok, strict=True) if o],
        color=BLOCKING,
        linewidth=2.2,
        label=tr("plain Lambda, blocking through the waits", "待つ間ブロックする通常の Lambda"),
    )
    if not all(ok):
        ax.plot(
            [x for x, o in zip(xs, ok, strict=True) if not o],
            [y for y, o in zip(curves["blocking"], ok, strict=True) if not o],
            color=BLOCKING,
            linewidth=1.5,
            linestyle="--",
            label=tr(
                "  ... impossible: one invocation over 15 min",
                "  ... 実行不可: 1 回の呼び出しが 15 分超",
            ),
        )
    ax.axhline(
        sfn,
        color=STEP_FUNCTIONS,
        linewidth=2.2,
        label=tr(
            f"Step Functions standard ({run.transitions} state transitions)",
            f"Step Functions Standard (状態遷移 {run.transitions} 回)",
        ),
    )
    talk_label = tr(
        f"the talk: {talk.approvals} approvals, {talk.invocations} invocations, "
        f"{talk.billed_ms / 1000:.1f} s billed ({talk.memory_mb} MB assumed)",
        f"講演: 承認 {talk.approvals} 回、呼び出し {talk.invocations} 回、課金 "
        f"{talk.billed_ms / 1000:.1f} 秒 ({talk.memory_mb} MB と仮定)",
    )
    for design, color, width, suffix in (
        ("durable", TALK, 2.0, tr(": durable", ": durable")),
        ("blocking", BLOCKING, 1.6, tr(": blocking", ": ブロック")),
    ):
        ax.plot(
            xs,
            [even.per_1000(talk, x)[design] for x in xs],
            color=color,
            linestyle=":",
            linewidth=width,
            label=talk_label + suffix,
        )
    for conv, marker, where in ((run, "o", (12, -22)), (talk, "D", (12, 10))):
        at = conv.break_even_s(p)
        if at is None or not 1 <= at <= 3600:
            continue
        y = even.per_1000(conv, at)["durable"]
        ax.plot([at], [y], marker=marker, color="black", markersize=7, zorder=5)
        who = tr("this run", "今回") if conv is run else tr("the talk", "講演")
        ax.annotate(
            tr(
                f"break-even ({who}): {duration_text(at)}",
                f"損益分岐点 ({who}): {duration_text(at)}",
            ),
            (at, y),
            xytext=where,
            textcoords="offset points",
            fontsize=9,
            bbox={"facecolor": "white", "alpha": 0.9, "edgecolor": "#999999", "pad": 2},
        )
    ax.axvspan(60, 3600, color=WAITING, alpha=0.18, linewidth=0)
    ax.text(
        0.985,
        0.03,
        tr("a person reviewing: minutes", "人によるレビュー: 数分"),
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=9,
        color="#8a5a00",
    )
    labels: list[Text | None] = []
    if limit is not None:
        labels.append(
            _think_time_line(
                ax,
                limit,
                tr(
                    f"blocking: 15 min in one invocation\n(at {duration_text(limit)} per approval)",
                    f"ブロック: 1 回の呼び出しで 15 分\n(承認 1 回あたり {duration_text(limit)})",
                ),
                BLOCKING,
                "--",
            )
        )
    if run.think_s is not None:
        labels.append(
            _think_time_line(
                ax,
                run.think_s,
                tr(
                    f"this run's reviewer: {duration_text(run.think_s)} per approval",
                    f"今回のレビュー担当者: 承認 1 回あたり {duration_text(run.think_s)}",
                ),
                "#444444",
                "-.",
            )
        )
    ax.set_yscale("log")
    # Dollars at 1, 2 and 5 of each decade: the cheap end of the chart stays readable.
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"${v:,.0f}" if v >= 1 else f"${v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    _think_axis(ax)
    ax.set_xlabel(
        tr(
            "reviewer think-time per approval (log scale)",
            "承認 1 回あたりのレビュー時間 (対数目盛)",
        )
    )
    ax.set_ylabel(
        tr(
            "estimated USD per 1,000 conversations (log scale)",
            "1,000 会話あたりの推定費用 USD (対数目盛)",
        )
    )
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="upper left", fontsize=8.5, framealpha=0.95)
    ax.set_title(
        tr(
            "Cost per 1,000 conversations against the reviewer's think-time",
            "レビュー時間と 1,000 会話あたりの費用",
        )
        + "\n"
        + even.prices_text(),
        fontsize=10,
    )
    _clear_of_lines(ax, [label for label in labels if label is not None])
    caveat_box(fig, quick_reviewer_caveat(cost, on_the_chart=True))
    return finish_figure(fig, output_dir, filename or f"breakeven-{file_safe(cost.name)}.png")


def quick_reviewer_caveat(cost: ExecutionCost, on_the_chart: bool = False) -> str | None:
    """The caveat a figure of this run carries when its reviewer answered in seconds
    (``on_the_chart``: on the break-even chart itself)."""
    think = BreakEven.of(cost).run.think_s
    if think is None or think >= QUICK_REVIEW_S:
        return None
    return tr(
        f"Caveat: this run's reviewer answered in {duration_text(think)} per approval (an "
        "automatic one, as in a headless run).\nA person takes minutes: see the right half"
        + ("" if on_the_chart else " of the break-even chart")
        + ", where the blocking Lambda costs more.",
        f"注意: 今回のレビュー担当者は承認 1 回あたり {duration_text(think)} で応答しました "
        "(ヘッドレス実行のときのような自動応答)。\n人なら数分かかります。"
        + ("" if on_the_chart else "損益分岐グラフの")
        + "右半分では、ブロックする Lambda の方が高くなります。",
    )
