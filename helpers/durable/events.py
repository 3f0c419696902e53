"""What the raw history events of a durable execution say, read in one place.

``GetDurableExecutionHistory`` returns events in order: an ``InvocationCompleted`` per
Lambda invocation (its ``RequestId``, start and end), and per operation (step, wait,
callback, child context, chained invoke) a ``<Kind>Started`` event followed by its
outcome (``<Kind>Succeeded``, ``Failed``, ``TimedOut``, ``Stopped``, ``Cancelled``).
This module turns them into invocations, operation counts, the data written and the
gaps between invocations; ``helpers.durable.history`` builds the typed rows on them.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..i18n import tr
from .errors import HistoryError
from .times import epoch_seconds

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


@functools.cache  # a handful of event types, looked up for every event
def split_event_type(event_type: str) -> tuple[str, str] | None:
    """(kind, outcome status) of an operation or execution event type, e.g.
    ``StepSucceeded`` -> ``("Step", "SUCCEEDED")``; None for others (InvocationCompleted)."""
    for kind in KINDS:
        if event_type.startswith(kind) and event_type[len(kind) :] in OUTCOMES:
            return kind, OUTCOMES[event_type[len(kind) :]]
    return None


@dataclass(frozen=True)
class Invocation:
    """One Lambda invocation of the execution, from its ``InvocationCompleted`` event."""

    request_id: str
    start: float  # epoch seconds
    end: float
    error: str | None = None

    @property
    def seconds(self) -> float:
        return self.end - self.start


def invocations_from_history(events: Sequence[dict[str, Any]]) -> list[Invocation]:
    """The execution's invocations, in order: one per ``InvocationCompleted`` event."""
    out = []
    for event in events:
        if event.get("EventType") != "InvocationCompleted":
            continue
        details = event.get("InvocationCompletedDetails")
        if not details or not details.get("RequestId"):
            raise HistoryError(
                f"history event {event.get('EventId')} (InvocationCompleted) has no "
                "InvocationCompletedDetails.RequestId, so it cannot be joined to its REPORT "
                "record. AWS always sends it; the testing SDK's runner (1.4.0) drops it and "
                "the kit's local cloud restores it: is this endpoint an unpatched runner?"
            )
        error = details.get("Error")
        out.append(
            Invocation(
                request_id=details["RequestId"],
                start=epoch_seconds(details.get("StartTimestamp") or event["EventTimestamp"]),
                end=epoch_seconds(details.get("EndTimestamp") or event["EventTimestamp"]),
                error=((error.get("Payload") or {}).get("ErrorType") or "error") if error else None,
            )
        )
    out.sort(key=lambda inv: inv.start)
    return out


# Operation kinds (``split_event_type``) by the name OperationCount gives them.
_COUNTED = {
    "ChainedInvoke": "chained_invokes",
    "Callback": "callbacks",
    "Context": "contexts",
    "Step": "steps",
    "Wait": "waits",
}


@dataclass(frozen=True)
class OperationCount:
    """Durable operations, counted from the history.

    An operation is what the SDK checkpoints under one operation id: a step, a wait, a
    callback, a child context, a chained invoke. ``wait_for_callback`` is three (its
    child context, the callback, the submitter step), as AWS counts it. Each id counts
    once: a step's retries are shown apart (``step_retries``) because whether AWS bills
    each attempt is not settled here (verify). ``Execution*`` and ``InvocationCompleted``
    events are not operations.
    """

    steps: int = 0
    waits: int = 0
    callbacks: int = 0
    contexts: int = 0
    chained_invokes: int = 0
    step_retries: int = 0
    approvals: int = 0  # wait_for_callback contexts (each also counted above, as 3)
    submitter_steps: int = 0  # the steps inside them

    @property
    def total(self) -> int:
        return self.steps + self.waits + self.callbacks + self.contexts + self.chained_invokes

    def describe(self) -> str:
        parts = [
            tr(f"{n} {label}", f"{ja} {n}")
            for n, label, ja in (
                (self.steps, "steps", "ステップ"),
                (self.waits, "waits", "待機"),
                (self.callbacks, "callbacks", "コールバック"),
                (self.contexts, "child contexts", "子コンテキスト"),
                (self.chained_invokes, "chained invokes", "チェーン呼び出し"),
            )
            if n
        ]
        text = tr(
            f"{self.total} ({', '.join(parts) or 'none'})",
            f"{self.total}（{'、'.join(parts) or 'なし'}）",
        )
        if self.approvals:
            text += tr(
                f"; {self.approvals} wait_for_callback = 3 operations each",
                f"。wait_for_callback {self.approvals} 回はそれぞれ 3 オペレーション",
            )
        if self.step_retries:
            text += tr(
                f"; plus {self.step_retries} step retries, not counted (verify)",
                f"。ほかにステップの再試行 {self.step_retries} 回（数えていません、要確認）",
            )
        return text


def _kind(event_type: str) -> str | None:
    split = split_event_type(event_type)
    return _COUNTED.get(split[0]) if split else None


