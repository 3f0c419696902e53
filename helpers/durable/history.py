"""The read model of one durable execution: its history, fetched with botocore's
paginator, as typed rows (the execution, each Lambda invocation, each operation), its
callbacks with their state, and what it is doing now.

    history = fetch_history(lam, execution_arn)
    history.invocations          # Operation rows of kind "Invocation", in order
    history.operations           # steps, waits, callbacks, child contexts
    history.callbacks            # Callback(callback_id, name, state, ...)
    open_callbacks(history)      # the callbacks still waiting for an answer
    history.phase                # "running", "suspended in a wait (no compute)"...
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from ..i18n import tr
from .arn import execution_name
from .events import (
    Invocation,
    OperationCount,
    count_operations,
    data_written_bytes,
    invocations_from_history,
    split_event_type,
)
from .status import (
    ENDED_STATUSES,
    PHASE_RUNNING,
    SUSPENDED_IN_WAIT,
    WAITING_FOR_CALLBACK,
)
from .times import epoch_or_none, epoch_seconds

# A wait_for_callback names its callback "<name> callback" (the SDK's suffix): a person
# knows the name without it, as its context shows it.
CALLBACK_SUFFIX = " callback"
CallbackState = Literal["open", "succeeded", "failed", "timed out"]
_CALLBACK_STATES: dict[str, CallbackState] = {
    "STARTED": "open",
    "SUCCEEDED": "succeeded",
    "FAILED": "failed",
    "TIMED_OUT": "timed out",
}


def clip(text: str, limit: int = 60) -> str:
    """The text on one line, cut to ``limit`` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def payload(details: dict[str, Any], key: str) -> str | None:
    value = (details.get(key) or {}).get("Payload")
    return value if isinstance(value, str) else None


def error_text(details: dict[str, Any]) -> str:
    error = (details.get("Error") or {}).get("Payload") or {}
    kind, message = error.get("ErrorType") or "error", error.get("ErrorMessage") or ""
    return f"{kind}: {message}" if message else str(kind)


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
    result: str | None = None  # the result payload (with IncludeExecutionData)
    callback_id: str = ""  # of a callback

    @property
    def seconds(self) -> float | None:
        return None if self.end is None else max(0.0, self.end - self.start)

    @property
    def type(self) -> str:
        return self.subtype if self.subtype and self.subtype != self.kind else self.kind


def _operation_detail(op: Operation, details: dict[str, Any], outcome: str) -> str:
    if outcome == "FAILED" or outcome == "TIMED_OUT":
        return clip(error_text(details))
    if op.kind == "Wait" and "Duration" in details:
        seconds = details["Duration"]
        return tr(
            f"sleeps {seconds} s, no compute",
            f"{seconds} 秒スリープ（コンピューティングなし）",
        )
    if op.kind == "Callback" and details.get("CallbackId"):
        return tr("callback id", "コールバック ID") + f" {str(details['CallbackId'])[:12]}…"
    result = payload(details, "Result")
    # A parallel's or map's result is the SDK's own envelope: its branches show the values.
    if result is not None and not result.startswith('{"t":'):
        return f"→ {clip(result)}"
    return op.detail


