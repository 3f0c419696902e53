"""helpers.brief: a conversation's history as a table, and in figures."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from fake_aws import Paginated
from mathjax_check import math_in_markdown

from helpers.brief import brief_history, figures_of
from helpers.durable import ExecutionHistory
from helpers.outcome import Outcome


def _event(kind: str, t: float, **more: Any) -> dict[str, Any]:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    return {"EventType": kind, "EventTimestamp": base + timedelta(seconds=t), **more}


def _invocation(t0: float, t1: float) -> dict[str, Any]:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    details = {
        "StartTimestamp": base + timedelta(seconds=t0),
        "EndTimestamp": base + timedelta(seconds=t1),
        "RequestId": f"r{t0}",
    }
    return _event("InvocationCompleted", t1, InvocationCompletedDetails=details)


def test_brief_history_keeps_top_level_operations_and_invocations() -> None:
    answer = json.dumps(json.dumps({"decision": "DENY", "comment": ""}))
    events = [
        _event("ExecutionStarted", 0.0, Id="x", Name="run"),
        _event("StepStarted", 0.5, Id="s1", Name="think #1", SubType="Step"),
        _event("StepSucceeded", 0.7, Id="s1", Name="think #1", SubType="Step"),
        _event("ContextStarted", 0.8, Id="c1", Name="approve #1", SubType="WaitForCallback"),
        _event(
            "CallbackStarted", 0.8, Id="cb", Name="approve #1 cb", SubType="Callback", ParentId="c1"
        ),
        _invocation(0.1, 1.0),
        _event("CallbackSucceeded", 5.0, Id="cb", SubType="Callback", ParentId="c1"),
        _event(
            "ContextSucceeded",
            5.2,
            Id="c1",
            Name="approve #1",
            SubType="WaitForCallback",
            ContextSucceededDetails={"Result": {"Payload": answer}},
        ),
        _invocation(5.1, 5.4),
        _event("ExecutionSucceeded", 5.4, Id="x"),
    ]
    execution = {"StartTimestamp": datetime(2026, 1, 1, tzinfo=UTC), "Status": "SUCCEEDED"}
    rows = brief_history(ExecutionHistory(execution, events))
    assert [(r["what"], r["kind"], r["outcome"]) for r in rows] == [
        ("Lambda invocation #1", "invocation", "returned"),
        ("think #1", "step", "succeeded"),
        ("approve #1", "wait_for_callback", "DENY"),
        ("Lambda invocation #2", "invocation (replay)", "returned"),
    ]
    assert rows[0]["at_s"] == 0.1 and rows[0]["took_s"] == 0.9
    assert rows[2]["at_s"] == 0.8 and rows[2]["took_s"] == 4.4


class _History(Paginated):
    service = "lambda"

    def __init__(self, events: list[dict[str, Any]]) -> None:
        self.events = events

    def client(self, service: str) -> Any:
        return self

    def get_durable_execution(self, **_: Any) -> dict[str, Any]:
        return {"Status": "SUCCEEDED", "StartTimestamp": datetime(2026, 1, 1, tzinfo=UTC)}

    def get_durable_execution_history(self, **_: Any) -> dict[str, Any]:
        return {"Events": self.events}


def test_figures_of_a_conversation_without_tools_say_so_plainly() -> None:
    answer = {"message": {"role": "assistant", "content": [{"text": "52.1 / 4 is 13.025"}]}}
    think = {"Result": {"Payload": json.dumps(answer)}}
    events = [
        _event("ExecutionStarted", 0.0, Id="x"),
        _event("StepStarted", 0.05, Id="s1", Name="think #1", SubType="Step"),
        _event("StepSucceeded", 0.1, Id="s1", Name="think #1", StepSucceededDetails=think),
        _event("StepStarted", 0.11, Id="s2", Name="report", SubType="Step"),
        _event("StepSucceeded", 0.12, Id="s2", Name="report"),
        _invocation(0.0, 0.15),
    ]
    arn = "arn:aws:lambda:us-east-1:1:function:f:1/durable-execution/n/i"
    result = {"answer": "52.1 / 4 is 13.025", "report_url": "", "decisions": []}
    done = Outcome(arn, "SUCCEEDED", result, seconds=0.14)

    shown = figures_of(_History(events), done).data  # type: ignore[arg-type]
    assert math_in_markdown(shown) == []
    not_yet = Outcome(arn, "RUNNING", error="$1 and $2")
    assert math_in_markdown(figures_of(_History(events), not_yet).data) == []  # type: ignore[arg-type]

    assert "**Model turns:** 1; the model asked for no tool: it answered directly." in shown
    assert "**Approval requests:** 0 (nobody was asked)" in shown and "Denied" not in shown
    assert "**Lambda invocations:** 1 (the first run did everything" in shown
    assert "**Durable operations:** 2 (2 steps)" in shown
    assert "it never waited" in shown
    assert "Nobody was in the loop this time" in shown and "send the question again" in shown
