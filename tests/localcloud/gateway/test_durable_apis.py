"""Callbacks, listing and stopping executions, as AWS answers them (gateway/durable_apis.py)."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from botocore.exceptions import ClientError
from gateway_cases import (  # noqa: F401  (fixtures)
    Client,
    Waiting,
    durable_fixture,
    error_code,
    start_execution,
    waiting_fixture,
)


def test_callback_errors(waiting: Waiting, wait_done: Callable[..., Any]) -> None:
    lam, arn, cb = waiting()
    with pytest.raises(ClientError) as err:
        lam.send_durable_execution_callback_success(CallbackId="bogus", Result=b"{}")
    assert error_code(err) in ("InvalidParameterValueException", "ResourceNotFoundException")

    with pytest.raises(ClientError) as err:  # over the 256 KB result limit; nothing stored
        lam.send_durable_execution_callback_success(CallbackId=cb, Result=b"x" * (256 * 1024 + 1))
    assert error_code(err) == "InvalidParameterValueException"
    lam.send_durable_execution_callback_heartbeat(CallbackId=cb)  # still open: accepted
    lam.send_durable_execution_callback_success(CallbackId=cb, Result=b'{"decision": "DENY"}')
    assert json.loads(wait_done(arn)["Result"]) == {"answer": {"decision": "DENY"}}
    with pytest.raises(lam.exceptions.CallbackTimeoutException):
        lam.send_durable_execution_callback_success(CallbackId=cb, Result=b"{}")
    with pytest.raises(lam.exceptions.CallbackTimeoutException):
        lam.send_durable_execution_callback_failure(CallbackId=cb, Error={"ErrorMessage": "x"})
    with pytest.raises(lam.exceptions.CallbackTimeoutException):
        lam.send_durable_execution_callback_heartbeat(CallbackId=cb)


def test_well_formed_callback_id_of_unknown_execution(
    waiting: Waiting, wait_done: Callable[..., Any]
) -> None:
    lam, arn, cb = waiting()
    # A real id with its execution swapped for one that does not exist.
    text = base64.b64decode(cb).decode()
    forged_text = text.replace(arn.rsplit("/", 1)[1], "00000000-dead-beef-0000-000000000000")
    assert forged_text != text
    forged = base64.b64encode(forged_text.encode()).decode()
    with pytest.raises(ClientError) as err:
        lam.send_durable_execution_callback_success(CallbackId=forged, Result=b"{}")
    assert error_code(err) in ("InvalidParameterValueException", "ResourceNotFoundException")
    lam.send_durable_execution_callback_success(CallbackId=cb, Result=b'"done"')
    assert wait_done(arn)["Status"] == "SUCCEEDED"


def test_callback_failure_reaches_the_handler(
    waiting: Waiting, wait_done: Callable[..., Any]
) -> None:
    lam, arn, cb = waiting()
    lam.send_durable_execution_callback_failure(
        CallbackId=cb,
        Error={"ErrorMessage": "the reviewer said no", "ErrorType": "Rejected"},
    )
    done = wait_done(arn)
    assert done["Status"] == "SUCCEEDED", done
    result = json.loads(done["Result"])
    assert result["failed"] in ("CallbackExternalError", "CallbackError")
    assert result["message"] == "the reviewer said no"
    kinds = [
        e["EventType"] for e in lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    ]
    assert "CallbackFailed" in kinds


def test_list_durable_executions_by_function(
    client: Client,
    durable: Callable[..., Any],
    callback_id: Callable[..., str],
    wait_done: Callable[..., Any],
) -> None:
    fn, version = durable("approval")
    lam = client("lambda")
    waiting = start_execution(lam, fn, version, {"i": 1})
    finished = start_execution(lam, fn, version, {"i": 2})
    lam.send_durable_execution_callback_success(CallbackId=callback_id(finished), Result=b"1")
    assert wait_done(finished)["Status"] == "SUCCEEDED"
    callback_id(waiting)

    def listed(**kwargs: Any) -> list[str]:
        page = lam.list_durable_executions_by_function(FunctionName=fn, **kwargs)
        return [e["DurableExecutionArn"] for e in page["DurableExecutions"]]

    page = lam.list_durable_executions_by_function(FunctionName=fn, Qualifier=version)
    by_arn = {e["DurableExecutionArn"]: e for e in page["DurableExecutions"]}
    assert set(by_arn) == {waiting, finished}
    assert by_arn[waiting]["Status"] == "RUNNING"
    assert by_arn[finished]["Status"] == "SUCCEEDED"
    assert listed(Qualifier=version, Statuses=["RUNNING"]) == [waiting]
    assert len(listed(Qualifier=version, Statuses=["RUNNING", "SUCCEEDED"])) == 2
    assert listed(Qualifier=version, Statuses=["FAILED"]) == []
    function_arn = lam.get_function(FunctionName=fn)["Configuration"]["FunctionArn"]
    qualified_arn = lam.list_durable_executions_by_function(
        FunctionName=f"{function_arn}:{version}"
    )
    assert len(qualified_arn["DurableExecutions"]) == 2
    first_page = lam.list_durable_executions_by_function(
        FunctionName=fn, Qualifier=version, MaxItems=1
    )
    assert len(first_page["DurableExecutions"]) == 1
    second_page = lam.list_durable_executions_by_function(
        FunctionName=fn, Qualifier=version, MaxItems=1, Marker=first_page["NextMarker"]
    )
    assert {
        first_page["DurableExecutions"][0]["DurableExecutionArn"],
        second_page["DurableExecutions"][0]["DurableExecutionArn"],
    } == {waiting, finished}
    assert "NextMarker" not in second_page
    other, other_version = durable("quick")
    assert listed() == []  # nothing ran on $LATEST
    assert (
        lam.list_durable_executions_by_function(FunctionName=other, Qualifier=other_version)[
            "DurableExecutions"
        ]
        == []
    )


def test_listing_without_qualifier_lists_latest_only(
    client: Client, durable: Callable[..., Any], wait_done: Callable[..., Any]
) -> None:
    """As on AWS (API reference, ListDurableExecutionsByFunction: "If not specified, lists
    executions for the $LATEST version"): each qualifier lists its own executions; an
    alias lists those of the version it points to; an execution ARN names the version."""
    fn, version = durable("quick")
    lam = client("lambda")
    on_latest = start_execution(lam, fn, "$LATEST", {"n": 1})
    on_version = start_execution(lam, fn, version, {"n": 2})
    lam.create_alias(FunctionName=fn, Name="live", FunctionVersion=version)
    via_alias = start_execution(lam, fn, "live", {"n": 3})
    for arn in (on_latest, on_version, via_alias):
        wait_done(arn)
    assert f":function:{fn}:$LATEST/durable-execution/" in on_latest
    assert f":function:{fn}:{version}/durable-execution/" in via_alias  # never the alias

    def listed(**kwargs: Any) -> set[str]:
        page = lam.list_durable_executions_by_function(FunctionName=fn, **kwargs)
        return {e["DurableExecutionArn"] for e in page["DurableExecutions"]}

    assert listed() == {on_latest}
    assert listed(Qualifier="$LATEST") == {on_latest}
    assert listed(Qualifier=version) == {on_version, via_alias}
    assert listed(Qualifier="live") == {on_version, via_alias}
    for missing in ({"Qualifier": "99"}, {"Qualifier": "nope"}):
        with pytest.raises(lam.exceptions.ResourceNotFoundException):
            listed(**missing)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.list_durable_executions_by_function(FunctionName=f"{fn}-missing")
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        listed(MaxItems=1001)


def test_stop_durable_execution(waiting: Waiting) -> None:
    lam, arn, cb = waiting()
    stopped = lam.stop_durable_execution(DurableExecutionArn=arn)
    assert "StopTimestamp" in stopped
    details = lam.get_durable_execution(DurableExecutionArn=arn)
    assert details["Status"] == "STOPPED"
    assert "EndTimestamp" in details
    with pytest.raises(ClientError) as err:
        lam.send_durable_execution_callback_success(CallbackId=cb, Result=b"{}")
    assert error_code(err) in (
        "CallbackTimeoutException",
        "ResourceNotFoundException",
        "InvalidParameterValueException",
    )
    kinds = [
        e["EventType"] for e in lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    ]
    # The stop ends the execution; only the invocation it cut short may still report after.
    after_stop = kinds[kinds.index("ExecutionStopped") + 1 :]
    assert set(after_stop) <= {"InvocationCompleted"}, kinds


def test_unknown_execution_is_resource_not_found(
    client: Client, durable: Callable[..., Any]
) -> None:
    fn, version = durable("quick")
    lam = client("lambda")
    arn = (
        f"arn:aws:lambda:us-east-1:123456789012:function:{fn}:{version}/durable-execution/"
        "nope/00000000-0000-0000-0000-000000000000"
    )
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_durable_execution(DurableExecutionArn=arn)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_durable_execution_history(DurableExecutionArn=arn)


def test_delete_pause_resume_answer_as_aws_never_a_500(
    waiting: Waiting, wait_done: Callable[..., Any]
) -> None:
    """The runner has no DeleteDurableExecution, PauseDurableExecution nor
    ResumeDurableExecution (it answered 500s). Delete acts as AWS documents it; pause and
    resume answer the 4xx of the execution's state, or say that the local cloud cannot."""
    lam, arn, cb = waiting()

    def refused(call: Callable[..., Any]) -> tuple[int, str]:
        with pytest.raises(ClientError) as err:
            call(DurableExecutionArn=arn)
        return err.value.response["ResponseMetadata"]["HTTPStatusCode"], error_code(err)

    # Running: not deleted (a terminal state is required), not resumed (nothing paused).
    assert refused(lam.delete_durable_execution) == (409, "ResourceConflictException")
    assert refused(lam.resume_durable_execution) == (409, "ResourceConflictException")
    assert refused(lam.pause_durable_execution) == (400, "InvalidParameterValueException")
    assert lam.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING"
    lam.send_durable_execution_callback_success(CallbackId=cb, Result=b'{"decision": "OK"}')
    assert wait_done(arn)["Status"] == "SUCCEEDED"
    assert refused(lam.pause_durable_execution) == (409, "ResourceConflictException")
    deleted = lam.delete_durable_execution(DurableExecutionArn=arn)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert deleted["DeletionRequestTimestamp"].year >= 2026
    # Gone, with its history; a second delete finds nothing.
    for call in (
        lam.get_durable_execution,
        lam.get_durable_execution_history,
        lam.delete_durable_execution,
        lam.pause_durable_execution,
    ):
        assert refused(call) == (404, "ResourceNotFoundException")


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("checkpoint", b"[-1, -1]"),  # no JSON object
        ("checkpoint", b'{"Updates": 5}'),  # a list member given a number
        ("checkpoint", b'{"CheckpointToken": ["x"], "Updates": []}'),
        ("stop", b'{"ErrorMessage": ["x"]}'),  # its body is an ErrorObject
        ("stop", b'"stop"'),
        ("fail", b'{"ErrorMessage": 5}'),  # the runner took it and failed the callback
        ("fail", b"[1]"),
    ],
)
def test_a_body_lambda_cannot_read_is_a_4xx_never_a_500(
    waiting: Waiting, wait_done: Callable[..., Any], cloud: Any, action: str, body: bytes
) -> None:
    """Bodies boto3 never sends (it validates first), sent raw to a real execution: the
    runner failed on them with a 500; Lambda cannot read them."""
    lam, arn, cb = waiting()
    if action == "fail":  # SendDurableExecutionCallbackFailure: the body is its ErrorObject
        path = f"/2025-12-01/durable-execution-callbacks/{quote(cb, safe='')}/fail"
    else:
        path = f"/2025-12-01/durable-executions/{quote(arn, safe='')}/{action}"
    request = urllib.request.Request(
        cloud.endpoint + path,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/lambda/"
            "aws4_request, SignedHeaders=host, Signature=00",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 400
    assert json.loads(refused.value.read())["__type"] == "InvalidRequestContentException"
    # The execution is untouched: still waiting, and the callback still completes it.
    assert lam.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING"
    lam.send_durable_execution_callback_success(CallbackId=cb, Result=b'{"decision": "OK"}')
    assert json.loads(wait_done(arn)["Result"]) == {"answer": {"decision": "OK"}}


def test_stop_keeps_the_error_boto3_sends(waiting: Waiting, wait_done: Callable[..., Any]) -> None:
    """StopDurableExecution's body is the ErrorObject itself (the model's payload); the
    runner read it under "Error" and dropped what boto3 sent."""
    lam, arn, _ = waiting()
    error = {"ErrorType": "Manual", "ErrorMessage": "the operator stopped it"}
    lam.stop_durable_execution(DurableExecutionArn=arn, Error=error)
    done = wait_done(arn)
    assert done["Status"] == "STOPPED"
    assert {k: done["Error"].get(k) for k in error} == error