def operation_rows(execution: dict[str, Any], events: Sequence[dict[str, Any]]) -> list[Operation]:
    """One row for the execution, one per Lambda invocation (its ``InvocationCompleted``
    event), one per operation id; in time order, a parent before its children."""
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
                    tr(f"invocation {number}", f"呼び出し {number}"),
                    epoch_seconds(details.get("StartTimestamp") or when),
                    epoch_seconds(details.get("EndTimestamp") or when),
                    status="ERROR" if error else "COMPLETED",
                    detail=(
                        tr("first run", "初回実行") if number == 1 else tr("replay", "リプレイ")
                    )
                    + (
                        tr(", request ", "、リクエスト ") + str(details["RequestId"])[:8]
                        if details.get("RequestId")
                        else ""
                    )
                    + (tr(", ", "、") + error_text(details) if error else ""),
                    first_event=int(event.get("EventId", 0)),
                )
            )
            continue
        split = split_event_type(event_type)
        if split is None:
            continue
        kind, outcome = split
        if kind == "Execution":
            if outcome == "STARTED":
                root.detail = tr("input ", "入力 ") + clip(payload(details, "Input") or "{}", 40)
            elif outcome == "SUCCEEDED":
                root.detail = tr("result ", "結果 ") + clip(
                    payload(details, "Result") or "null", 50
                )
            else:
                root.detail = clip(error_text(details))
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
            if outcome == "SUCCEEDED":
                op.result = payload(details, "Result")
        if details.get("CallbackId"):
            op.callback_id = str(details["CallbackId"])
        op.detail = _operation_detail(op, details, outcome)
    for op in ops.values():
        depth, parent = 0, op.parent
        while parent in ops and depth < 20:
            depth, parent = depth + 1, ops[parent].parent
        op.depth = depth
        if op.attempts > 1:
            attempts = tr(f"({op.attempts} attempts)", f"（{op.attempts} 回試行）")
            op.detail = f"{op.detail} {attempts}".lstrip()
        if op.subtype in ("Parallel", "Map") and not op.detail:
            n = sum(1 for o in ops.values() if o.parent == op.op_id)
            op.detail = (
                tr(f"{n} branches", f"{n} ブランチ")
                if op.subtype == "Parallel"
                else tr(f"{n} items", f"{n} 項目")
            )
    # Time order; operations checkpointed in the same millisecond (parallel branches) keep
    # the history's order, which puts a parent before its children.
    rows = [root, *invocations, *ops.values()]
    return sorted(rows, key=lambda r: (r.start, r.kind != "Execution", r.first_event))


def phase_of(events: Sequence[dict[str, Any]]) -> str:
    """What the execution is doing now, from its history: sleeping in a wait, waiting for
    a callback, or running."""
    open_ops: dict[str, str] = {}
    for event in events:
        split = split_event_type(str(event.get("EventType", "")))
        if split is None or split[0] in ("Execution", "Context"):
            continue
        kind, outcome = split
        op_id = str(event.get("Id"))
        if outcome == "STARTED":
            open_ops[op_id] = kind
        elif outcome in ENDED_STATUSES:
            open_ops.pop(op_id, None)
    kinds = set(open_ops.values())
    if "Wait" in kinds:
        return SUSPENDED_IN_WAIT
    if "Callback" in kinds:
        return WAITING_FOR_CALLBACK
    return PHASE_RUNNING


@dataclass(frozen=True)
class Callback:
    """A callback of the execution and where it stands."""

    op_id: str
    callback_id: str
    name: str  # its wait_for_callback's name ("approve #1"), else its own
    state: CallbackState
    result: str | None = None  # the answer's payload, once succeeded
    started: float | None = None  # epoch seconds of its CallbackStarted event
    timeout_s: int | None = None  # CallbackStartedDetails.Timeout; None: no timeout

    @property
    def open(self) -> bool:
        """Still waiting for an answer."""
        return self.state == "open"

    @property
    def deadline(self) -> float | None:
        """When the callback times out (epoch seconds): its start plus its ``Timeout``, the
        clock the durable service keeps; None without a timeout. (A ``HeartbeatTimeout``
        restarts at every heartbeat, which the history does not record.)"""
        if self.started is None or self.timeout_s is None:
            return None
        return self.started + self.timeout_s


def callbacks_of(events: Sequence[dict[str, Any]]) -> list[Callback]:
    """Every callback in the history, in order, with its state (``CallbackStarted``,
    then ``CallbackSucceeded/Failed/TimedOut``, matched by operation id), when it started
    and its timeout (``CallbackStartedDetails.Timeout``, seconds)."""
    contexts: dict[str, str] = {}
    found: dict[str, Callback] = {}
    for event in events:
        split = split_event_type(str(event.get("EventType", "")))
        if split is None:
            continue
        kind, outcome = split
        op_id = str(event.get("Id", ""))
        if kind == "Context" and outcome == "STARTED":
            contexts[op_id] = str(event.get("Name") or "")
        if kind != "Callback" or outcome not in _CALLBACK_STATES:
            continue
        details = event.get(f"{event['EventType']}Details") or {}
        if outcome == "STARTED":
            name = str(event.get("Name") or "")
            label = contexts.get(str(event.get("ParentId") or ""), "") or name.removesuffix(
                CALLBACK_SUFFIX
            )
            timeout = details.get("Timeout")
            found[op_id] = Callback(
                op_id,
                str(details.get("CallbackId", "")),
                label,
                "open",
                started=epoch_or_none(event.get("EventTimestamp")),
                # 0 or absent: no timeout (the API's default)
                timeout_s=timeout if type(timeout) is int and timeout > 0 else None,
            )
        elif op_id in found:
            found[op_id] = dataclasses.replace(
                found[op_id], state=_CALLBACK_STATES[outcome], result=payload(details, "Result")
            )
    return list(found.values())


