"""Billed versus wall-clock: one execution's timeline, its time and cost beside the
alternatives, and many executions of one function."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from ..cost import ExecutionCost, FunctionCost, usd
from ..durable import duration_text
from ..i18n import tr
from .breakeven import quick_reviewer_caveat
from .figures import (
    BLOCKING,
    FAILED,
    INVOCATION,
    NO_REPORT,
    STEP_FUNCTIONS,
    WAITING,
    caveat_box,
    file_safe,
    finish_figure,
    new_figure,
    wrapped_name,
)


def _scale(seconds: float) -> tuple[float, str]:
    """Minutes on the axis once the span is long: 372 s reads better as 6.2 min."""
    return (60.0, "min") if seconds > 600 else (1.0, "s")


def billed_timeline(
    cost: ExecutionCost, output_dir: Path | str | None = None, filename: str | None = None
) -> Figure:
    """Each invocation a bar on the execution's time axis; the waits between them
    labelled with what the execution waited for and for how long."""
    wall = max(cost.wall_clock_s, 1e-3)
    div, unit = _scale(wall)
    span = wall / div
    fig, (ax,) = new_figure((12, 3.8))
    # Invocations are often milliseconds in a conversation of minutes: keep them visible.
    min_width = span * 0.004
    widened = False
    for gap in cost.gaps:
        x, w = (gap.start - cost.start) / div, gap.seconds / div
        ax.broken_barh(
            [(x, w)], (0.1, 0.8), facecolors=WAITING, edgecolor="#b07020", hatch="//", linewidth=0.6
        )
        if w > span * 0.07:
            ax.text(
                x + w / 2,
                0.5,
                f"{gap.label}\n{duration_text(gap.seconds)}",
                ha="center",
                va="center",
                fontsize=8,
                clip_on=True,
                bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none", "pad": 1.5},
            )
    many = len(cost.invocations) > 12
    # Labels of close invocations go one level up, so that they never overlap: the lowest
    # level whose last label is far enough to the left.
    last_x: list[float] = []
    room = span * (0.05 if many else 0.11)
    for item in cost.invocations:
        inv, rep = item.invocation, item.report
        x, w = (inv.start - cost.start) / div, inv.seconds / div
        if w < min_width:
            w, widened = min_width, True
        color = NO_REPORT if rep is None else (INVOCATION if rep.status == "success" else FAILED)
        ax.broken_barh([(x, w)], (1.1, 0.8), facecolors=color)
        if rep is None:
            text = f"#{item.number}\n" + tr("no REPORT", "REPORT なし")
        elif many:
            text = f"#{item.number}"
        else:
            billed = duration_text(rep.billed_ms / 1000)
            text = f"#{item.number}\n" + tr(f"{billed} billed", f"課金 {billed}")
            if rep.init_ms is not None:
                text += tr("\n(cold start)", "\n(コールドスタート)")
        centre = x + w / 2
        level = next((i for i, seen in enumerate(last_x) if centre - seen >= room), len(last_x))
        if level == len(last_x):
            last_x.append(centre)
        last_x[level] = centre
        step = 0.3 if many else 0.6
        ax.text(centre, 1.95 + level * step, text, ha="center", va="bottom", fontsize=8)
    levels = max(len(last_x), 1)
    ax.set_ylim(0, 2.8 + (levels - 1) * (0.3 if many else 0.6))
    ax.set_xlim(-span * 0.01, span * 1.04)  # room for the first and last labels
    ax.set_yticks(
        [0.5, 1.5],
        [
            tr("waiting\n(nothing billed)", "待機中\n(課金なし)"),
            tr("Lambda invocation\n(billed)", "Lambda 呼び出し\n(課金)"),
        ],
    )
    shown_unit = tr(unit, {"s": "秒", "min": "分"}[unit])
    ax.set_xlabel(
        tr(f"time since the execution started ({unit})", f"実行開始からの時間 ({shown_unit})")
    )
    ax.grid(axis="x", alpha=0.3)
    wall_text = duration_text(cost.wall_clock_s)
    ax.set_title(
        tr(
            f"Execution {cost.name[:40]}: {len(cost.invocations)} invocations billed "
            f"{cost.billed_s:.2f} s of {wall_text} wall-clock",
            f"実行 {cost.name[:40]}: 呼び出し {len(cost.invocations)} 回、実時間 {wall_text} "
            f"のうち課金 {cost.billed_s:.2f} 秒",
        )
        + (
            ""
            if cost.complete
            else tr(
                f" ({len(cost.missing)} REPORT records missing)",
                f" (REPORT レコード {len(cost.missing)} 件なし)",
            )
        )
    )
    handles = [
        Patch(facecolor=INVOCATION, label=tr("invocation (billed)", "呼び出し (課金)")),
        Patch(
            facecolor=WAITING,
            hatch="//",
            edgecolor="#b07020",
            label=tr("waiting (no compute billed)", "待機中 (コンピュートの課金なし)"),
        ),
    ]
    if any(i.report and i.report.status != "success" for i in cost.invocations):
        handles.insert(
            1,
            Patch(
                facecolor=FAILED,
                label=tr("failed / timed-out invocation", "失敗 / タイムアウトした呼び出し"),
            ),
        )
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.005, 1), fontsize=8)
    if widened:
        fig.text(
            0.01,
            0.01,
            tr(
                "Invocations shorter than 0.4 % of the axis are drawn wider so that they stay "
                "visible.",
                "軸の 0.4 % より短い呼び出しは、見えるように幅を広げて描いています。",
            ),
            fontsize=7,
            color="#555555",
        )
    return finish_figure(fig, output_dir, filename or f"timeline-{file_safe(cost.name)}.png")


def _annotate_bars(ax: Axes, values: Sequence[float], labels: Sequence[str]) -> None:
    top = max(values, default=0) or 1
    for y, (value, label) in enumerate(zip(values, labels, strict=True)):
        ax.text(value + top * 0.01, y, label, va="center", fontsize=9)
    ax.set_xlim(0, top * 1.45)


def billed_vs_wallclock(
    cost: ExecutionCost, output_dir: Path | str | None = None, filename: str | None = None
) -> Figure:
    """Left: wall-clock beside billed time (durable, plain blocking Lambda). Right: the
    estimated cost per 1,000 such conversations, with Step Functions standard too."""
    fig, (left, right) = new_figure((13, 4.2), ncols=2)
    blocking = cost.blocking
    names = [
        tr("wall-clock of the conversation", "会話の実時間"),
        tr("durable: billed", "durable: 課金"),
        tr("plain Lambda, blocking: billed", "ブロックする通常の Lambda: 課金"),
    ]
    seconds = [cost.wall_clock_s, cost.billed_s, blocking.billed_s or 0.0]
    left.barh(
        names,
        seconds,
        color=["#bbbbbb", INVOCATION, BLOCKING],
        hatch=["", "", "" if blocking.possible else "xx"],
    )
    _annotate_bars(left, seconds, [duration_text(s) for s in seconds])
    limit = cost.prices.lambda_max_invocation_s
    if max(seconds) > limit / 2:
        left.axvline(limit, color=BLOCKING, linestyle="--", linewidth=1)
        # In the durable row, which is empty but for its tiny bar.
        left.text(
            limit,
            1,
            tr(" 15-min limit of\n one Lambda invocation", " Lambda 呼び出し 1 回の\n 上限 15 分"),
            color=BLOCKING,
            fontsize=8,
            va="center",
        )
    left.invert_yaxis()
    left.set_xlabel(tr("seconds", "秒"))
    left.set_title(tr("Time: billed versus wall-clock", "時間: 課金と実時間"))
    left.grid(axis="x", alpha=0.3)

    per_k = [
        cost.durable.total_usd * 1000,
        blocking.cost_usd * 1000,
        cost.step_functions.cost_usd * 1000,
    ]
    labels = [usd(v) for v in per_k]
    if not blocking.possible:
        labels[1] += tr("  (impossible: > 15 min)", "  (実行不可: 15 分超)")
    right.barh(
        [
            "durable function",
            tr("plain Lambda, blocking", "ブロックする通常の Lambda"),
            tr("Step Functions standard", "Step Functions Standard"),
        ],
        per_k,
        color=[INVOCATION, BLOCKING, STEP_FUNCTIONS],
        hatch=["", "" if blocking.possible else "xx", ""],
    )
    _annotate_bars(right, per_k, labels)
    right.invert_yaxis()
    right.set_xlabel(
        tr("estimated USD per 1,000 such conversations", "同様の会話 1,000 回あたりの推定 USD")
    )
    right.set_title(
        tr(
            f"Cost (list prices as of {cost.prices.as_of}; see summary for assumptions)",
            f"費用 ({cost.prices.as_of} 時点の定価。前提はサマリーを参照)",
        )
    )
    right.grid(axis="x", alpha=0.3)
    pct = 100 * cost.billed_s / cost.wall_clock_s if cost.wall_clock_s > 0 else 0.0
    wall_text = duration_text(cost.wall_clock_s)
    fig.suptitle(
        tr(
            f"{cost.name[:40]}: billed {cost.billed_s:.2f} s of {wall_text} wall-clock "
            f"({pct:.2f} %)",
            f"{cost.name[:40]}: 実時間 {wall_text} のうち課金 {cost.billed_s:.2f} 秒 ({pct:.2f} %)",
        )
    )
    caveat_box(fig, quick_reviewer_caveat(cost))
    return finish_figure(
        fig, output_dir, filename or f"billed-vs-wallclock-{file_safe(cost.name)}.png"
    )


def execution_tick(cost: ExecutionCost, upright: bool = True) -> str:
    """The whole name and the number of invocations: wrapped under an upright bar, on one
    line when the ticks are turned on their side (many executions)."""
    count = tr(f"{len(cost.invocations)} inv.", f"{len(cost.invocations)} 回")
    return f"{wrapped_name(cost.name)}\n{count}" if upright else f"{cost.name} · {count}"


def executions_chart(
    costs: FunctionCost | Sequence[ExecutionCost],
    output_dir: Path | str | None = None,
    filename: str | None = None,
) -> Figure:
    """Wall-clock and billed seconds per execution (log scale: they differ by orders of
    magnitude), with billed as a percentage of wall-clock above each pair."""
    executions = costs.executions if isinstance(costs, FunctionCost) else list(costs)
    function = costs.function_name if isinstance(costs, FunctionCost) else "function"
    # Whole names on their side under many bars take height, not the bars' share of it.
    height = 4.6 if len(executions) <= 12 else 6.2
    fig, (ax,) = new_figure((max(7.0, min(0.7 * len(executions) + 3, 18)), height))
    if not executions:
        ax.text(
            0.5,
            0.5,
            tr("no durable executions to show", "表示する durable execution はありません"),
            ha="center",
            va="center",
        )
        ax.set_axis_off()
        return finish_figure(fig, output_dir, filename or f"executions-{file_safe(function)}.png")
    xs = range(len(executions))
    wall = [max(e.wall_clock_s, 1e-3) for e in executions]
    billed = [max(e.billed_s, 1e-3) for e in executions]
    width = 0.4
    ax.bar(
        [x - width / 2 for x in xs], wall, width, color="#bbbbbb", label=tr("wall-clock", "実時間")
    )
    ax.bar(
        [x + width / 2 for x in xs],
        billed,
        width,
        color=INVOCATION,
        label=tr("billed (sum of Billed Duration)", "課金 (Billed Duration の合計)"),
    )
    ax.set_yscale("log")
    # Plain numbers (0.5, 1, 2, 5, 10...) instead of 5×10⁻¹: seconds at a glance.
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    if len(executions) <= 30:
        for x, w, b in zip(xs, wall, billed, strict=True):
            ax.text(x, w * 1.15, f"{100 * b / w:.1f} %", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(
        list(xs),
        [execution_tick(e, upright=len(executions) <= 12) for e in executions],
        fontsize=8,
        rotation=0 if len(executions) <= 12 else 90,
    )
    ax.set_ylim(min(billed) / 3, max(wall) * 4)
    ax.set_ylabel(tr("seconds (log scale)", "秒 (対数目盛)"))
    ax.set_xlabel(
        tr(
            "execution (oldest first) and its number of invocations",
            "実行 (古い順) と呼び出し回数",
        )
    )
    ax.set_title(
        tr(
            f"{function}: billed versus wall-clock per execution (% = billed share of wall-clock)",
            f"{function}: 実行ごとの課金と実時間 (% = 実時間に占める課金の割合)",
        )
    )
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    return finish_figure(fig, output_dir, filename or f"executions-{file_safe(function)}.png")
