"""A durable execution as a person reads it: its history as a table and a timeline, its
logs per Lambda invocation, and a progress bar while it runs.

    execution = wait_for(lam, arn, expected_s=12)
    history = fetch(lam, arn)
    history.table()                      # one row per operation and per invocation
    operations_timeline(history, OUTPUT_DIR)   # invocations on top, an operation a row
    invocation_logs(logs, log_group, history)   # which log lines ran in which invocation

The history is read through ``helpers.durable`` (the read model: typed invocations and
operations); this module draws it.
"""

from __future__ import annotations

import contextlib
import html
import time
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from tqdm.auto import tqdm

from .durable import (
    PHASE_RUNNING,
    WAITING_FOR_CALLBACK,
    ExecutionHistory,
    Operation,
    display_width,
    duration_text,
    execution_history,
    execution_name,
    execution_seconds,
    pad,
    phase_text,
    read_phase,
)
from .durable.history import clip
from .i18n import tr

# The logs per invocation have their own module; notebooks read them here, beside the history.
from .invocation_logs import InvocationLogs as InvocationLogs
from .invocation_logs import invocation_logs as invocation_logs
from .plots import INVOCATION, WAITING, file_safe, finish_figure, new_figure
from .polling import Backoff, poll
from .show import no_math_html

STEP = "#2ca02c"
CALLBACK = "#9467bd"
CONTEXT = "#bbbbbb"
FAILED = "#d62728"