def execution_history(lambda_client: Any, execution_arn: str) -> list[dict[str, Any]]:
    """Every history event of the execution, all pages (botocore's paginator), with
    payloads (``IncludeExecutionData``)."""
    pages = lambda_client.get_paginator("get_durable_execution_history").paginate(
        DurableExecutionArn=execution_arn,
        IncludeExecutionData=True,
        PaginationConfig={"PageSize": 1000},
    )
    return [event for page in pages for event in page.get("Events", [])]


@dataclass
class ExecutionHistory:
    """An execution (``get_durable_execution``) and its history events, in order, read
    into typed rows, invocations and callbacks."""

    execution: dict[str, Any]
    events: list[dict[str, Any]]
    rows: list[Operation] = field(init=False)

    def __post_init__(self) -> None:
        self.rows = operation_rows(self.execution, self.events)

    @property
    def arn(self) -> str:
        return str(self.execution.get("DurableExecutionArn", ""))

    @property
    def name(self) -> str:
        return str(self.execution.get("DurableExecutionName") or execution_name(self.arn))

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
        """One row per Lambda invocation, in order (the first run, then the replays)."""
        return [r for r in self.rows if r.kind == "Invocation"]

    @property
    def operations(self) -> list[Operation]:
        """Steps, waits, callbacks, contexts: what the SDK checkpoints."""
        return [r for r in self.rows if r.kind not in ("Execution", "Invocation")]

    @property
    def request_ids(self) -> list[str]:
        """The request id of each invocation that has one, in history order: what joins
        an invocation to its log records."""
        return [
            str(e["InvocationCompletedDetails"]["RequestId"])
            for e in self.events
            if e.get("EventType") == "InvocationCompleted"
            and (e.get("InvocationCompletedDetails") or {}).get("RequestId")
        ]

    @cached_property
    def billed_invocations(self) -> list[Invocation]:
        """The invocations by request id, start and end, sorted by start (see
        ``events.invocations_from_history``: a missing request id is an error)."""
        return invocations_from_history(self.events)

    @cached_property
    def operation_count(self) -> OperationCount:
        return count_operations(self.events)

    @cached_property
    def data_bytes(self) -> int:
        return data_written_bytes(self.events)

    @cached_property
    def callbacks(self) -> list[Callback]:
        return callbacks_of(self.events)

    @property
    def phase(self) -> str:
        """What the execution is doing now (see ``phase_of``)."""
        return phase_of(self.events)


def read_phase(lambda_client: Any, execution_arn: str) -> str:
    """What a running execution is doing now (see ``phase_of``), from the first page of
    its history (up to 1,000 events, no payloads): cheap enough to ask while polling."""
    page = lambda_client.get_durable_execution_history(
        DurableExecutionArn=execution_arn, MaxItems=1000
    )
    return phase_of(page.get("Events", []))


def open_callbacks(history: ExecutionHistory) -> list[Callback]:
    """The execution's callbacks still waiting for an answer."""
    return [c for c in history.callbacks if c.open]


def fetch_history(lambda_client: Any, execution_arn: str) -> ExecutionHistory:
    """The execution and every page of its history, payloads included."""
    execution = lambda_client.get_durable_execution(DurableExecutionArn=execution_arn)
    execution.pop("ResponseMetadata", None)
    return ExecutionHistory(execution, execution_history(lambda_client, execution_arn))
