"""A durable execution as a person reads it: its history as a table and a timeline, its
logs per Lambda invocation, and a progress bar while it runs.

    execution = wait_for(lam, arn, expected_s=12)
    history = fetch(lam, arn)
    history.table()                      # one row per operation and per invocation
    timeline(history, OUTPUT_DIR)        # invocations as bars, steps/waits/callbacks below
    invocation_logs(logs, log_group, history)   # which log lines ran in which invocation

The history comes from ``get_durable_execution_history`` (all pages, with payloads); each
Lambda invocation is an ``InvocationCompleted`` event, each operation (step, wait,
callback, child context) a ``<Kind>Started`` event followed by its outcome.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from tqdm.auto import tqdm

from .cost import (
    LOG_BACKOFF,
    LOG_WAIT_S,
    duration_text,
    epoch_seconds,
    execution_history,
    log_events,
    missing_records_text,
    wait_for_reports,
)
from .plots import INVOCATION, WAITING, file_safe, finish_figure, new_figure
from .polling import Backoff, poll

KINDS = ("Execution", "ChainedInvoke", "Callback", "Context", "Step", "Wait")
# The outcome part of an event type, as a status: StepSucceeded -> SUCCEEDED.
OUTCOMES = {
    "Started": "STARTED",
    "Succeeded": "SUCCEEDED",
    "Failed": "FAILED",
    "TimedOut": "TIMED_OUT",
    "Stopped": "STOPPED",
    "Cancelled": "CANCELLED",
}
DONE = ("SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED")
STEP = "#2ca02c"
CALLBACK = "#9467bd"
CONTEXT = "#bbbbbb"
FAILED = "#d62728"
# Library loggers that write at INFO under Lambda's JSON log format; not the lesson.
LIBRARY_LOGGERS = ("botocore", "boto3", "urllib3", "s3transfer")


class ExecutionTimeout(TimeoutError):
    """The execution is still running after the time the notebook allowed it."""

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback: not a bug, just not finished yet."""
        return [f"ExecutionTimeout: {self}"]


def execution_name(arn: str) -> str:
    """The name part of ``...:function:NAME:QUALIFIER/durable-execution/NAME/ID``."""
    parts = arn.split("/")
    return parts[-2] if len(parts) >= 3 else arn


def _split(event_type: str) -> tuple[str, str] | None:
    for kind in KINDS:
        if event_type.startswith(kind) and event_type[len(kind) :] in OUTCOMES:
            return kind, OUTCOMES[event_type[len(kind) :]]
    return None


