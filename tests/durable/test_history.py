"""helpers.durable.history: the history as typed rows, callbacks with their state, and
what a running execution is doing."""

from __future__ import annotations

from typing import Any

import cost_samples as s

from helpers.durable import (
    SUSPENDED_IN_WAIT,
    WAITING_FOR_CALLBACK,
    Callback,
    ExecutionHistory,
    callbacks_of,
    open_callbacks,
    phase_of,
)


def conversation(upto: int | None = None) -> ExecutionHistory:
    events = s.history()
    return ExecutionHistory(s.execution(), events[:upto] if upto else events)


def test_rows_are_typed_and_in_time_order() -> None:
    run = conversation()
    assert run.rows[0].kind == "Execution" and run.status == "SUCCEEDED"
    assert [r.start for r in run.rows] == sorted(r.start for r in run.rows)
    assert len(run.invocations) == 4 and run.request_ids == [s.R1, s.R2, s.R3, s.R4]
    steps = [o for o in run.operations if o.kind == "Step"]
    assert len(steps) == 11 and all(o.result == s.STEP_RESULT for o in steps)
    (think,) = [o for o in steps if o.name == "think #1"]
    assert think.status == "SUCCEEDED" and think.seconds is not None
    submitter = next(o for o in steps if o.name == "approve #1 submitter")
    assert submitter.parent == "ctx-1" and submitter.depth == 1


def test_callbacks_carry_their_state_id_and_name() -> None:
    run = conversation()
    started = {
        e["Id"]: e["EventTimestamp"].timestamp()
        for e in run.events
        if e["EventType"] == "CallbackStarted"
    }
    assert run.callbacks == [
        Callback(
            f"cb-{n}",
            f"callback-token-{n}",
            f"approve #{n}",
            "succeeded",
            s.DECISION,
            started=started[f"cb-{n}"],
        )
        for n in (1, 2, 3)
    ]
    # These samples carry no Timeout (none configured): no deadline.
    assert [c.deadline for c in run.callbacks] == [None, None, None]
    assert open_callbacks(run) == []
    (row,) = [o for o in run.operations if o.op_id == "cb-1"]
    assert row.callback_id == "callback-token-1"


def test_an_unanswered_callback_is_open_and_the_phase_says_so() -> None:
    events = s.history()
    # Up to the first approval's request: its callback started, nobody answered yet.
    upto = next(i for i, e in enumerate(events) if e["EventType"] == "CallbackSucceeded")
    run = ExecutionHistory(s.execution(end_s=None, status="RUNNING"), events[:upto])
    (waiting,) = open_callbacks(run)
    assert waiting.open and waiting.state == "open"
    assert (waiting.callback_id, waiting.name) == ("callback-token-1", "approve #1")
    assert run.phase == WAITING_FOR_CALLBACK


def test_callback_outcomes_other_than_success() -> None:
    def event(event_type: str, op_id: str, **fields: Any) -> dict[str, Any]:
        return {"EventType": event_type, "Id": op_id, "EventTimestamp": s.at(1), **fields}

    events = [
        event("CallbackStarted", "a", Name="a", CallbackStartedDetails={"CallbackId": "t-a"}),
        event("CallbackStarted", "b", Name="b", CallbackStartedDetails={"CallbackId": "t-b"}),
        event("CallbackFailed", "a", Name="a", CallbackFailedDetails={}),
        event("CallbackTimedOut", "b", Name="b", CallbackTimedOutDetails={}),
    ]
    assert [(c.name, c.state) for c in callbacks_of(events)] == [
        ("a", "failed"),
        ("b", "timed out"),
    ]


def test_a_pending_wait_is_a_suspended_phase() -> None:
    events = [
        {"EventType": "WaitStarted", "Id": "w", "EventTimestamp": s.at(1)},
    ]
    assert phase_of(events) == SUSPENDED_IN_WAIT
    events.append({"EventType": "WaitSucceeded", "Id": "w", "EventTimestamp": s.at(2)})
    assert phase_of(events) == "running"


def test_counts_and_data_come_with_the_history() -> None:
    run = conversation()
    assert run.operation_count.total == 17
    assert [i.request_id for i in run.billed_invocations] == [s.R1, s.R2, s.R3, s.R4]
    assert run.data_bytes > 0


def test_a_callback_deadline_is_its_start_plus_its_timeout() -> None:
    def started(op_id: str, seconds: float, **details: Any) -> dict[str, Any]:
        return {
            "EventType": "CallbackStarted",
            "Id": op_id,
            "Name": op_id,
            "EventTimestamp": s.at(seconds),
            "CallbackStartedDetails": {"CallbackId": f"t-{op_id}", **details},
        }

    events = [
        started("timed", 10, Timeout=900, HeartbeatTimeout=60),
        started("unbounded", 11),  # no timeout configured: the API leaves it out
        started("zero", 12, Timeout=0),
    ]
    timed, unbounded, zero = callbacks_of(events)
    assert timed.started == s.at(10).timestamp() and timed.timeout_s == 900
    assert timed.deadline == s.at(10).timestamp() + 900
    assert unbounded.deadline is None and zero.deadline is None
    # An answer keeps when it started and its timeout (the state changes, not the clock).
    events.append(
        {
            "EventType": "CallbackSucceeded",
            "Id": "timed",
            "EventTimestamp": s.at(20),
            "CallbackSucceededDetails": {},
        }
    )
    answered = callbacks_of(events)[0]
    assert answered.state == "succeeded" and answered.deadline == timed.deadline