class ExecutionTimeout(TimeoutError):
    """The execution is still running after the time the notebook allowed it."""

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback: not a bug, just not finished yet."""
        return [f"ExecutionTimeout: {self}"]


class History(ExecutionHistory):
    """An execution and its history (``helpers.durable.ExecutionHistory``), as a person
    reads it: ``table()`` in a notebook, ``summary()`` in one line."""

    def table(self) -> HistoryTable:
        return HistoryTable(self)

    def summary(self) -> str:
        end = self.end if self.end is not None else time.time()
        n = len(self.invocations)
        return tr(
            f"{self.name}: {self.status} in {duration_text(end - self.start)}, "
            f"{n} Lambda invocation{'s' if n != 1 else ''} "
            f"(the first run and {max(n - 1, 0)} replay{'s' if n != 2 else ''}), "
            f"{len(self.operations)} operations",
            f"{self.name}: {duration_text(end - self.start)}で {self.status}、Lambda の呼び出し "
            f"{n} 回（初回実行とリプレイ {max(n - 1, 0)} 回）、オペレーション "
            f"{len(self.operations)} 件",
        )


def fetch(lambda_client: Any, execution_arn: str) -> History:
    """The execution and every page of its history, payloads included."""
    execution = lambda_client.get_durable_execution(DurableExecutionArn=execution_arn)
    execution.pop("ResponseMetadata", None)
    return History(execution, execution_history(lambda_client, execution_arn))


# -- the table ----------------------------------------------------------------------------
STATUS_COLOURS = {
    "SUCCEEDED": "#1a7f37",
    "COMPLETED": "#1f5fa8",
    "STARTED": "#9a6700",
    "RUNNING": "#9a6700",
    "FAILED": "#cf222e",
    "ERROR": "#cf222e",
    "TIMED_OUT": "#cf222e",
    "STOPPED": "#6e7781",
}


class HistoryTable:
    """The history, one row per operation or invocation; HTML in a notebook, text in print."""

    columns = ("start", "name", "type", "status", "duration", "detail")

    @staticmethod
    def headings() -> dict[str, str]:
        """The columns' headings in the learner's language (the keys stay English)."""
        ja = ("開始", "名前", "種類", "ステータス", "所要時間", "詳細")
        return {c: tr(c, j) for c, j in zip(HistoryTable.columns, ja, strict=True)}

    def __init__(self, history: History) -> None:
        self.history = history

    def rows(self) -> list[dict[str, str]]:
        t0 = self.history.start
        out = []
        for r in self.history.rows:
            seconds = r.seconds
            out.append(
                {
                    "start": f"+{r.start - t0:.3f} " + tr("s", "秒"),
                    "name": "  " * r.depth + (r.name or tr("(unnamed)", "（名前なし）")),
                    "type": r.type,
                    "status": "RUNNING" if r.status == "STARTED" else r.status,
                    "duration": "…" if seconds is None else duration_text(seconds),
                    "detail": r.detail,
                }
            )
        return out

    def __repr__(self) -> str:  # what text front ends (and saved notebooks) show
        return str(self)

    def __str__(self) -> str:
        rows = [self.headings(), *self.rows()]
        widths = {c: max(display_width(row[c]) for row in rows) for c in self.columns}
        lines = ["  ".join(pad(row[c], widths[c]) for c in self.columns).rstrip() for row in rows]
        lines.insert(1, "  ".join("-" * widths[c] for c in self.columns))
        return "\n".join([self.history.summary(), *lines])

    def _repr_html_(self) -> str:
        head = "".join(
            f"<th style='text-align:left'>{html.escape(h)}</th>" for h in self.headings().values()
        )
        body = []
        for row in self.rows():
            name = row["name"].lstrip(" ")
            indent = 0.4 + 0.6 * (len(row["name"]) - len(name))  # two spaces a level
            style = {
                "name": f"padding-left:{indent}em",
                "status": f"color:{STATUS_COLOURS.get(row['status'], 'inherit')};font-weight:bold",
            }
            cells = "".join(
                f"<td style='text-align:left;{style.get(c, '')}'>"
                f"{html.escape(name if c == 'name' else row[c])}</td>"
                for c in self.columns
            )
            body.append(f"<tr>{cells}</tr>")
        return no_math_html(
            f"<p><b>{html.escape(self.history.summary())}</b></p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        )


# -- the timeline -------------------------------------------------------------------------
def _colour(op: Operation) -> str:
    if op.status in ("FAILED", "TIMED_OUT", "ERROR"):
        return FAILED
    return {"Step": STEP, "Wait": WAITING, "Callback": CALLBACK, "Invocation": INVOCATION}.get(
        op.kind, CONTEXT
    )


def operations_timeline(
    history: History, output_dir: Path | str | None = None, filename: str | None = None
) -> Figure:
    """The execution on a time axis: the Lambda invocations on the top row, then one row
    per operation (steps as marks, waits and callbacks as spans); saved as
    ``history-<execution>.png`` in ``output_dir`` when given."""
    t0 = history.start
    now = history.end if history.end is not None else time.time()
    span = max(now - t0, 1e-3)
    # Parallel branches add a row each and say nothing their steps do not.
    ops = [o for o in history.operations if o.subtype != "ParallelBranch"]
    rows = len(ops) + 1
    fig, (ax,) = new_figure((11, 1.4 + 0.42 * rows))
    tiny = span * 0.006  # shorter than this is drawn as a mark, or a bar kept visible

    def y_of(i: int) -> float:
        return rows - 1 - i

    for number, inv in enumerate(history.invocations, 1):
        x, w = inv.start - t0, max((inv.end or now) - inv.start, tiny)
        ax.broken_barh([(x, w)], (y_of(0) - 0.35, 0.7), facecolors=_colour(inv))
        run = tr("first run", "初回実行") if number == 1 else tr("replay", "リプレイ")
        label = f"#{number} {run}\n{duration_text(w)}"
        ax.text(x + w / 2, y_of(0) + 0.42, label, ha="center", va="bottom", fontsize=7.5)
    for i, op in enumerate(ops, 1):
        y, x = y_of(i), op.start - t0
        end = op.end if op.end is not None else now
        colour = _colour(op)
        if end - op.start < tiny:
            ax.plot([x], [y], marker="D", markersize=7, color=colour, linestyle="none")
            continue
        hatch = "//" if op.kind in ("Wait", "Callback") else ""
        ax.broken_barh(
            [(x, end - op.start)],
            (y - 0.28, 0.56),
            facecolors=colour,
            edgecolor="#555555" if hatch else colour,
            hatch=hatch,
            linewidth=0.5,
        )
        if op.kind in ("Wait", "Callback") and end - op.start > span * 0.1:
            what = (
                tr("sleeping, no compute", "スリープ中（コンピューティングなし）")
                if op.kind == "Wait"
                else tr("waiting for an answer", "回答待ち")
            )
            running = "" if op.end is not None else tr(" so far", "（継続中）")
            ax.text(
                x + (end - op.start) / 2,
                y,
                f"{what}: {duration_text(end - op.start)}{running}",
                ha="center",
                va="center",
                fontsize=8,
                bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none", "pad": 1.2},
            )
    labels = [tr("Lambda invocations", "Lambda の呼び出し")] + [
        f"{clip(o.name, 28)} ({o.type.lower()})" if o.name else o.type.lower() for o in ops
    ]
    ax.set_yticks([y_of(i) for i in range(rows)], labels, fontsize=8)
    ax.set_ylim(-0.7, rows - 0.1 + 0.55)
    ax.set_xlim(-span * 0.02, span * 1.05)
    ax.axvline(0, color="#888888", linewidth=0.8, linestyle=":")
    if history.end is not None:
        ax.axvline(span, color="#888888", linewidth=0.8, linestyle=":")
    ax.set_xlabel(tr("seconds since the execution started", "実行開始からの秒数"))
    ax.grid(axis="x", alpha=0.3)
    n = len(history.invocations)
    ax.set_title(
        tr(
            f"Durable execution {clip(history.name, 40)}: {history.status}, "
            f"{n} invocation{'s' if n != 1 else ''} in {duration_text(span)}",
            f"durable 実行 {clip(history.name, 40)}: {history.status}、"
            f"{duration_text(span)}で呼び出し {n} 回",
        ),
        fontsize=10,
    )
    handles: list[Artist] = [
        Patch(
            facecolor=INVOCATION,
            label=tr("Lambda invocation (billed)", "Lambda の呼び出し（課金対象）"),
        ),
        Line2D(
            [],
            [],
            color=STEP,
            marker="D",
            linestyle="none",
            label=tr("step (◆ if too short for a bar)", "ステップ（短すぎて棒にならないときは ◆）"),
        ),
        Patch(
            facecolor=WAITING,
            hatch="//",
            edgecolor="#555555",
            label=tr("wait (nothing runs)", "待機（何も実行されない）"),
        ),
    ]
    if any(o.kind == "Callback" for o in ops):
        handles.append(
            Patch(
                facecolor=CALLBACK,
                hatch="//",
                edgecolor="#555555",
                label=tr("callback", "コールバック"),
            )
        )
    if any(o.kind == "Context" for o in ops):
        handles.append(
            Patch(
                facecolor=CONTEXT,
                label=tr(
                    "child context (parallel, map...)", "子コンテキスト（parallel、map など）"
                ),
            )
        )
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.005, 1), fontsize=8)
    return finish_figure(fig, output_dir, filename or f"history-{file_safe(history.name)}.png")


# -- waiting ------------------------------------------------------------------------------
SUCCEEDED_COLOUR = STEP


def took_s(execution: dict[str, Any], polled_s: float) -> float:
    """How long an ended execution ran: from its StartTimestamp and EndTimestamp, else
    (a stamp missing) the time spent polling it."""
    seconds = execution_seconds(execution)
    return polled_s if seconds is None else seconds


def finish_bar(bar: Any, name: str, status: str, seconds: float) -> None:
    """The bar of an ended execution: full and green when it SUCCEEDED (sooner or later
    than expected), red when it FAILED, TIMED_OUT or was STOPPED; its text says how long
    the execution ran instead of the bar's expected seconds."""
    succeeded = status == "SUCCEEDED"
    total = float(bar.total or 0)
    if succeeded or seconds >= total:
        bar.n = total  # a full bar: Jupyter's tqdm paints a short one red on close
    else:
        bar.n = seconds
    bar.colour = SUCCEEDED_COLOUR if succeeded else FAILED
    # After the bar, where it read "n/total s" (Jupyter's widget keeps the old text when
    # nothing follows the bar).
    bar.bar_format = "{desc} {bar} " + duration_text(seconds)
    bar.set_description_str(f"{name}: {status}", refresh=False)
    bar.refresh()