def count_operations(events: Sequence[dict[str, Any]]) -> OperationCount:
    """Count durable operations by distinct operation id (see ``OperationCount``)."""
    ids: dict[str, set[str]] = {kind: set() for kind in _COUNTED.values()}
    step_starts = 0
    approvals: set[str] = set()
    parents: dict[str, str | None] = {}
    for event in events:
        kind = _kind(str(event.get("EventType", "")))
        if kind is None:
            continue
        op_id = str(event.get("Id") or f"event-{event.get('EventId')}")
        ids[kind].add(op_id)
        parents.setdefault(op_id, event.get("ParentId"))
        if event.get("EventType") == "StepStarted":
            step_starts += 1
        if kind == "contexts" and event.get("SubType") == "WaitForCallback":
            approvals.add(op_id)
    submitters = sum(1 for op in ids["steps"] if parents.get(op) in approvals)
    return OperationCount(
        steps=len(ids["steps"]),
        waits=len(ids["waits"]),
        callbacks=len(ids["callbacks"]),
        contexts=len(ids["contexts"]),
        chained_invokes=len(ids["chained_invokes"]),
        step_retries=max(0, step_starts - len(ids["steps"])),
        approvals=len(approvals),
        submitter_steps=submitters,
    )


def data_written_bytes(events: Sequence[dict[str, Any]]) -> int:
    """Payload bytes the history shows (input, results, errors): an estimate of the
    checkpoint data written. Needs the history fetched with ``IncludeExecutionData``."""
    total = 0
    for event in events:
        for key, value in event.items():
            if key.endswith("Details") and isinstance(value, dict):
                for part in value.values():
                    if isinstance(part, dict) and isinstance(part.get("Payload"), str):
                        total += len(part["Payload"].encode())
    return total


@dataclass(frozen=True)
class Gap:
    """The time between two invocations, when nothing runs and nothing is billed."""

    start: float
    end: float
    label: str  # what the execution waited for, e.g. "waiting for approve #1"

    @property
    def seconds(self) -> float:
        return self.end - self.start


def gaps(invocations: Sequence[Invocation], events: Sequence[dict[str, Any]]) -> list[Gap]:
    """The gaps between consecutive invocations, each labelled with what the execution
    waited for (a callback, a wait, a chained invoke, a retry delay)."""
    # An operation pending at the end of an invocation is what the next one waited for.
    names: dict[str, str] = {}
    parent_of: dict[str, str] = {}
    subtype: dict[str, str] = {}
    began: dict[str, tuple[float, str]] = {}
    finished: dict[str, float] = {}
    for event in events:
        op_id, event_type = event.get("Id"), str(event.get("EventType", ""))
        kind = _kind(event_type)
        if not op_id or kind is None:
            continue
        when = epoch_seconds(event["EventTimestamp"])
        names.setdefault(op_id, str(event.get("Name") or ""))
        subtype.setdefault(op_id, str(event.get("SubType") or ""))
        if event.get("ParentId"):
            parent_of[op_id] = event["ParentId"]
        if event_type.endswith("Started"):
            began.setdefault(op_id, (when, kind))
        elif (
            kind == "steps"
            and event_type == "StepFailed"
            and ((event.get("StepFailedDetails") or {}).get("RetryDetails"))
        ):
            began[op_id] = (when, "retry")  # waits out its retry delay
        else:
            finished[op_id] = when

    def label(op_id: str, kind: str) -> str:
        name = names[op_id]
        parent = parent_of.get(op_id)
        if kind == "callbacks" and parent and subtype.get(parent) == "WaitForCallback":
            name = names.get(parent, name)
        if not name:  # operations may be unnamed: say what they are
            return {
                "callbacks": tr("waiting for a callback", "コールバック待ち"),
                "waits": tr("durable wait (timer)", "durable の待機（タイマー）"),
                "chained_invokes": tr("waiting for a chained invoke", "チェーン呼び出し待ち"),
                "retry": tr("retry delay of a step", "ステップの再試行待ち"),
            }[kind]
        return {
            "callbacks": tr(f"waiting for {name}", f"{name} の回答待ち"),
            "waits": tr(f"wait {name}", f"待機 {name}"),
            "chained_invokes": tr(f"waiting for invoke {name}", f"呼び出し {name} 待ち"),
            "retry": tr(f"retry delay of {name}", f"{name} の再試行待ち"),
        }[kind]

    # One sweep in time order: the operations pending at each invocation's end (a few at
    # a time), not every operation for every gap (10,000 invocations would be 10^8 checks).
    waiting = sorted(
        (when, op_id, kind)
        for op_id, (when, kind) in began.items()
        if kind not in {"steps", "contexts"}
    )
    pending: dict[str, str] = {}
    next_op = 0
    gaps = []
    for before, after in itertools.pairwise(invocations):
        now = before.end + 0.001  # history timestamps are to the millisecond
        while next_op < len(waiting) and waiting[next_op][0] <= now:
            _, op_id, kind = waiting[next_op]
            pending[op_id] = kind
            next_op += 1
        for op_id in [op for op in pending if finished.get(op, math.inf) <= now]:
            del pending[op_id]
        labels = [label(op_id, kind) for op_id, kind in pending.items()]
        if len(labels) > 2:
            labels = [*labels[:2], tr(f"+{len(labels) - 2} more", f"ほか {len(labels) - 2} 件")]
        suspended = tr("suspended", "中断中")
        gaps.append(Gap(before.end, after.start, " + ".join(labels) or suspended))
    return gaps