def _clip(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _payload(details: dict[str, Any], key: str) -> str | None:
    value = (details.get(key) or {}).get("Payload")
    return value if isinstance(value, str) else None


def _error(details: dict[str, Any]) -> str:
    error = (details.get("Error") or {}).get("Payload") or {}
    kind, message = error.get("ErrorType") or "error", error.get("ErrorMessage") or ""
    return f"{kind}: {message}" if message else str(kind)


# -- the history --------------------------------------------------------------------------
@dataclass
class Operation:
    """One row of the history: an operation, an invocation or the execution itself."""

    kind: str  # Execution, Invocation, Step, Wait, Callback, Context, ChainedInvoke
    name: str
    start: float  # epoch seconds
    end: float | None = None  # None while it runs
    status: str = "STARTED"
    subtype: str = ""  # Parallel, ParallelBranch, WaitForCallback, Map...
    op_id: str = ""
    parent: str | None = None
    depth: int = 0
    detail: str = ""
    first_event: int = 0
    attempts: int = 0  # of a step: one more for each retry

    @property
    def seconds(self) -> float | None:
        return None if self.end is None else max(0.0, self.end - self.start)

    @property
    def type(self) -> str:
        return self.subtype if self.subtype and self.subtype != self.kind else self.kind


@dataclass
class History:
    """An execution (``get_durable_execution``) and its history events, in order."""

    execution: dict[str, Any]
    events: list[dict[str, Any]]
    rows: list[Operation] = field(init=False)

    def __post_init__(self) -> None:
        self.rows = _rows(self.execution, self.events)

    @property
    def name(self) -> str:
        return str(
            self.execution.get("DurableExecutionName")
            or execution_name(str(self.execution.get("DurableExecutionArn", "")))
        )

    @property
    def status(self) -> str:
        return str(self.execution.get("Status", "UNKNOWN"))

    @property
    def start(self) -> float:
        return epoch_seconds(self.execution["StartTimestamp"])

    @property
    def end(self) -> float | None:
        end = self.execution.get("EndTimestamp")
        return epoch_seconds(end) if end is not None else None

    @property
    def invocations(self) -> list[Operation]:
        return [r for r in self.rows if r.kind == "Invocation"]

    @property
    def operations(self) -> list[Operation]:
        """Steps, waits, callbacks, contexts: what the SDK checkpoints."""
        return [r for r in self.rows if r.kind not in ("Execution", "Invocation")]

    def table(self) -> HistoryTable:
        return HistoryTable(self)

    def summary(self) -> str:
        end = self.end if self.end is not None else time.time()
        n = len(self.invocations)
        return (
            f"{self.name}: {self.status} in {duration_text(end - self.start)}, "
            f"{n} Lambda invocation{'s' if n != 1 else ''} "
            f"(the first run and {max(n - 1, 0)} replay{'s' if n != 2 else ''}), "
            f"{len(self.operations)} operations"
        )


def fetch(lambda_client: Any, execution_arn: str) -> History:
    """The execution and every page of its history, payloads included."""
    execution = lambda_client.get_durable_execution(DurableExecutionArn=execution_arn)
    execution.pop("ResponseMetadata", None)
    return History(execution, execution_history(lambda_client, execution_arn))


def _operation_detail(op: Operation, details: dict[str, Any], outcome: str) -> str:
    if outcome == "FAILED" or outcome == "TIMED_OUT":
        return _clip(_error(details))
    if op.kind == "Wait" and "Duration" in details:
        return f"sleeps {details['Duration']} s, no compute"
    if op.kind == "Callback" and details.get("CallbackId"):
        return f"callback id {str(details['CallbackId'])[:12]}…"
    result = _payload(details, "Result")
    # A parallel's or map's result is the SDK's own envelope: its branches show the values.
    if result is not None and not result.startswith('{"t":'):
        return f"→ {_clip(result)}"
    return op.detail


def _rows(execution: dict[str, Any], events: Sequence[dict[str, Any]]) -> list[Operation]:
    arn = str(execution.get("DurableExecutionArn", ""))
    root = Operation(
        "Execution",
        str(execution.get("DurableExecutionName") or execution_name(arn)),
        epoch_seconds(execution["StartTimestamp"]),
        status=str(execution.get("Status", "UNKNOWN")),
    )
    if execution.get("EndTimestamp") is not None:
        root.end = epoch_seconds(execution["EndTimestamp"])
    ops: dict[str, Operation] = {}
    invocations: list[Operation] = []
    for event in events:
        event_type = str(event.get("EventType", ""))
        when = epoch_seconds(event["EventTimestamp"])
        details = event.get(f"{event_type}Details") or {}
        if event_type == "InvocationCompleted":
            number = len(invocations) + 1
            error = details.get("Error")
            invocations.append(
                Operation(
                    "Invocation",
                    f"invocation {number}",
                    epoch_seconds(details.get("StartTimestamp") or when),
                    epoch_seconds(details.get("EndTimestamp") or when),
                    status="ERROR" if error else "COMPLETED",
                    detail=("first run" if number == 1 else "replay")
                    + (
                        f", request {str(details['RequestId'])[:8]}"
                        if details.get("RequestId")
                        else ""
                    )
                    + (f", {_error(details)}" if error else ""),
                    first_event=int(event.get("EventId", 0)),
                )
            )
            continue
        split = _split(event_type)
        if split is None:
            continue
        kind, outcome = split
        if kind == "Execution":
            if outcome == "STARTED":
                root.detail = f"input {_clip(_payload(details, 'Input') or '{}', 40)}"
            elif outcome == "SUCCEEDED":
                root.detail = f"result {_clip(_payload(details, 'Result') or 'null', 50)}"
            else:
                root.detail = _clip(_error(details))
            continue
        op_id = str(event.get("Id") or f"event-{event.get('EventId')}")
        op = ops.get(op_id)
        if op is None:
            op = ops[op_id] = Operation(
                kind,
                str(event.get("Name") or ""),
                when,
                subtype=str(event.get("SubType") or ""),
                op_id=op_id,
                parent=event.get("ParentId"),
                first_event=int(event.get("EventId", 0)),
            )
        if outcome == "STARTED":
            op.status, op.attempts = "STARTED", op.attempts + 1
        else:
            op.status, op.end = outcome, when
            # A failed attempt that will be retried is not the end of the operation.
            if outcome == "FAILED" and details.get("RetryDetails"):
                op.end = None
        op.detail = _operation_detail(op, details, outcome)
    for op in ops.values():
        depth, parent = 0, op.parent
        while parent in ops and depth < 20:
            depth, parent = depth + 1, ops[parent].parent
        op.depth = depth
        if op.attempts > 1:
            op.detail = f"{op.detail} ({op.attempts} attempts)".lstrip()
        if op.subtype in ("Parallel", "Map") and not op.detail:
            n = sum(1 for o in ops.values() if o.parent == op.op_id)
            op.detail = f"{n} {'branches' if op.subtype == 'Parallel' else 'items'}"
    # Time order; operations checkpointed in the same millisecond (parallel branches) keep
    # the history's order, which puts a parent before its children.
    rows = [root, *invocations, *ops.values()]
    return sorted(rows, key=lambda r: (r.start, r.kind != "Execution", r.first_event))


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

    def __init__(self, history: History) -> None:
        self.history = history

    def rows(self) -> list[dict[str, str]]:
        t0 = self.history.start
        out = []
        for r in self.history.rows:
            seconds = r.seconds
            out.append(
                {
                    "start": f"+{r.start - t0:.3f} s",
                    "name": "  " * r.depth + (r.name or "(unnamed)"),
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
        rows = [dict(zip(self.columns, self.columns, strict=True)), *self.rows()]
        widths = {c: max(len(row[c]) for row in rows) for c in self.columns}
        lines = ["  ".join(row[c].ljust(widths[c]) for c in self.columns).rstrip() for row in rows]
        lines.insert(1, "  ".join("-" * widths[c] for c in self.columns))
        return "\n".join([self.history.summary(), *lines])

    def _repr_html_(self) -> str:
        head = "".join(f"<th style='text-align:left'>{c}</th>" for c in self.columns)
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
        return (
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


def timeline(
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
        label = f"#{number} {'first run' if number == 1 else 'replay'}\n{duration_text(w)}"
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
            what = "sleeping, no compute" if op.kind == "Wait" else "waiting for an answer"
            running = "" if op.end is not None else " so far"
            ax.text(
                x + (end - op.start) / 2,
                y,
                f"{what}: {duration_text(end - op.start)}{running}",
                ha="center",
                va="center",
                fontsize=8,
                bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none", "pad": 1.2},
            )
    labels = ["Lambda invocations"] + [
        f"{_clip(o.name, 28)} ({o.type.lower()})" if o.name else o.type.lower() for o in ops
    ]
    ax.set_yticks([y_of(i) for i in range(rows)], labels, fontsize=8)
    ax.set_ylim(-0.7, rows - 0.1 + 0.55)
    ax.set_xlim(-span * 0.02, span * 1.05)
    ax.axvline(0, color="#888888", linewidth=0.8, linestyle=":")
    if history.end is not None:
        ax.axvline(span, color="#888888", linewidth=0.8, linestyle=":")
    ax.set_xlabel("seconds since the execution started")
    ax.grid(axis="x", alpha=0.3)
    n = len(history.invocations)
    ax.set_title(
        f"Durable execution {_clip(history.name, 40)}: {history.status}, "
        f"{n} invocation{'s' if n != 1 else ''} in {duration_text(span)}",
        fontsize=10,
    )
    handles: list[Artist] = [
        Patch(facecolor=INVOCATION, label="Lambda invocation (billed)"),
        Line2D(
            [],
            [],
            color=STEP,
            marker="D",
            linestyle="none",
            label="step (◆ if too short for a bar)",
        ),
        Patch(facecolor=WAITING, hatch="//", edgecolor="#555555", label="wait (nothing runs)"),
    ]
    if any(o.kind == "Callback" for o in ops):
        handles.append(Patch(facecolor=CALLBACK, hatch="//", edgecolor="#555555", label="callback"))
    if any(o.kind == "Context" for o in ops):
        handles.append(Patch(facecolor=CONTEXT, label="child context (parallel, map...)"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.005, 1), fontsize=8)
    return finish_figure(fig, output_dir, filename or f"history-{file_safe(history.name)}.png")


# -- waiting ------------------------------------------------------------------------------
WAITING_FOR_CALLBACK = "suspended, waiting for a callback"


def _phase(events: Sequence[dict[str, Any]]) -> str:
    """What the execution is doing now, from its history: sleeping in a wait, waiting for
    a callback, or running."""
    open_ops: dict[str, str] = {}
    for event in events:
        split = _split(str(event.get("EventType", "")))
        if split is None or split[0] in ("Execution", "Context"):
            continue
        kind, outcome = split
        op_id = str(event.get("Id"))
        if outcome == "STARTED":
            open_ops[op_id] = kind
        elif outcome in DONE:
            open_ops.pop(op_id, None)
    kinds = set(open_ops.values())
    if "Wait" in kinds:
        return "suspended in a wait (no compute)"
    if "Callback" in kinds:
        return WAITING_FOR_CALLBACK
    return "running"


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
    name = execution_name(execution_arn)[:30]
    total = float(expected_s or timeout_s)
    bar = tqdm(
        total=total,
        unit="s",
        desc=f"{name}: starting",
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
            bar.total = max(bar.total or 0, elapsed)
            bar.n = elapsed
            bar.set_description_str(f"{name}: {status}", refresh=False)
        else:
            bar.n = min(elapsed, total)
            if elapsed >= next_phase_at:
                next_phase_at = elapsed + PHASE_EVERY_S
                with contextlib.suppress(ClientError):  # only the bar's wording
                    page = lambda_client.get_durable_execution_history(
                        DurableExecutionArn=execution_arn, MaxItems=1000
                    )
                    phase = _phase(page.get("Events", []))
                    if phase == "running":
                        next_phase_at = elapsed + PHASE_RUNNING_S
                    waiting_for_callback = phase == WAITING_FOR_CALLBACK
                    bar.set_description_str(f"{name}: {phase}", refresh=False)
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
    finally:
        bar.close()
    if not result.done or result.value is None:
        raise ExecutionTimeout(
            f"The execution is still RUNNING after {timeout_s:g} s. Run this cell "
            "again to keep waiting, or read its history in the next cells to see "
            f"where it stands: {execution_arn}"
        )
    execution = result.value
    # A line that stays in a saved notebook, where the widget shows its start.
    state = execution["Status"] if execution["Status"] != "RUNNING" else WAITING_FOR_CALLBACK
    print(f"{name}: {state} after {duration_text(result.elapsed_s)}")
    execution.pop("ResponseMetadata", None)
    return execution


# -- logs per invocation ------------------------------------------------------------------
_TEXT_LOG = re.compile(r"^\[(?P<level>[A-Z]+)\]\t\S+\t\S+\t(?P<message>.*)$", re.S)
_TEXT_PLATFORM = ("START RequestId:", "END RequestId:", "REPORT RequestId:", "INIT_START")


@dataclass(frozen=True)
class LogLine:
    kind: str  # "print" (stdout) or "logger" (the logging module, context.logger)
    text: str
    level: str = ""


@dataclass
class InvocationLog:
    number: int
    request_id: str
    lines: list[LogLine] = field(default_factory=list)
    complete: bool = False  # its REPORT record has arrived

    @property
    def label(self) -> str:
        return f"invocation {self.number} ({'first run' if self.number == 1 else 'replay'})"


def _platform(message: str) -> tuple[str, str] | None:
    """(kind, request id) of a START/REPORT record in either log format, else None."""
    if message.startswith("{"):
        try:
            record = json.loads(message)
        except ValueError:
            return None
        kind = record.get("type") if isinstance(record, dict) else None
        if isinstance(kind, str) and kind.startswith("platform."):
            return kind, str((record.get("record") or {}).get("requestId", ""))
        return None
    for prefix in _TEXT_PLATFORM:
        if message.startswith(prefix):
            rid = message[len(prefix) :].split()[0] if prefix != "INIT_START" else ""
            return {"START": "platform.start", "REPORT": "platform.report"}.get(
                prefix.split()[0], "platform.other"
            ), rid
    return None


def _app_line(message: str) -> LogLine | None:
    """The function's own line, or None for a library's log record."""
    if message.startswith("{"):
        try:
            record = json.loads(message)
        except ValueError:
            record = None
        if isinstance(record, dict) and "message" in record and "level" in record:
            if str(record.get("logger", "")).startswith(LIBRARY_LOGGERS):
                return None
            return LogLine("logger", str(record["message"]), str(record["level"]))
    match = _TEXT_LOG.match(message)
    if match:
        return LogLine("logger", match["message"], match["level"])
    return LogLine("print", message.rstrip("\n"))


def split_by_invocation(
    events: Iterable[dict[str, Any]], request_ids: Sequence[str]
) -> list[InvocationLog]:
    """The function's own lines of each invocation, in order. An execution environment
    (one log stream) runs one invocation at a time, between its START and REPORT records;
    init lines before a START belong to the invocation that follows."""
    logs = {rid: InvocationLog(n, rid) for n, rid in enumerate(request_ids, 1)}
    streams: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        streams.setdefault(str(event.get("logStreamName", "")), []).append(event)
    for stream in streams.values():
        # In time order: records can be delivered late and out of order; FilterLogEvents
        # sorts by timestamp, and a sort that keeps ties in place does the same here.
        stream.sort(key=lambda e: int(e.get("timestamp") or 0))
        messages = [str(e.get("message", "")) for e in stream]
        pending: list[LogLine] = []
        current: InvocationLog | None = None
        for message in messages:
            platform = _platform(message)
            if platform is not None:
                kind, rid = platform
                if kind == "platform.start":
                    current = logs.get(rid)
                    if current is not None:
                        current.lines.extend(pending)
                    pending = []
                elif kind == "platform.report":
                    if current is not None and current.request_id == rid:
                        current.complete = True
                    current = None
                continue
            line = _app_line(message)
            if line is None:
                continue
            if current is not None:
                current.lines.append(line)
            else:
                pending.append(line)
    return list(logs.values())


@dataclass(repr=False)
class InvocationLogs:
    """Each invocation's own log lines; in a notebook, side by side with the repeats marked."""

    invocations: list[InvocationLog]
    waited_s: float = 0.0  # how long the REPORT records were waited for

    @property
    def complete(self) -> bool:
        """Every invocation's REPORT record has arrived: its lines are all there."""
        return all(inv.complete for inv in self.invocations)

    def status(self) -> str:
        """One plain sentence: are the logs all there, and if not, how many and what to do."""
        n = len(self.invocations)
        missing = sum(1 for inv in self.invocations if not inv.complete)
        if not missing:
            return f"The log records of all {n} invocations have arrived."
        return (
            missing_records_text(missing, n, self.waited_s)
            + " Until then, what follows compares partial logs."
        )

    def matching(self, text: str) -> list[tuple[int, str]]:
        """(invocation number, line) of every line that contains ``text``."""
        return [
            (inv.number, ln.text) for inv in self.invocations for ln in inv.lines if text in ln.text
        ]

    def repeated(self) -> set[str]:
        """Lines that appear in more than one invocation: code that ran again on replay."""
        seen: dict[str, set[int]] = {}
        for inv in self.invocations:
            for ln in inv.lines:
                seen.setdefault(ln.text, set()).add(inv.number)
        return {text for text, numbers in seen.items() if len(numbers) > 1}

    def __repr__(self) -> str:
        return str(self)

    def __str__(self) -> str:
        again = self.repeated()
        out = [] if self.complete else [self.status()]
        for inv in self.invocations:
            out.append(f"--- {inv.label}, request {inv.request_id}")
            if not inv.complete:
                out.append("    (its log records have not all arrived yet)")
            for ln in inv.lines:
                mark = "↻" if ln.text in again else " "
                out.append(f"  {mark} [{ln.kind:6}] {ln.text}")
        out.append("↻ = the same line in more than one invocation: it ran again on replay")
        return "\n".join(out)

    def _repr_html_(self) -> str:
        again = self.repeated()
        columns = []
        for inv in self.invocations:
            items = []
            for ln in inv.lines:
                style = "background:#fff1c2;" if ln.text in again else ""
                badge = "print" if ln.kind == "print" else f"logger {ln.level.lower()}"
                items.append(
                    f"<div style='{style}font-family:monospace;font-size:12px;padding:1px 4px'>"
                    f"<span style='color:#6e7781'>[{badge}]</span> {html.escape(ln.text)}"
                    f"{' ↻' if ln.text in again else ''}</div>"
                )
            if not inv.complete:
                items.append("<div><i>(log records still arriving: run the cell again)</i></div>")
            columns.append(
                "<div style='flex:1;min-width:260px;border:1px solid #ddd;padding:6px'>"
                f"<b>{html.escape(inv.label)}</b><br><small>request {inv.request_id}</small>"
                f"{''.join(items) or '<div><i>no lines of its own</i></div>'}</div>"
            )
        note = "" if self.complete else f"<p><b>{html.escape(self.status())}</b></p>"
        return (
            f"{note}<div style='display:flex;gap:8px;flex-wrap:wrap'>{''.join(columns)}</div>"
            "<p><small>Highlighted ↻: the same line in more than one invocation — code that "
            "ran again on replay.</small></p>"
        )


def invocation_logs(
    logs_client: Any,
    log_group: str,
    history: History,
    timeout_s: float = LOG_WAIT_S,
    backoff: Backoff = LOG_BACKOFF,
) -> InvocationLogs:
    """The log lines of each of the execution's invocations.

    Log delivery lags behind the execution (seconds, on AWS sometimes minutes), so this
    first waits, up to ``timeout_s`` with backoff, until there is one REPORT record per
    ``InvocationCompleted`` event (reading REPORT records only, which is cheap), then
    reads the group's events since the execution's start once. If records are still
    missing, ``InvocationLogs.status()`` says how many, and to run the cell again.
    """
    request_ids = [
        str(e["InvocationCompletedDetails"]["RequestId"])
        for e in history.events
        if e.get("EventType") == "InvocationCompleted"
        and (e.get("InvocationCompletedDetails") or {}).get("RequestId")
    ]
    start_ms = int(history.start * 1000) - 5_000  # clocks of two services may differ a little
    began = time.monotonic()
    with tqdm(total=len(request_ids), desc="REPORT records", unit="record") as bar:

        def step(found: int, _wanted: int) -> None:
            bar.update(found - bar.n)

        wait_for_reports(
            logs_client,
            log_group,
            request_ids,
            start_ms=start_ms,
            timeout_s=timeout_s,
            backoff=backoff,
            allow_missing=True,
            progress=step,
        )
    events = log_events(logs_client, log_group, start_ms) or []
    return InvocationLogs(split_by_invocation(events, request_ids), time.monotonic() - began)