# GetDurableExecution every 0.5 s, growing to 2 s (with jitter): short waits still end
# promptly, and a room of attendees does not poll the durable read APIs in lock-step.
STATUS_BACKOFF = Backoff(first_s=0.5, cap_s=2.0)
# The bar's "what it is doing" comes from the history, read at most this often while the
# execution is suspended (a wait or a callback: long), and after a second while it runs
# (an invocation: short, so the next phase comes soon).
PHASE_EVERY_S = 5.0
PHASE_RUNNING_S = 1.0


def wait_for(
    lambda_client: Any,
    execution_arn: str,
    timeout_s: float | None = None,
    expected_s: float | None = None,
    backoff: Backoff = STATUS_BACKOFF,
    stop_on_callback: bool = False,
) -> dict[str, Any]:
    """Poll the execution until it is no longer RUNNING, with a progress bar (a widget in
    Jupyter, text elsewhere) that says what it is doing; returns ``get_durable_execution``.
    With ``stop_on_callback``, also return (still RUNNING) as soon as its history shows it
    waiting for a callback: nobody will answer while this cell waits.

    Each poll is one GetDurableExecution, with backoff and jitter between polls
    (``helpers.polling``); the history, for the bar's "suspended in a wait" or "waiting
    for a callback", is read at most every ``PHASE_EVERY_S`` seconds while it is
    suspended. ``expected_s`` sets
    the bar's length (say, the wait in the handler); without it the bar runs to
    ``timeout_s``, by default two minutes beyond what is expected (cold starts, IAM, a
    slow region). Raises ``ExecutionTimeout`` if still running by then.
    """
    if timeout_s is None:
        timeout_s = (expected_s or 0) + 120
    # Whole: the kit's names differ in their tail ("...T072121-ca2fe5b3"), which the
    # outcome line after this one prints in full.
    name = execution_name(execution_arn)
    total = float(expected_s or timeout_s)
    bar = tqdm(
        total=total,
        unit="s",
        desc=f"{name}: " + tr("starting", "開始中"),
        bar_format="{desc} {bar} {n:.0f}/{total:.0f} s",
    )
    next_phase_at = 0.0
    waiting_for_callback = False

    def read() -> dict[str, Any]:
        return dict(lambda_client.get_durable_execution(DurableExecutionArn=execution_arn))

    def show(execution: dict[str, Any], elapsed: float) -> None:
        nonlocal next_phase_at, waiting_for_callback
        status = str(execution["Status"])
        if status != "RUNNING":
            finish_bar(bar, name, status, took_s(execution, elapsed))
            return
        bar.n = min(elapsed, total)
        if elapsed >= next_phase_at:
            next_phase_at = elapsed + PHASE_EVERY_S
            with contextlib.suppress(ClientError):  # only the bar's wording
                phase = read_phase(lambda_client, execution_arn)
                if phase == PHASE_RUNNING:
                    next_phase_at = elapsed + PHASE_RUNNING_S
                waiting_for_callback = phase == WAITING_FOR_CALLBACK
                bar.set_description_str(f"{name}: {phase_text(phase)}", refresh=False)
        if stop_on_callback and waiting_for_callback:
            bar.colour = CALLBACK  # handed over to a person: neither done nor failed
        bar.refresh()

    try:
        result = poll(
            read,
            lambda execution: (
                execution["Status"] != "RUNNING" or (stop_on_callback and waiting_for_callback)
            ),
            timeout_s=timeout_s,
            backoff=backoff,
            progress=show,
        )
        if not result.done:
            bar.colour = WAITING  # the wait gave up; the execution has not failed
    finally:
        bar.close()
    if not result.done or result.value is None:
        raise ExecutionTimeout(
            tr(
                f"The execution is still RUNNING after {timeout_s:g} s. Run this cell "
                "again to keep waiting, or read its history in the next cells to see "
                f"where it stands: {execution_arn}",
                f"{timeout_s:g} 秒たっても実行はまだ RUNNING です。待ち続けるにはこのセルを"
                "もう一度実行してください。今どこまで進んだかは、次のセルで履歴を読むと"
                f"分かります: {execution_arn}",
            )
        )
    execution = result.value
    # A line that stays in a saved notebook, where the widget shows its start.
    running = execution["Status"] == "RUNNING"
    state = phase_text(WAITING_FOR_CALLBACK) if running else execution["Status"]
    # Ended: how long the execution ran (its own stamps, as the outcome and the history
    # say); still running: how long this cell waited.
    elapsed = duration_text(result.elapsed_s if running else took_s(execution, result.elapsed_s))
    print(tr(f"{name}: {state} after {elapsed}", f"{name}: {elapsed}後に {state}"))
    execution.pop("ResponseMetadata", None)
    return execution
