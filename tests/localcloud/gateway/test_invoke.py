"""Invoke of a durable function: qualified only, Event or RequestResponse (gateway/invoke.py)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from gateway_cases import (  # noqa: F401  (fixtures)
    Client,
    durable_fixture,
    start_execution,
)


def test_unqualified_invoke_of_durable_function_is_refused(
    client: Client, durable: Callable[..., Any]
) -> None:
    fn, _ = durable("quick")
    lam = client("lambda")
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.invoke(FunctionName=fn, Payload=b"{}")
    # $LATEST is a qualifier: allowed, as on AWS.
    reply = lam.invoke(FunctionName=fn, Qualifier="$LATEST", Payload=b'{"n": 1}')
    assert json.loads(reply["Payload"].read()) == {"doubled": 2}


def test_event_invoke_returns_execution_arn(
    client: Client, durable: Callable[..., Any], wait_done: Callable[..., Any]
) -> None:
    fn, version = durable("quick")
    lam = client("lambda")
    reply = lam.invoke(
        FunctionName=fn, Qualifier=version, InvocationType="Event", Payload=b'{"n": 4}'
    )
    assert reply["StatusCode"] == 202
    arn = reply["DurableExecutionArn"]
    assert arn.startswith(
        f"arn:aws:lambda:us-east-1:123456789012:function:{fn}:{version}/durable-execution/"
    )
    done = wait_done(arn)
    assert done["Status"] == "SUCCEEDED"
    assert json.loads(done["Result"]) == {"doubled": 8}
    assert done["FunctionArn"].endswith(f":function:{fn}:{version}") or done[
        "FunctionArn"
    ].endswith(f":function:{fn}")


def test_request_response_waits_for_result(client: Client, durable: Callable[..., Any]) -> None:
    fn, version = durable("quick")
    reply = client("lambda").invoke(FunctionName=fn, Qualifier=version, Payload=b'{"n": 21}')
    assert reply["StatusCode"] == 200
    assert "FunctionError" not in reply
    assert reply["DurableExecutionArn"]
    assert json.loads(reply["Payload"].read()) == {"doubled": 42}


def test_request_response_reports_a_failed_execution(
    client: Client, durable: Callable[..., Any]
) -> None:
    fn, version = durable("failing")
    reply = client("lambda").invoke(FunctionName=fn, Qualifier=version, Payload=b"{}")
    assert reply["FunctionError"] == "Unhandled"
    body = json.loads(reply["Payload"].read())
    assert "the handler gave up" in body["errorMessage"]
    done = client("lambda").get_durable_execution(DurableExecutionArn=reply["DurableExecutionArn"])
    assert done["Status"] == "FAILED"


def test_durable_invoke_through_an_alias(
    client: Client, durable: Callable[..., Any], wait_done: Callable[..., Any]
) -> None:
    fn, version = durable("quick")
    lam = client("lambda")
    lam.create_alias(FunctionName=fn, Name="live", FunctionVersion=version)
    reply = lam.invoke(FunctionName=fn, Qualifier="live", Payload=b'{"n": 5}')
    assert "FunctionError" not in reply
    assert reply["ExecutedVersion"] == version
    assert json.loads(reply["Payload"].read()) == {"doubled": 10}
    arn = lam.invoke(FunctionName=f"{fn}:live", InvocationType="Event", Payload=b'{"n": 6}')[
        "DurableExecutionArn"
    ]
    assert json.loads(wait_done(arn)["Result"]) == {"doubled": 12}


def invocations_of(lam: Any, arn: str) -> list[dict[str, Any]]:
    """The execution's InvocationCompleted events so far."""
    events = lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    return [e for e in events if e["EventType"] == "InvocationCompleted"]


def test_step_wait_callback_parallel_and_cost_join(
    client: Client,
    durable: Callable[..., Any],
    callback_id: Callable[..., str],
    wait_done: Callable[..., Any],
    reports: Callable[..., dict[str, str]],
) -> None:
    fn, version = durable("full")
    lam = client("lambda")
    arn = start_execution(lam, fn, version, {"q": 1})
    cb = callback_id(arn)
    assert lam.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING"
    # Answer once the invocation that started the callback has ended: an answer that comes
    # while it still runs is picked up by it, without the replay this test counts (as on AWS).
    deadline = time.monotonic() + 60
    while len(invocations_of(lam, arn)) < 2:
        assert time.monotonic() < deadline, invocations_of(lam, arn)
        time.sleep(0.05)
    lam.send_durable_execution_callback_success(
        CallbackId=cb, Result=json.dumps({"decision": "APPROVE"}).encode()
    )
    done = wait_done(arn)
    assert done["Status"] == "SUCCEEDED", done
    assert json.loads(done["Result"]) == {
        "first": "stepped",
        "answer": {"decision": "APPROVE"},
        "branches": ["a", "b"],
    }

    events = lam.get_durable_execution_history(DurableExecutionArn=arn, IncludeExecutionData=True)[
        "Events"
    ]
    kinds = [e["EventType"] for e in events]
    assert kinds[0] == "ExecutionStarted" and kinds[-1] == "ExecutionSucceeded"
    names = {e.get("Name") for e in events}
    assert {"first", "pause", "approve", "fan", "branch a", "branch b"} <= names
    assert {"StepSucceeded", "WaitSucceeded", "CallbackSucceeded", "ContextSucceeded"} <= set(kinds)
    callbacks = [e for e in events if e["EventType"] == "CallbackStarted"]
    assert [e["CallbackStartedDetails"]["CallbackId"] for e in callbacks] == [cb]

    # The cost lesson: every invocation is one InvocationCompleted, joined by RequestId to
    # exactly one REPORT record of the function's log group.
    completed = [e for e in events if e["EventType"] == "InvocationCompleted"]
    assert len(completed) >= 3  # first run, after the wait, after the callback
    request_ids = [e["InvocationCompletedDetails"]["RequestId"] for e in completed]
    assert all(request_ids) and len(set(request_ids)) == len(request_ids)
    for event in completed:
        details = event["InvocationCompletedDetails"]
        assert details["StartTimestamp"] <= details["EndTimestamp"]
    found = reports(f"/aws/lambda/{fn}", request_ids)
    assert set(found) == set(request_ids)
    group_reports = [
        e["message"]
        for e in client("logs").filter_log_events(
            logGroupName=f"/aws/lambda/{fn}", filterPattern="REPORT"
        )["events"]
    ]
    assert len(group_reports) == len(request_ids)
    # Only the first invocation of the version is a cold start.
    assert "Init Duration" in found[request_ids[0]]
    assert all("Init Duration" not in found[rid] for rid in request_ids[1:])


def test_durable_execution_name_is_an_idempotency_key(
    client: Client, durable: Callable[..., Any], name: Callable[..., str]
) -> None:
    fn, version = durable("quick")
    lam = client("lambda")
    execution = name("run").replace("-", "_")
    first = start_execution(lam, fn, version, {"n": 1}, DurableExecutionName=execution)
    again = start_execution(lam, fn, version, {"n": 1}, DurableExecutionName=execution)
    assert again == first
    assert f"/durable-execution/{execution}/" in first
    with pytest.raises(lam.exceptions.DurableExecutionAlreadyStartedException):
        start_execution(lam, fn, version, {"n": 2}, DurableExecutionName=execution)
    listed = lam.list_durable_executions_by_function(
        FunctionName=fn, Qualifier=version, DurableExecutionName=execution
    )
    assert [e["DurableExecutionArn"] for e in listed["DurableExecutions"]] == [first]
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        start_execution(lam, fn, version, {}, DurableExecutionName="not a valid name!")
